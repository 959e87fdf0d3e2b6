// run.mjs runs one browser scenario in headless Chromium (Debian's
// /usr/bin/chromium) through playwright-core and writes what it saw as
// JSON, for the Go tests of this directory to judge:
//
//	node run.mjs <scenario>
//
// The scenario is scenarios/<scenario>.mjs, whose default export is an
// async function given the page and a few helpers (see Harness below).
// Environment: BROWSER_OUT, the directory for result.json and the
// screenshots (required); CHROMIUM, the browser (default /usr/bin/chromium);
// anything else the scenario reads through env(). The exit status is 0 when
// the scenario finished, 1 when it threw (result.json says why), 2 on a
// usage error.
import { chromium } from 'playwright-core';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const scenarios = join(here, 'scenarios');

function usage(msg) {
  const known = readdirSync(scenarios).filter((f) => f.endsWith('.mjs')).map((f) => f.slice(0, -4));
  console.error(`run.mjs: ${msg}\nusage: BROWSER_OUT=dir node run.mjs <scenario>; scenarios: ${known.join(', ')}`);
  process.exit(2);
}

const name = process.argv[2] ?? '';
if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) usage(`bad scenario name ${JSON.stringify(name)}`);
const file = join(scenarios, `${name}.mjs`);
if (!existsSync(file)) usage(`no scenario ${name}`);
const out = process.env.BROWSER_OUT;
if (!out) usage('BROWSER_OUT is not set');
mkdirSync(out, { recursive: true });
const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';

// The flags the issue prescribes: no sandbox (containers, root), no GPU,
// no traffic of the browser's own (updates, safe browsing) beside the test's.
const args = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
// A step that hangs fails in seconds, well inside the Go test's deadline.
const stepTimeout = Number(process.env.BROWSER_STEP_TIMEOUT_MS || 10000);

const result = {
  scenario: name,
  ok: false,
  error: '',
  browser: '',
  durationMs: 0,
  facts: {},
  responses: [],
  console: [],
  pageErrors: [],
  screenshots: [],
};

const started = Date.now();
let browser;
// Pages the scenario hosts (see host below), by path.
const hosted = new Map();
const server = createServer((req, res) => {
  const p = hosted.get(new URL(req.url, 'http://x').pathname);
  if (!p) return res.writeHead(404).end();
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...p.headers }).end(p.html);
});
try {
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  browser = await chromium.launch({ executablePath, headless: true, args, timeout: 30000 });
  result.browser = browser.version();
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  context.setDefaultTimeout(stepTimeout);
  context.setDefaultNavigationTimeout(stepTimeout);
  const pending = new Set();
  // Every response any page or frame received, with all its headers: the
  // Go test checks the registry's (its CSP on each).
  context.on('response', (response) => {
    const p = (async () => {
      const request = response.request();
      result.responses.push({
        url: response.url(),
        method: request.method(),
        resourceType: request.resourceType(),
        status: response.status(),
        headers: await response.allHeaders().catch(() => response.headers()),
      });
    })();
    pending.add(p);
    p.finally(() => pending.delete(p));
  });
  const page = await context.newPage();
  const watch = (p) => {
    p.on('console', (m) => result.console.push({ type: m.type(), text: m.text(), url: p.url() }));
    p.on('pageerror', (e) => result.pageErrors.push(String(e)));
  };
  watch(page);
  context.on('page', (p) => p !== page && watch(p));

  const scenario = (await import(pathToFileURL(file).href)).default;
  await scenario(harness(context, page));
  await Promise.all([...pending]);
  result.ok = true;
} catch (err) {
  result.error = err?.stack || String(err);
} finally {
  result.durationMs = Date.now() - started;
  await browser?.close().catch(() => {});
  server.close();
  writeFileSync(join(out, 'result.json'), JSON.stringify(result, null, 2));
}
if (!result.ok) console.error(`scenario ${name} failed: ${result.error}`);
process.exit(result.ok ? 0 : 1);

// Harness is what a scenario gets: the context and its first page, and
// helpers to read its environment, record facts, take screenshots and
// serve pages of its own.
function harness(context, page) {
  return {
    context,
    page,
    // env returns a required environment variable, or throws naming it.
    env(key) {
      const v = process.env[key];
      if (v === undefined || v === '') throw new Error(`scenario ${name} needs ${key} in its environment`);
      return v;
    },
    // fact records a value under key in result.json's facts.
    fact(key, value) {
      result.facts[key] = value;
    },
    // screenshot saves the page's viewport (or an element handle or
    // locator) as <shot>.png. Long documents (the OpenAPI one) are not
    // taken whole: a page that tall takes Chromium over ten seconds.
    async screenshot(shot, target = page) {
      if (!/^[a-z0-9][a-z0-9-]*$/.test(shot)) throw new Error(`bad screenshot name ${shot}`);
      const path = join(out, `${shot}.png`);
      await target.screenshot({ path });
      result.screenshots.push(`${shot}.png`);
      return path;
    },
    // serve answers every request for url (a glob) with html, never
    // reaching the network: a page of the scenario's own at any origin,
    // the registry's included. Chromium counts such a page as public: it
    // may not reach loopback servers of another origin (Private Network
    // Access); use host for a page of another origin.
    async serve(url, html, headers = {}) {
      await context.route(url, (route) =>
        route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers, body: html }),
      );
    },
    // host serves html at path from the harness's own HTTP server on
    // 127.0.0.1 (another origin than the registry, the same address space)
    // and returns its URL.
    async host(path, html, headers = {}) {
      hosted.set(path, { html, headers });
      return `http://127.0.0.1:${server.address().port}${path}`;
    },
  };
}
