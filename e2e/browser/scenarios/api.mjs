// api: what a browser makes of registryd's REST API, before any console
// exists. Reads REGISTRY_URL, REGISTRY_TOKEN and OTHER_TOKEN (bearer
// tokens of two tenants) and SECRET_NAME (an image-pull secret of the
// first tenant). Records facts; the Go test judges them.
export default async function ({ page, env, fact, screenshot, serve, host }) {
  const registry = new URL(env('REGISTRY_URL')).origin;
  const token = env('REGISTRY_TOKEN');
  const otherToken = env('OTHER_TOKEN');
  const secret = env('SECRET_NAME');

  // 1. The OpenAPI document, rendered as the browser renders JSON.
  const doc = await page.goto(`${registry}/registry-api/openapi.json`);
  const body = JSON.parse(await doc.text());
  fact('openapi', { status: doc.status(), version: body.openapi, title: body.info?.title });
  await screenshot('openapi');

  // 2. A script in that document may not connect anywhere: the API's CSP
  //    (default-src 'none') covers connect-src. DevTools evaluation is
  //    exempt from script-src, not from what the script then does.
  fact('fetchInsideAPIDocument', await attempt(page, `${registry}/registry-api/openapi.json`, {}));

  // 3. An unauthenticated read: the refusal carries the CSP too.
  const refused = await page.goto(`${registry}/registry-api/image-pull/secrets`);
  fact('unauthenticated', { status: refused.status() });

  // 4. A page of the registry's own origin (served by the harness, as the
  //    console will be) reads the API with a bearer token in a header.
  const sameOrigin = `${registry}/__browser-harness__/`;
  await serve(sameOrigin, '<!doctype html><title>harness</title><h1>same-origin harness page</h1>');
  await page.goto(sameOrigin);
  const auth = (t) => ({ headers: { Authorization: `Bearer ${t}` } });
  fact('sameOrigin', {
    secret: await attempt(page, `${registry}/registry-api/image-pull/secret/${encodeURIComponent(secret)}`, auth(token)),
    list: await attempt(page, `${registry}/registry-api/image-pull/secrets`, auth(token)),
    otherTenantList: await attempt(page, `${registry}/registry-api/image-pull/secrets`, auth(otherToken)),
  });

  // 5. Another origin's page may not read it, token or not: no CORS. The
  //    other origin is a real server on loopback, so that CORS refuses,
  //    not Chromium's rule against public pages reaching private
  //    addresses (Private Network Access).
  const elsewhere = await host('/', '<!doctype html><title>elsewhere</title><h1>another origin</h1>');
  const control = await host('/framed-control', '<!doctype html><p id="control">control frame rendered</p>');
  await page.goto(elsewhere);
  fact('crossOrigin', await attempt(page, `${registry}/registry-api/image-pull/secrets`, auth(token)));

  // 6. Framing: frame-ancestors 'none' refuses the API in any frame, the
  //    registry's own origin and another one alike, while a control frame
  //    of the same parent renders.
  const frames = {};
  const controls = { sameOrigin: `${sameOrigin}framed-control`, crossOrigin: control };
  await serve(controls.sameOrigin, '<!doctype html><p id="control">control frame rendered</p>');
  for (const [label, parent] of [['sameOrigin', sameOrigin], ['crossOrigin', elsewhere]]) {
    await page.goto(parent);
    frames[label] = {
      api: await frame(page, `${registry}/registry-api/openapi.json`),
      control: await frame(page, controls[label]),
    };
  }
  fact('frames', frames);
  // Both frames side by side on the other origin's page: the control one
  // shows its text, the API one Chromium's refusal.
  await page.goto(elsewhere);
  await page.setContent(`<!doctype html><style>iframe{width:600px;height:300px;border:2px solid #444}</style>
    <h1>frame-ancestors 'none'</h1><iframe src="${registry}/registry-api/openapi.json"></iframe>
    <iframe src="${control}"></iframe>`);
  await page.waitForLoadState('load');
  await screenshot('frames');
}

// attempt runs fetch(url, init) in the page and reports the answer or the
// browser's refusal.
async function attempt(page, url, init) {
  return page.evaluate(
    async ([url, init]) => {
      try {
        const r = await fetch(url, init);
        const text = await r.text();
        let json = null;
        try {
          json = JSON.parse(text);
        } catch {}
        return { status: r.status, json, csp: r.headers.get('content-security-policy') };
      } catch (e) {
        return { error: `${e.name}: ${e.message}` };
      }
    },
    [url, init],
  );
}

// frame adds an iframe of src to the page, waits for its load event and
// reports what it shows: the frame's final URL and the text of its
// document when the browser rendered it.
async function frame(page, src) {
  const handle = await page.evaluateHandle(
    (src) =>
      new Promise((resolve) => {
        const f = document.createElement('iframe');
        f.src = src;
        f.onload = () => resolve(f);
        document.body.append(f);
      }),
    src,
  );
  const f = await (await handle.asElement()).contentFrame();
  const url = f.url();
  let text = null;
  try {
    text = await f.evaluate(() => document.body?.innerText ?? '');
  } catch (e) {
    text = null;
  }
  return { src, url, rendered: url === src, text: text?.slice(0, 200) ?? null };
}
