// The stack behind `npm run dev`: which stand-ins start, what the environment overrides, and a
// clean stop on Ctrl-C.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MongoClient } from 'mongodb';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../service/src/log.ts';
import {
  DEV_CLIENT_ID,
  DEV_USER,
  describeDevStack,
  startDevStack,
  type DevStack,
} from '../stand-ins/dev.ts';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';
import { startOidcStandIn } from '../stand-ins/oidc/index.ts';
import { listenOnLoopback } from '../helpers/servers.ts';

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function dataFolder(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'dev-stack-'));
  cleanups.push(() => rm(folder, { recursive: true, force: true }));
  return folder;
}

async function start(env: Record<string, string>, folder?: string): Promise<DevStack> {
  const stack = await startDevStack({
    port: 0,
    env,
    dataFolder: folder ?? (await dataFolder()),
    logger: silentLogger,
  });
  cleanups.push(() => stack.close());
  return stack;
}

async function postMessage(stack: DevStack, token: string, text: string): Promise<Response> {
  return fetch(`${stack.url}/messages`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
}

describe('startDevStack', () => {
  it('starts both stand-ins by default', async () => {
    const stack = await start({});
    const html = await (await fetch(stack.docsUrl)).text();
    const openapi = (await (await fetch(`${stack.url}/openapi.json`)).json()) as {
      components: {
        securitySchemes: { okta: { flows: { authorizationCode: { authorizationUrl: string } } } };
      };
    };
    const token = await stack.oidc!.mintAccessToken({
      login: DEV_USER.login,
      clientId: DEV_CLIENT_ID,
      scopes: ['openid'],
    });
    const created = await postMessage(stack, token, 'first');

    expect(stack.sources).toEqual({ mongodb: 'stand-in', okta: 'stand-in' });
    expect(stack.url).toMatch(/^http:\/\/localhost:\d+$/);
    expect(stack.issuer).toBe(stack.oidc?.issuer);
    expect(stack.clientId).toBe(DEV_CLIENT_ID);
    expect(html).toContain(`"clientId":"${DEV_CLIENT_ID}"`);
    expect(openapi.components.securitySchemes.okta.flows.authorizationCode.authorizationUrl).toBe(
      `${stack.issuer}/v1/authorize`,
    );
    expect(created.status).toBe(201);
  });

  it('registers the docs redirect URI', async () => {
    const stack = await start({});
    const authorize = new URL(`${stack.issuer}/v1/authorize`);
    authorize.search = new URLSearchParams({
      client_id: DEV_CLIENT_ID,
      response_type: 'code',
      redirect_uri: `${stack.url}/docs/oauth2-redirect`,
      scope: 'openid',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    }).toString();
    const accepted = await fetch(authorize, { redirect: 'manual' });
    authorize.searchParams.set('redirect_uri', 'http://localhost:1/docs/oauth2-redirect');
    const rejected = await fetch(authorize, { redirect: 'manual' });

    expect(accepted.status).toBe(303);
    expect(accepted.headers.get('location')).toMatch(/^\/signin\//);
    expect(rejected.status).toBe(400);
  });

  it('keeps messages across restarts', async () => {
    const folder = await dataFolder();
    const first = await start({}, folder);
    const firstToken = await first.oidc!.mintAccessToken({
      login: DEV_USER.login,
      clientId: DEV_CLIENT_ID,
      scopes: [],
    });
    await postMessage(first, firstToken, 'kept');
    await first.close();

    const second = await start({}, folder);
    const token = await second.oidc!.mintAccessToken({
      login: DEV_USER.login,
      clientId: DEV_CLIENT_ID,
      scopes: [],
    });
    const list = (await (
      await fetch(`${second.url}/messages`, { headers: { authorization: `Bearer ${token}` } })
    ).json()) as {
      items: { text: string }[];
    };

    expect(list.items.map((item) => item.text)).toEqual(['kept']);
  });

  it('uses MONGODB_URI from the environment', async () => {
    const mongo = await startMongoStandIn();
    cleanups.push(() => mongo.close());
    const stack = await start({ MONGODB_URI: mongo.uri });
    const token = await stack.oidc!.mintAccessToken({
      login: DEV_USER.login,
      clientId: DEV_CLIENT_ID,
      scopes: [],
    });
    const created = await postMessage(stack, token, 'stored elsewhere');
    const client = new MongoClient(mongo.uri);
    cleanups.push(() => client.close());
    const stored = await client.db('default').collection('message').find().toArray();

    expect(stack.sources.mongodb).toBe('environment');
    expect(created.status).toBe(201);
    expect(stored.map((document) => document.text as unknown)).toEqual(['stored elsewhere']);
  });

  it('uses Okta settings from the environment', async () => {
    const okta = await startOidcStandIn({
      users: [{ login: 'grace@example.com', password: 'hopper' }],
      findClient: () => Promise.resolve(undefined),
      audience: 'api://messages',
    });
    cleanups.push(() => okta.close());
    const stack = await start({
      OKTA_ISSUER: okta.issuer,
      OKTA_AUDIENCE: 'api://messages',
      OKTA_CLIENT_ID: '0oaenvironment000000',
    });
    const html = await (await fetch(stack.docsUrl)).text();
    const token = await okta.mintAccessToken({
      login: 'grace@example.com',
      clientId: '0oaenvironment000000',
      scopes: [],
    });
    const created = await postMessage(stack, token, 'from Okta');

    expect(stack.sources.okta).toBe('environment');
    expect(stack.oidc).toBeUndefined();
    expect(stack.issuer).toBe(okta.issuer);
    expect(html).toContain('"clientId":"0oaenvironment000000"');
    expect(created.status).toBe(201);
  });

  it('takes OKTA_CLIENT_ID for the local provider', async () => {
    const stack = await start({ OKTA_CLIENT_ID: '0oamyown000000000000' });

    expect(stack.sources.okta).toBe('stand-in');
    expect(stack.clientId).toBe('0oamyown000000000000');
  });

  it('stops what started when the port is taken', async () => {
    const blocker = await listenOnLoopback(createServer());
    cleanups.push(() => blocker.close());

    const error = await startDevStack({
      port: blocker.port,
      env: {},
      dataFolder: await dataFolder(),
      logger: silentLogger,
    }).catch((caught: NodeJS.ErrnoException) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as NodeJS.ErrnoException).code).toBe('EADDRINUSE');
  });
});

describe('describeDevStack', () => {
  it('prints where to click and the user', async () => {
    const stack = await start({});
    const text = describeDevStack(stack, {}).join('\n');

    expect(text).toContain(`Docs:     ${stack.docsUrl}`);
    expect(text).toContain(`User:     ${DEV_USER.login}`);
    expect(text).toContain(`Password: ${DEV_USER.password}`);
    expect(text).toContain('(local OpenID Provider)');
    expect(text).toContain('Press Ctrl-C to stop.');
  });

  it('hides credentials in MONGODB_URI', async () => {
    const mongo = await startMongoStandIn();
    cleanups.push(() => mongo.close());
    const uri = mongo.uri.replace('mongodb://', 'mongodb://user:s3cr3t-pass@');
    const stack = {
      url: 'http://localhost:1',
      docsUrl: 'http://localhost:1/docs',
      issuer: 'https://x.okta.com/oauth2/default',
      clientId: 'c',
      sources: { mongodb: 'environment', okta: 'environment' },
      oidc: undefined,
      close: () => Promise.resolve(),
    } as const;

    const text = describeDevStack(stack, { MONGODB_URI: uri }).join('\n');

    expect(text).not.toContain('s3cr3t-pass');
    expect(text).toContain('MongoDB:');
    expect(text).not.toContain('Password:');
  });
});

describe('npm run dev', () => {
  it('stops cleanly on SIGINT', async () => {
    const folder = await dataFolder();
    const child = spawn(
      process.execPath,
      [join(repositoryRoot, 'node_modules/tsx/dist/cli.mjs'), 'test/stand-ins/dev.ts'],
      {
        cwd: repositoryRoot,
        env: { PATH: process.env.PATH, PORT: '0', DEV_DATA_FOLDER: folder, LOG_LEVEL: 'warn' },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL');
      return Promise.resolve();
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    const exited = new Promise<number | null>((resolve) =>
      child.on('exit', (code) => resolve(code)),
    );

    await expect
      .poll(() => output, { timeout: 30_000, interval: 100 })
      .toContain('Press Ctrl-C to stop.');
    const docsUrl = /Docs: +(\S+)/.exec(output)?.[1] ?? '';
    const docs = await fetch(docsUrl);
    child.kill('SIGINT');
    const code = await exited;

    expect(docs.status).toBe(200);
    expect(output).toContain(`User:     ${DEV_USER.login}`);
    expect(output).toContain('SIGINT: stopping the service and the stand-ins');
    expect(output).toContain('stopped');
    expect(code).toBe(0);
    await expect(fetch(docsUrl)).rejects.toThrow();
  }, 60_000);
});
