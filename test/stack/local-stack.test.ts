// `npm start` in this process: the stand-ins, the service artifact, the gitops CLI reconciling
// config/dev.yaml, and the deployed artifact running behind the local function URL. One stack is
// shared by the file; the last test stops it and starts `npm start -- --smoke` on its saved state.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithoutBrowser } from '../stand-ins/oidc/sign-in.ts';
import type { LocalStack } from '../stand-ins/local-stack/index.ts';
import { startLocalStack } from '../stand-ins/local-stack/index.ts';
import { main } from '../stand-ins/local-stack/main.ts';
import { runSmoke } from '../stand-ins/local-stack/smoke.ts';
import { deployedSettings, describeStack } from '../stand-ins/local-stack/summary.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
// config/dev.yaml registers this redirect URI; the tests listen on a free port and call the
// function URL as http://localhost:8000 only in the redirect URI, which is never fetched.
const publicPort = 8000;

let workspace: string;
let stateFolder: string;
let stack: LocalStack | undefined;
let output = '';

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'local-stack-'));
  stateFolder = join(workspace, 'state');
  stack = await startLocalStack({
    root,
    stateFolder,
    port: 0,
    publicPort,
    artifactRoot: workspace,
    write: (text) => {
      output += text;
    },
  });
}, 240_000);

afterAll(async () => {
  await stack?.close();
  await rm(workspace, { recursive: true, force: true });
});

function started(): LocalStack {
  if (stack === undefined) {
    throw new Error('the local stack did not start; see beforeAll');
  }
  return stack;
}

