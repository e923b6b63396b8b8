// The built artifact, as Lambda runs it: lambda.zip unpacked into an empty folder with no
// node_modules anywhere above it, imported by a fresh Node process, invoked with function URL
// events against loopback stand-ins.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { brotliDecompressSync } from 'node:zlib';
import { unzipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BuildResult } from '../../../service/build.ts';
import { buildService, zipFolder } from '../../../service/build.ts';
import type { LambdaResult } from '../../../service/src/lambda-adapter.ts';
import {
  healthSchema,
  messageListSchema,
  messageSchema,
  problemSchema,
} from '../../../service/src/schemas.ts';
import { startMongoStandIn } from '../../stand-ins/mongo/index.ts';
import type { MongoStandIn } from '../../stand-ins/mongo/index.ts';
import type { TestIdentityProvider } from '../helpers/identity-provider.ts';
import { startIdentityProvider, testAudience } from '../helpers/identity-provider.ts';
import { functionUrlEvent, type HttpRequest } from '../helpers/lambda-events.ts';
import { closedPortUri } from '../helpers/service.ts';

let workspace: string;
let unpacked: string;
let built: BuildResult;
let mongo: MongoStandIn;
let idp: TestIdentityProvider;

beforeAll(async () => {
  workspace = await mkdtemp(join(tmpdir(), 'service-artifact-'));
  // Brotli at quality 11 over Swagger UI's bundle takes a few seconds of CPU.
  built = await buildService({ outDir: join(workspace, 'build') });
  unpacked = join(workspace, 'task');
  for (const [path, bytes] of Object.entries(unzipSync(await readFile(built.zip)))) {
    await mkdir(dirname(join(unpacked, path)), { recursive: true });
    await writeFile(join(unpacked, path), bytes);
  }
  [mongo, idp] = await Promise.all([
    startMongoStandIn(),
    startIdentityProvider({ now: () => new Date() }),
  ]);
}, 120_000);

afterAll(async () => {
  await mongo?.close();
  await rm(workspace, { recursive: true, force: true });
});

interface Invocation {
  results: LambdaResult[];
  logs: Record<string, unknown>[];
}

// Imports the artifact like the Lambda runtime (handler `index.handler`) and invokes it once per
// event, in order. Results go to a file because the service logs to stdout.
const runner = `
const { readFileSync, writeFileSync } = await import('node:fs');
const { handler } = await import('./index.mjs');
const events = JSON.parse(readFileSync('events.json', 'utf8'));
const results = [];
for (const [index, event] of events.entries()) {
  results.push(await handler(event, { awsRequestId: 'aws-' + index, getRemainingTimeInMillis: () => 10000 }));
}
writeFileSync('results.json', JSON.stringify(results));
process.exit(0);
`;

async function invoke(env: Record<string, string>, requests: HttpRequest[]): Promise<Invocation> {
  const events = requests.map((request, index) => functionUrlEvent(request, `url-${index}`));
  await writeFile(join(unpacked, 'events.json'), JSON.stringify(events));
  const stdout = await new Promise<string>((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '--eval', runner],
      // Only what Lambda would set: no NODE_PATH, no inherited settings.
      { cwd: unpacked, env: { PATH: process.env.PATH ?? '', TZ: 'UTC', ...env }, timeout: 30_000 },
      (error, output, stderr) =>
        error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(output),
    );
  });
  const results = JSON.parse(
    await readFile(join(unpacked, 'results.json'), 'utf8'),
  ) as LambdaResult[];
  const logs = stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { results, logs };
}

function serviceEnv(): Record<string, string> {
  return {
    OKTA_ISSUER: idp.issuer,
    OKTA_AUDIENCE: testAudience,
    OKTA_CLIENT_ID: '0oa1docsclient',
    MONGODB_URI: mongo.uri,
    MONGODB_DATABASE: 'artifact',
  };
}

function json(result: LambdaResult): unknown {
  return JSON.parse(
    Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8').toString(),
  );
}

