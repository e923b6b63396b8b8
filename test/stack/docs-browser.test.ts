// The docs page of the deployed artifact in Chromium, through the local function URL of the whole
// stack that `npm start` runs. Sign-in works only because the reconciler registered the Okta app
// with this client id and redirect URI: the local OpenID Provider reads them from the Okta stand-in.
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt } from 'jose';
import type { BrowserContext, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../stand-ins/local-stack/index.ts';
import { startLocalStack } from '../stand-ins/local-stack/index.ts';
import { deployedSettings } from '../stand-ins/local-stack/summary.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const results = join(root, 'test-results');
// CHROMIUM_PATH lets a GitHub runner use its preinstalled Chrome; CI here installs Debian's chromium.
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
// CI installs Chromium, so there a missing browser fails the test instead of skipping it.
const runnable = existsSync(chromiumPath) || process.env.CI === 'true';
if (!runnable) {
  console.warn(
    `SKIPPED docs browser test: ${chromiumPath} is absent. Install the Debian chromium package to run it.`,
  );
}

// The browser opens http://localhost:8000, the origin config/dev.yaml registers, while the
// function URL listens on a free port: Chromium's resolver maps the one to the other.
const publicPort = 8000;
const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

describe.skipIf(!runnable)('docs page on the local stack', () => {
  let workspace: string;
  let stack: LocalStack | undefined;
  let context: BrowserContext | undefined;

  beforeAll(async () => {
    workspace = await mkdtemp(join(tmpdir(), 'local-stack-browser-'));
    stack = await startLocalStack({
      root,
      stateFolder: join(workspace, 'state'),
      port: 0,
      publicPort,
      artifactRoot: workspace,
      write: () => {},
    });
    context = await chromium.launchPersistentContext(join(workspace, 'chromium-profile'), {
      executablePath: chromiumPath,
      headless: true,
      args: [
        ...chromiumArgs,
        `--host-resolver-rules=MAP localhost:${publicPort} 127.0.0.1:${stack.functionUrl.port}`,
      ],
    });
  }, 240_000);

  afterAll(async () => {
    await context?.close();
    await stack?.close();
    await rm(workspace, { recursive: true, force: true });
  });

  async function signIn(page: Page, user: { login: string; password: string }): Promise<void> {
    await page.getByRole('button', { name: 'Authorize' }).first().click();
    const popupOpened = page.waitForEvent('popup');
    await page.getByRole('button', { name: 'Apply given OAuth2 credentials' }).click();
    const popup = await popupOpened;
    await popup.getByLabel('Username').fill(user.login);
    await popup.getByLabel('Password').fill(user.password);
    await popup.getByRole('button', { name: 'Sign In' }).click();
    await popup.getByRole('button', { name: 'Allow Access' }).click();
    // The redirect page hands the code to the docs page and closes itself.
    await popup.waitForEvent('close');
    await page.getByRole('button', { name: 'Remove authorization' }).waitFor();
  }

  async function tryItOut(page: Page, operationId: string, body?: string): Promise<string> {
    const operation = page.locator(`#operations-default-${operationId}`);
    await operation.locator('.opblock-summary').click();
    await operation.getByRole('button', { name: 'Try it out' }).click();
    if (body !== undefined) {
      await operation.locator('textarea.body-param__text').fill(body);
    }
    await operation.getByRole('button', { name: 'Execute' }).click();
    const response = operation.locator('.live-responses-table .response');
    await response.first().waitFor();
    return response.first().innerText();
  }

  it('signs in and posts a message', async () => {
    const current = stack!;
    const deployed = deployedSettings(current)!;
    const page = await context!.newPage();
    const origins = new Set<string>();
    const authorizations: string[] = [];
    page.on('request', (request) => {
      origins.add(new URL(request.url()).origin);
      const authorization = request.headers().authorization;
      if (authorization !== undefined) {
        authorizations.push(authorization);
      }
    });

    await page.goto(`${current.publicUrl}/docs`);
    await expect
      .poll(() => page.locator('.information-container .title').textContent())
      .toContain('Message service');
    await signIn(page, current.overlay.testUser);
    const dialog = await page.locator('.auth-container').innerText();
    await mkdir(results, { recursive: true });
    const signedIn = join(results, 'docs-signed-in.png');
    await page.screenshot({ path: signedIn });
    await page.getByRole('button', { name: 'Close' }).click();

    const text = 'Hello from the docs page on the local stack';
    const created = await tryItOut(page, 'createMessage', JSON.stringify({ text }));
    const listed = await tryItOut(page, 'listMessages');
    await page
      .locator('#operations-default-listMessages')
      .screenshot({ path: join(results, 'docs-local-stack-list.png') });

    expect(dialog).toContain('Authorized');
    expect(created).toMatch(/^201\b/);
    expect(created).toContain(`"text": "${text}"`);
    expect(created).toContain(`"author": "${current.overlay.testUser.login}"`);
    expect(listed).toMatch(/^200\b/);
    expect(listed).toContain(`"text": "${text}"`);
    expect([...origins].sort()).toEqual(
      [current.publicUrl, new URL(current.standIns.oidc.issuer).origin].sort(),
    );
    const claims = decodeJwt(authorizations[0]?.replace(/^Bearer /, '') ?? '');
    expect(claims).toMatchObject({
      iss: deployed.issuer,
      cid: deployed.clientId,
      sub: current.overlay.testUser.login,
    });
    expect((await stat(signedIn)).size).toBeGreaterThan(1000);
    expect(current.functionUrl.deployment()?.version).toBe('2');
  }, 120_000);
});