describe('local stack', () => {
  it('reconciles and converges', () => {
    const { pipeline } = started();

    expect(pipeline.steps.map((step) => [step.command, step.exitCode])).toEqual([
      ['validate', 0],
      ['apply', 0],
      ['outputs', 0],
      ['plan', 0],
    ]);
    expect(pipeline.ok).toBe(true);
    expect(pipeline.steps[1]?.output).toContain('Plan for dev: 15 to create');
    expect(pipeline.steps[1]?.output).toContain('Apply succeeded for dev: 15 applied');
    expect(pipeline.steps[3]?.output).toContain('No changes for dev: 15 unchanged.');
  });

  it('creates the AWS resources', () => {
    const state = started().standIns.aws.state();

    expect(Object.keys(state.iam.roles).sort()).toEqual([
      'example-backend-dev',
      'example-backend-dev-github-deploy',
      'example-backend-dev-github-plan',
      'example-backend-dev-github-preview',
    ]);
    expect(Object.keys(state.lambda.functions)).toEqual(['example-backend-dev']);
    expect(Object.keys(state.budgets.budgets)).toHaveLength(1);
  });

  it('creates the Atlas resources', () => {
    const { state } = started().standIns.atlas;

    expect(state.projects.map((project) => project.name)).toEqual(['dev']);
    expect(state.clusters.map((cluster) => [cluster.name, cluster.stateName])).toEqual([
      ['default-free-dev', 'IDLE'],
    ]);
    expect(state.databaseUsers.map((user) => [user.username, user.awsIAMType]).sort()).toEqual([
      ['arn:aws:iam::123456789012:role/example-backend-dev', 'ROLE'],
      ['arn:aws:iam::123456789012:user/developer', 'USER'],
    ]);
  });

  it('creates the Okta app', () => {
    const { okta } = started().standIns;
    const apps = okta.apps();
    const clientId = deployedSettings(started())?.clientId ?? '';
    const app = okta.findAppByClientId(clientId);

    expect(apps.map((candidate) => candidate.label)).toEqual(['Hello World (SPA)']);
    expect(app?.redirectUris[0]).toBe('http://localhost:8000/docs/oauth2-redirect');
    expect(app?.redirectUris[1]).toMatch(
      /^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/docs\/oauth2-redirect$/,
    );
    // The Okta provider writes its ownership marker into the trusted origin's name.
    expect(okta.trustedOrigins().map((origin) => origin.name)).toEqual([
      'example-backend-dev docs [gitops:dev:docs]',
    ]);
  });

  it('gives the function the local issuer', () => {
    const deployed = deployedSettings(started());

    expect(deployed?.issuer).toBe(started().standIns.oidc.issuer);
    expect(deployed?.audience).toBe('api://default');
    expect(deployed?.clientId).toMatch(/^0oa/);
    expect(deployed?.mongodbHost).toMatch(/^default-free-dev\.[a-z0-9]+\.mongodb\.net$/);
  });

  it('serves CRUD through the artifact', async () => {
    const current = started();
    const deployed = deployedSettings(current)!;
    const checks = await runSmoke({
      baseUrl: `http://127.0.0.1:${current.functionUrl.port}`,
      publicUrl: current.publicUrl,
      issuer: deployed.issuer!,
      clientId: deployed.clientId!,
      user: current.overlay.testUser,
    });
    const functionLog = await readFile(current.functionLogPath, 'utf8');

    expect(checks.map((check) => [check.name, check.ok])).toEqual([
      ['sign in', true],
      ['create', true],
      ['list', true],
      ['read', true],
      ['update', true],
      ['delete', true],
      ['read after delete', true],
    ]);
    expect(current.functionUrl.deployment()?.codeSha256).toBeDefined();
    // The service logs one JSON line per request, with the Lambda request id.
    expect(functionLog).toContain('"method":"PATCH"');
  });

  it('rejects an unregistered redirect URI', async () => {
    const current = started();
    const deployed = deployedSettings(current)!;
    const signIn = signInWithoutBrowser({
      issuer: deployed.issuer!,
      clientId: deployed.clientId!,
      redirectUri: 'http://localhost:8001/docs/oauth2-redirect',
      ...current.overlay.testUser,
      scopes: ['openid'],
    });

    await expect(signIn).rejects.toThrow(/400/);
  });

  it('rejects an unknown client id', async () => {
    const current = started();
    const signIn = signInWithoutBrowser({
      issuer: current.standIns.oidc.issuer,
      clientId: '0oaNotRegistered0000',
      redirectUri: 'http://localhost:8000/docs/oauth2-redirect',
      ...current.overlay.testUser,
      scopes: ['openid'],
    });

    await expect(signIn).rejects.toThrow(/400/);
  });

  it('describes where to click', () => {
    const text = describeStack(started(), root).join('\n');

    expect(text).toContain('Docs:       http://localhost:8000/docs');
    expect(text).toContain('User:       ada@example.com');
    expect(text).toContain('Password:   local-dev-password');
    expect(text).toContain(`Issuer:     ${started().standIns.oidc.issuer} (the local OpenID`);
    expect(text).toContain(`MongoDB:    ${started().standIns.mongo.uri}`);
    expect(text).not.toContain('Note:');
  });

  it('keeps credentials out of the output', () => {
    expect(output).not.toContain(started().overlay.credentials.MONGODB_ATLAS_CLIENT_SECRET);
    expect(output).not.toContain(started().overlay.credentials.OKTA_API_TOKEN);
    expect(output).not.toContain(started().overlay.credentials.AWS_SECRET_ACCESS_KEY);
  });

  it('restarts with a no-op plan', async () => {
    await started().close();
    stack = undefined;
    let restartOutput = '';
    const exitCode = await main({
      argv: ['--smoke', '--port', '0'],
      root,
      write: (text) => {
        restartOutput += text;
      },
      stack: { stateFolder, publicPort, artifactRoot: workspace, build: false },
      stopRequested: new Promise(() => {}),
    });

    expect(exitCode).toBe(0);
    expect(restartOutput).toContain(
      '== Plan and apply (gitops apply --env dev --target local)\nNo changes for dev: 15 unchanged.',
    );
    expect(restartOutput).toContain('Smoke run passed: 7 checks.');
    expect(restartOutput).toContain('Stopped.');
  }, 120_000);

  it('starts fresh and stops on request', async () => {
    let freshOutput = '';
    let requestStop: () => void = () => {};
    const stopRequested = new Promise<void>((resolve) => {
      requestStop = resolve;
    });
    const exitCode = await main({
      argv: ['--fresh', '--port', '0'],
      root,
      write: (text) => {
        freshOutput += text;
        // Ctrl-C as soon as the stack says where to click.
        if (freshOutput.includes('Press Ctrl-C to stop.')) {
          requestStop();
        }
      },
      stack: { stateFolder, publicPort, artifactRoot: workspace, build: false },
      stopRequested,
    });
    const loaded = freshOutput.indexOf('function URL: function example-backend-dev:2 loaded');

    expect(exitCode).toBe(0);
    expect(freshOutput).toContain('Deleted ');
    expect(freshOutput).toContain('Plan for dev: 15 to create');
    expect(loaded).toBeGreaterThan(-1);
    expect(loaded).toBeLessThan(freshOutput.indexOf('Ready in'));
    expect(freshOutput).toContain('Docs:       http://localhost:8000/docs');
    expect(freshOutput).toMatch(/Stopping the function URL and the stand-ins\.\nStopped\.\n$/);
  }, 120_000);
});

describe('local stack with a broken config', () => {
  it('stops at validate', async () => {
    const configDir = join(workspace, 'broken-config');
    await mkdir(configDir, { recursive: true });
    const seed = await readFile(join(root, 'config/dev.yaml'), 'utf8');
    await writeFile(join(configDir, 'dev.yaml'), seed.replace('memorySize: 512', 'memorySize: 5'));
    let brokenOutput = '';
    const broken = await startLocalStack({
      root,
      configDir,
      stateFolder: join(workspace, 'broken-state'),
      port: 0,
      artifactRoot: workspace,
      build: false,
      write: (text) => {
        brokenOutput += text;
      },
    });
    await broken.close();

    expect(broken.pipeline.ok).toBe(false);
    expect(broken.pipeline.steps.map((step) => [step.command, step.exitCode])).toEqual([
      ['validate', 1],
    ]);
    expect(brokenOutput).toMatch(/dev\.yaml:\d+:\d+ .*aws\.functions\.api\.memorySize/);
    expect(broken.standIns.aws.requests.writes()).toEqual([]);
  }, 60_000);
});
