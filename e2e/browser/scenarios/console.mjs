// console: the operator console in Chromium, as a tenant's admin uses it.
// Reads REGISTRY_URL, CONSOLE_USER and CONSOLE_PASSWORD (a user of the
// issuer's login page), SECRET_NAME and SECRET_PASSWORD (an image-pull
// secret to create), VHOST (a virtual host without servers) and
// HEARTBEAT_TOKEN (a bearer token that may send its heartbeats). Records
// facts; the Go test judges them.
import { signIn, secretRows } from '../lib/console.mjs';

export default async function ({ context, page, env, fact, screenshot, host }) {
  const registry = new URL(env('REGISTRY_URL')).origin;
  const name = env('SECRET_NAME');
  const password = env('SECRET_PASSWORD');
  const vhost = env('VHOST');
  await page.setViewportSize({ width: 1000, height: 700 });

  // Every request any page made, redirects included: no secret value may
  // be in a URL, and no request may leave for a third-party origin.
  const requests = [];
  context.on('request', (r) => requests.push({ url: r.url(), method: r.method(), resourceType: r.resourceType() }));

  // 1. Sign-in through the issuer's login page, then the session cookie.
  fact('signIn', await signIn(page, registry, env('CONSOLE_USER'), env('CONSOLE_PASSWORD')));
  fact(
    'cookies',
    (await context.cookies(`${registry}/console/`)).map(({ name, path, httpOnly, secure, sameSite }) => ({ name, path, httpOnly, secure, sameSite })),
  );

  // 2. Create an image-pull secret; its value shows only on a reveal.
  await page.goto(`${registry}/console/secrets/image-pull`);
  await page.fill('#secret-name', name);
  await page.fill('#secret-username', 'console-user');
  await page.fill('#secret-password', password);
  if (await page.$('#secret-url')) await page.fill('#secret-url', 'https://registry.example.com');
  await Promise.all([page.waitForNavigation(), page.click('#secret-create')]);
  await page.waitForSelector(`[data-test=secret-row][data-name="${name}"]`);
  const created = {
    url: page.url(),
    rows: await secretRows(page),
    version: await page.textContent(`[data-test=secret-row][data-name="${name}"] [data-test=secret-version]`),
    valueInPage: (await page.content()).includes(password),
    revealedShown: (await page.$('[data-test=revealed]')) !== null,
  };
  fact('created', created);
  await Promise.all([
    page.waitForNavigation(),
    page.click(`[data-test=secret-row][data-name="${name}"] [data-test=reveal]`),
  ]);
  await page.waitForSelector('[data-test=revealed-password]');
  fact('revealed', {
    url: page.url(),
    username: await page.textContent('[data-test=revealed-username]'),
    password: await page.textContent('[data-test=revealed-password]'),
    version: await page.textContent('[data-test=revealed-version]'),
  });
  await screenshot('console-secrets');

  // 5. The audit page shows the reveal.
  await page.goto(`${registry}/console/audit`);
  await page.waitForSelector('[data-test=audit]');
  fact('audit', {
    rows: await page.$$eval('[data-test=audit-row]', (rows) =>
      rows.map((r) => ({ index: r.getAttribute('data-index'), type: r.getAttribute('data-type'), text: r.innerText })),
    ),
    valueInPage: (await page.content()).includes(password),
  });

  // 4. A heartbeat appears on the host's page while it is open: the page
  //    polls, nobody reloads it.
  await page.goto(`${registry}/console/hosts`);
  await Promise.all([page.waitForNavigation(), page.click(`[data-test=host-row][data-name="${vhost}"] a`)]);
  await page.waitForSelector('[data-test=servers]');
  const before = await page.$$eval('[data-test=server-row]', (rows) => rows.length);
  const loadedAt = await page.evaluate(() => performance.timeOrigin);
  const hb = await fetch(`${registry}/registry/v1/virtualHost/${vhost}/server/web-1`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${env('HEARTBEAT_TOKEN')}`, 'Content-Type': 'application/json' },
    body: JSON.stringify({ server: { host: '10.0.0.7', port: 8080 } }),
  });
  const sent = Date.now();
  await page.waitForSelector('[data-test=server-row][data-server="web-1"][data-alive="true"]', { timeout: 15000 });
  fact('heartbeat', {
    status: hb.status,
    serversBefore: before,
    appearedAfterMs: Date.now() - sent,
    sameDocument: (await page.evaluate(() => performance.timeOrigin)) === loadedAt,
    state: await page.textContent('[data-test=server-row][data-server="web-1"] [data-test=server-state]'),
  });
  await screenshot('console-vhosts');

  // 6. CSRF: a page of another origin posts a delete of the secret to the
  //    console, with this browser's session cookie but no valid token.
  const attack = await host(
    '/csrf',
    `<!doctype html><title>elsewhere</title>
    <form id="f" method="post" action="${registry}/console/secrets/image-pull/delete">
      <input type="hidden" name="csrf" value="guessed">
      <input type="hidden" name="name" value="${name}">
    </form>
    <script>document.getElementById('f').submit()</script>`,
  );
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${registry}/console/secrets/image-pull/delete`),
    page.goto(attack),
  ]);
  await page.waitForLoadState('load');
  await page.goto(`${registry}/console/secrets/image-pull`);
  await page.waitForSelector('[data-test=secrets]');
  const rowsAfter = await secretRows(page);
  // The same form sent from the console's own page (as injected markup
  // would) with a wrong token: the synchronizer token refuses it.
  const [wrongToken] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ([action, name]) => {
        const f = document.createElement('form');
        f.method = 'post';
        f.action = action;
        for (const [k, v] of [['csrf', 'guessed'], ['name', name]]) {
          const i = document.createElement('input');
          i.type = 'hidden';
          i.name = k;
          i.value = v;
          f.append(i);
        }
        document.body.append(f);
        f.submit();
      },
      [`${registry}/console/secrets/image-pull/delete`, name],
    ),
  ]);
  await page.goto(`${registry}/console/secrets/image-pull`);
  await page.waitForSelector('[data-test=secrets]');
  fact('csrf', {
    status: refused.status(),
    rowsAfter,
    sameOriginWrongToken: wrongToken.status(),
    rowsAfterWrongToken: await secretRows(page),
  });

  fact('requests', requests);
}
