// Helpers the console scenarios share.

// signIn opens the console, follows it to the issuer's login page, signs
// in there as username with password (the authorization-code grant with
// PKCE the console starts) and waits to be back on the console. It
// returns the login page's URL and what the console shows afterwards.
export async function signIn(page, registry, username, password) {
  await page.goto(`${registry}/console/`);
  await page.waitForSelector('#username');
  const loginURL = page.url();
  await page.fill('#username', username);
  await page.fill('#password', password);
  await Promise.all([
    page.waitForURL((u) => u.origin === registry && u.pathname.startsWith('/console/') && u.pathname !== '/console/callback'),
    page.click('#sign-in'),
  ]);
  await page.waitForSelector('[data-test=who-subject]');
  return {
    loginURL,
    landed: page.url(),
    subject: await page.textContent('[data-test=who-subject]'),
    tenant: await page.textContent('[data-test=who-tenant]'),
  };
}

// rows returns the data-name of every secret row on a secrets page.
export async function secretRows(page) {
  return page.$$eval('[data-test=secret-row]', (rows) => rows.map((r) => r.getAttribute('data-name')));
}
