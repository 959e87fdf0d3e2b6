// console-other-tenant: another tenant's user in the console, after the
// console scenario. Reads REGISTRY_URL, CONSOLE_USER and CONSOLE_PASSWORD
// (a user of another tenant) and SECRET_NAME (the first tenant's
// image-pull secret). Records what each page shows; the Go test judges it.
import { signIn, secretRows } from '../lib/console.mjs';

export default async function ({ page, env, fact }) {
  const registry = new URL(env('REGISTRY_URL')).origin;
  const name = env('SECRET_NAME');
  await page.setViewportSize({ width: 1000, height: 700 });
  const text = () => page.innerText('main');

  fact('signIn', await signIn(page, registry, env('CONSOLE_USER'), env('CONSOLE_PASSWORD')));

  const pages = {};
  for (const scope of ['image-pull', 'package-registry', 'fabric']) {
    await page.goto(`${registry}/console/secrets/${scope}`);
    await page.waitForSelector('[data-test=secrets]');
    pages[scope] = { rows: await secretRows(page), text: await text() };
  }
  fact('secrets', pages);

  // A reveal of the other tenant's secret by its name, with this session's
  // own CSRF token: the form the page would send, had it that row.
  const [answer] = await Promise.all([
    page.waitForNavigation(),
    page.evaluate(
      ([registry, name]) => {
        const f = document.createElement('form');
        f.method = 'post';
        f.action = `${registry}/console/secrets/image-pull/reveal`;
        for (const [k, v] of [['csrf', document.querySelector('input[name=csrf]').value], ['name', name]]) {
          const i = document.createElement('input');
          i.type = 'hidden';
          i.name = k;
          i.value = v;
          f.append(i);
        }
        document.body.append(f);
        f.submit();
      },
      [registry, name],
    ),
  ]);
  fact('reveal', {
    status: answer.status(),
    revealed: (await page.$('[data-test=revealed]')) !== null,
    text: await text(),
  });

  // The audit page is a tenant admin's: a developer is refused it.
  const audit = await page.goto(`${registry}/console/audit`);
  fact('audit', {
    status: audit.status(),
    rows: await page.$$eval('[data-test=audit-row]', (rows) =>
      rows.map((r) => ({ index: r.getAttribute('data-index'), type: r.getAttribute('data-type'), text: r.innerText })),
    ),
    text: await text(),
  });
}
