// Drives the docs page in Chromium against the whole local stack that `npm run dev` starts: the
// service, the MongoDB stand-in and the local OpenID Provider.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../service/src/log.ts';
import { DEV_CLIENT_ID, DEV_USER, startDevStack, type DevStack } from '../stand-ins/dev.ts';

// CHROMIUM_PATH lets a GitHub runner use its preinstalled Chrome; CI here installs Debian's chromium.
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
// CI installs Chromium, so there a missing browser fails the test instead of skipping it.
const runnable = existsSync(CHROMIUM) || process.env.CI !== undefined;

if (!runnable) {
  console.warn(
    `SKIPPED browser tests: ${CHROMIUM} is absent. Install the Debian chromium package to run them.`,
  );
}

// Records Content-Security-Policy violations before any page script runs.
const RECORD_CSP_VIOLATIONS = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.cspViolations.push(event.violatedDirective + ' ' + event.blockedURI);
  });
`;

describe.skipIf(!runnable)('docs in Chromium', () => {
  let stack: DevStack;
  let context: BrowserContext;
  let userDataDir: string;
  let dataFolder: string;

  beforeAll(async () => {
    dataFolder = await mkdtemp(join(tmpdir(), 'dev-stack-'));
    stack = await startDevStack({ port: 0, env: {}, dataFolder, logger: silentLogger });
    userDataDir = await mkdtemp(join(tmpdir(), 'chromium-profile-'));
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
    });
    // Two workers share the machine with other suites; Playwright's 30 s default is tight there.
    context.setDefaultTimeout(60_000);
    await context.addInitScript({ content: RECORD_CSP_VIOLATIONS });
  });

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    await rm(userDataDir, { recursive: true, force: true });
    await rm(dataFolder, { recursive: true, force: true });
  });

  /** Opens the Authorize dialog of the docs page. */
  async function openAuthorizeDialog(page: Page): Promise<void> {
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    await page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).waitFor();
  }

  /** Starts sign-in from the open dialog and returns the provider's popup. */
  async function openSignInPopup(page: Page): Promise<Page> {
    const popupOpened = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    return popupOpened;
  }

  /** Signs in and allows access in the popup, then waits until the docs page has a token. */
  async function signIn(page: Page): Promise<void> {
    const popup = await openSignInPopup(page);
    await popup.getByLabel('Username').fill(DEV_USER.login);
    await popup.getByLabel('Password').fill(DEV_USER.password);
    await popup.getByRole('button', { name: 'Sign In' }).click();
    await popup.getByRole('button', { name: 'Allow Access' }).click();
    // The redirect page hands the code to the docs page and closes itself. The docs page then
    // exchanges the code for a token and shows a Logout button.
    await popup.waitForEvent('close');
    await page.getByRole('button', { name: 'Remove authorization' }).waitFor();
  }

  async function tryItOut(page: Page, operationId: string, body?: string): Promise<string> {
    const operation = page.locator(`#operations-default-${operationId}`);
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    if (body !== undefined) await operation.locator('textarea.body-param__text').fill(body);
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = operation.locator('.live-responses-table .response');
    await response.first().waitFor();
    return response.first().innerText();
  }

  it('signs in and posts a message', async () => {
    const page = await context.newPage();
    const requestedOrigins = new Set<string>();
    const apiAuthorizations: string[] = [];
    page.on('request', (request) => {
      requestedOrigins.add(new URL(request.url()).origin);
      const authorization = request.headers().authorization;
      if (authorization !== undefined) apiAuthorizations.push(authorization);
    });

    await page.goto(stack.docsUrl);
    const title = await page.locator('.information-container .title').textContent();
    await openAuthorizeDialog(page);
    const secretFields = page.locator('input[id^="client_secret_"]');
    const secretFieldCount = await secretFields.count();
    const secretFieldVisible = await secretFields.first().isVisible();
    await signIn(page);
    const dialog = await page.locator('.auth-container').innerText();
    await mkdir(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'docs-authorized.png') });
    await page.getByRole('button', { name: 'Close' }).click();

    const created = await tryItOut(page, 'createMessage', '{"text":"Hello from the docs page"}');
    const listed = await tryItOut(page, 'listMessages');
    const screenshot = join(RESULTS, 'docs-try-it-out.png');
    await page.locator('#operations-default-listMessages').screenshot({ path: screenshot });
    const violations = await page.evaluate<string[]>('window.cspViolations');

    expect(title).toContain('Message service');
    // Swagger UI renders a client_secret field for every authorization code flow; docs.css hides it.
    expect(secretFieldCount).toBe(1);
    expect(secretFieldVisible).toBe(false);
    expect(dialog).toContain('Authorized');
    expect(dialog).toContain('authorizationCode with PKCE');
    expect(created).toMatch(/^201\b/);
    expect(created).toContain('"text": "Hello from the docs page"');
    expect(created).toContain(`"author": "${DEV_USER.login}"`);
    expect(listed).toMatch(/^200\b/);
    expect(listed).toContain('"text": "Hello from the docs page"');
    expect(violations).toEqual([]);
    expect([...requestedOrigins].sort()).toEqual(
      [new URL(stack.url).origin, new URL(stack.issuer).origin].sort(),
    );
    expect(apiAuthorizations.length).toBeGreaterThanOrEqual(2);
    const claims = decodeJwt(apiAuthorizations[0]?.replace(/^Bearer /, '') ?? '');
    expect(claims).toMatchObject({ iss: stack.issuer, cid: DEV_CLIENT_ID, sub: DEV_USER.login });
    expect((await stat(screenshot)).size).toBeGreaterThan(1000);
  }, 120_000);

  it('shows a wrong password in the popup', async () => {
    // Without the provider's session cookie from the test above, the popup shows the sign-in form.
    await context.clearCookies();
    const page = await context.newPage();
    await page.goto(stack.docsUrl);
    await openAuthorizeDialog(page);
    const popup = await openSignInPopup(page);
    await popup.getByLabel('Username').fill(DEV_USER.login);
    await popup.getByLabel('Password').fill('not the password');
    await popup.getByRole('button', { name: 'Sign In' }).click();
    const alert = await popup.getByRole('alert').innerText();
    await popup.close();

    expect(alert).toBe('Unable to sign in: unknown username or wrong password.');
  }, 60_000);
});