describe('lambda artifact', () => {
  it('contains the bundle and docs assets', () => {
    expect(built.files.map((file) => file.path)).toEqual([
      'docs-assets/docs.css.br',
      'docs-assets/docs.js.br',
      'docs-assets/favicon-16x16.png',
      'docs-assets/favicon-32x32.png',
      'docs-assets/oauth2-redirect.js.br',
      'docs-assets/swagger-ui-bundle.js.br',
      'docs-assets/swagger-ui.css.br',
      'index.mjs',
    ]);
    expect(built.version).toMatch(/^0\.1\.0\+[0-9a-f]{12}$/);
  });

  it('runs without node_modules', () => {
    let folder = unpacked;
    while (dirname(folder) !== folder) {
      expect(existsSync(join(folder, 'node_modules')), folder).toBe(false);
      folder = dirname(folder);
    }
  });

  it('zips with a fixed timestamp', async () => {
    const zip = await readFile(built.zip);
    const stamps = new Set<string>();
    // Local file headers (signature PK\x03\x04) carry the DOS time at offset 10, date at 12.
    for (
      let offset = zip.indexOf('PK\x03\x04');
      offset !== -1;
      offset = zip.indexOf('PK\x03\x04', offset + 4)
    ) {
      stamps.add(`${zip.readUInt16LE(offset + 12)}:${zip.readUInt16LE(offset + 10)}`);
    }

    // 1980-01-01 00:00:00: year 0, month 1, day 1 is date 0x21; time 0.
    expect([...stamps]).toEqual(['33:0']);
  });

  it('zips the same files to the same bytes', async () => {
    const again = join(workspace, 'again.zip');

    await zipFolder(dirname(built.bundle), again);

    expect(await readFile(again)).toEqual(await readFile(built.zip));
  });

  it('serves the API from a function URL', async () => {
    const token = await idp.sign();
    const authorization = `Bearer ${token}`;

    const { results } = await invoke(serviceEnv(), [
      { method: 'GET', url: '/health' },
      {
        method: 'POST',
        url: '/messages',
        headers: { authorization, 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'from the artifact' }),
        base64: true,
      },
      { method: 'GET', url: '/messages?limit=5', headers: { authorization } },
      { method: 'GET', url: '/messages' },
    ]);

    const [health, create, list, anonymous] = results as [
      LambdaResult,
      LambdaResult,
      LambdaResult,
      LambdaResult,
    ];
    expect(healthSchema.parse(json(health))).toEqual({
      status: 'ok',
      version: built.version,
      database: 'ok',
    });
    expect(health.headers?.['x-request-id']).toBe('aws-0');
    expect(create.statusCode).toBe(201);
    const message = messageSchema.parse(json(create));
    expect(message.author).toBe('ada@example.com');
    expect(messageListSchema.parse(json(list)).items.map((item) => item.id)).toContain(message.id);
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.['www-authenticate']).toBe('Bearer');
  });

  it('serves the docs and their assets', async () => {
    const { results } = await invoke(serviceEnv(), [
      { method: 'GET', url: '/docs' },
      { method: 'GET', url: '/docs/swagger-ui-bundle.js', headers: { 'accept-encoding': 'br' } },
      { method: 'GET', url: '/docs/favicon-32x32.png' },
    ]);

    const [page, bundle, icon] = results as [LambdaResult, LambdaResult, LambdaResult];
    expect(page.statusCode).toBe(200);
    expect(page.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(Buffer.from(page.body, page.isBase64Encoded ? 'base64' : 'utf8').toString()).toContain(
      '0oa1docsclient',
    );
    expect(bundle.statusCode).toBe(200);
    expect(bundle.headers?.['content-encoding']).toBe('br');
    expect(bundle.isBase64Encoded).toBe(true);
    expect(brotliDecompressSync(Buffer.from(bundle.body, 'base64')).toString()).toContain(
      'SwaggerUI',
    );
    expect(icon.isBase64Encoded).toBe(true);
    expect(Buffer.from(icon.body, 'base64').subarray(1, 4).toString()).toBe('PNG');
  });

  it('primes the signing keys during init', async () => {
    const before = idp.jwksRequests;

    // /health needs no token, so only the init phase can have fetched the keys.
    const { results, logs } = await invoke(serviceEnv(), [{ method: 'GET', url: '/health' }]);

    expect(results[0]?.statusCode).toBe(200);
    expect(idp.jwksRequests).toBe(before + 1);
    expect(logs.find((record) => record.message === 'database connected')).toBeDefined();
  });

  it('starts with the database down', async () => {
    const { results, logs } = await invoke(
      {
        ...serviceEnv(),
        MONGODB_URI: await closedPortUri(),
        MONGODB_SERVER_SELECTION_TIMEOUT_MS: '300',
      },
      [{ method: 'GET', url: '/health' }],
    );

    expect(results[0]?.statusCode).toBe(200);
    expect(healthSchema.parse(json(results[0]!)).database).toBe('unavailable');
    expect(logs.some((record) => record.message === 'database connect failed')).toBe(true);
  });

  it('warns when timeouts outlast the function', async () => {
    // 3 s of server selection plus a 9 s socket timeout exceed the 10 s the context reports.
    const { results, logs } = await invoke({ ...serviceEnv(), MONGODB_SOCKET_TIMEOUT_MS: '9000' }, [
      { method: 'GET', url: '/health' },
      { method: 'GET', url: '/health' },
    ]);

    expect(results.map((result) => result.statusCode)).toEqual([200, 200]);
    const warnings = logs.filter(
      (record) => record.message === 'database timeouts exceed the function timeout',
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ worstCaseMs: 12_000, remainingMs: 10_000 });
  });

  it('answers 500 with invalid settings', async () => {
    const { results, logs } = await invoke({ MONGODB_URI: mongo.uri }, [
      { method: 'GET', url: '/health' },
    ]);

    expect(results[0]?.statusCode).toBe(500);
    const problem = problemSchema.parse(json(results[0]!));
    expect(problem.code).toBe('configuration-invalid');
    expect(problem.requestId).toBe('aws-0');
    expect(logs[0]).toMatchObject({
      level: 'error',
      message: 'service configuration invalid',
      issues: [{ variable: 'OKTA_ISSUER' }],
    });
  });

  it('loads the AWS credential provider', async () => {
    // MONGODB-AWS reads the role credentials from the environment, as on Lambda. The stand-in
    // has no AWS authentication, so the connect fails after the credentials were read.
    const uri = `${mongo.uri}&authSource=%24external&authMechanism=MONGODB-AWS`;
    const { logs } = await invoke(
      {
        ...serviceEnv(),
        MONGODB_URI: uri,
        AWS_ACCESS_KEY_ID: 'ASIAIOSFODNN7EXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
        AWS_SESSION_TOKEN: 'session-token-example',
        AWS_REGION: 'us-east-1',
      },
      [{ method: 'GET', url: '/health' }],
    );

    const failure = logs.find((record) => record.message === 'database connect failed');
    expect(failure).toBeDefined();
    const text = JSON.stringify(failure);
    expect(text).not.toContain('MongoMissingDependencyError');
    expect(text).not.toContain('credential-providers');
    expect(text).not.toContain('wJalrXUtnFEMI');
  });
});
