import * as fs from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { type RunningServer } from '../apps/server/src/server';
import { CONSOLE_DIR } from '../apps/server/src/console/console.routes';
import { startServerWithoutModel } from './support/server';
import { call } from './support/http';
import { dropIndices, testConfig } from './support/test-env';
import { freePort, TestIssuer } from './support/oidc';

const CHROMIUM = process.env.QUARRY_CHROMIUM ?? '/usr/bin/chromium';
const ADMIN_KEY = 'console-oauth-admin-0123';

/**
 * Console sign-in with the organisation's provider, in a real browser: authorization code + PKCE
 * against a real OpenID provider (oidc-provider signs alice in without a form), then the console
 * works with her token and says who is signed in.
 */
describe('console sign-in with an OpenID provider', () => {
  let server: RunningServer;
  let issuer: TestIssuer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!fs.existsSync(path.join(CONSOLE_DIR, 'index.html')))
      throw new Error(`the console is not built (${CONSOLE_DIR}): run \`npm run build\` first`);
    const port = await freePort();
    const publicUrl = `http://127.0.0.1:${port}`;
    issuer = await TestIssuer.start(`${publicUrl}/mcp`, `${publicUrl}/`);
    const config = testConfig({
      QUARRY_API_KEYS: `${ADMIN_KEY}:admin`,
      QUARRY_PUBLIC_URL: publicUrl,
      QUARRY_OAUTH_ISSUER: issuer.issuer,
      QUARRY_OAUTH_CONSOLE_CLIENT_ID: 'quarry-console',
    });
    server = await startServerWithoutModel({ ...config, port });
    const seeded = await call(
      server.url,
      'POST',
      '/v1/documents?wait=true',
      [{ id: 'console-oauth-doc', collection: 'eng', title: 'Disk full', body: 'Rotate the logs.' }],
      { authorization: `Bearer ${ADMIN_KEY}` },
    );
    expect(seeded.status).toBe(200);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    page = await browser.newPage();
    page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(`${page.url()}: ${message.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (server) await dropIndices(server.config.indexPrefix);
    await issuer?.close();
  }, 60_000);

  it('signs in through the provider, shows who is signed in, and reads with the token', async () => {
    await page.goto(`${server.url}/`);
    const signIn = page.getByRole('button', { name: `Sign in with ${new URL(issuer.issuer).host}` });
    await signIn.click();
    await page.getByText('Signed in as').waitFor();
    expect(await page.locator('.signed-in strong').textContent()).toBe('alice');
    // The code and state are gone from the address bar; the token is in memory, not in storage.
    expect(new URL(page.url()).search).toBe('');
    expect(await page.evaluate('JSON.stringify({ ...sessionStorage, ...localStorage })')).not.toMatch(/eyJ/);

    await page.evaluate("location.hash = '#/documents/console-oauth-doc'");
    await page.locator('[data-testid="document-access"]').waitFor();
    expect(await page.locator('article h1').textContent()).toBe('Disk full');
    expect(await page.locator('[data-testid="document-access"]').textContent()).toBe(
      'everyone who may read eng',
    );

    // A reload forgets the in-memory token: the console asks again, the provider's session signs
    // alice straight back in, and she is back on the page she was reading.
    await page.reload();
    await page.getByRole('button', { name: /^Sign in with/ }).click();
    await page.locator('[data-testid="document-access"]').waitFor();
    expect(await page.locator('.signed-in strong').textContent()).toBe('alice');
    // Script errors and CSP violations (the provider is reached under the page's policy); the 401s
    // of "who am I?" before signing in are how the console learns it must ask.
    expect(problems.filter((p) => !/status of 401 \(Unauthorized\)/.test(p))).toEqual([]);
  });
});
