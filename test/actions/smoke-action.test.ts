// The apply action's smoke test end to end. The AWS stand-in reports the function URL of alias
// `live` as a local function URL on 127.0.0.1. That server runs the code the stand-in holds for the
// alias in a child process, so the action's GET /health reaches the version it just deployed.
// Each test deploys a tiny handler zip, and the smoke test waits on a manual clock.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetAliasCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { afterAll, afterEach, describe, expect, it, onTestFinished, vi } from 'vitest';
import { run } from '../../actions/apply/run.ts';
import { buildService } from '../../service/build.ts';
import { captureStdout, frozenNow } from '../github/helpers.ts';
import type { LocalFunctionUrl } from '../stand-ins/lambda-runtime/index.ts';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';
import { startFunctionUrl } from '../stand-ins/lambda-runtime/index.ts';
import { deployPolicy, readOutput, removeRunnerFiles, startWorld, stubRunner } from './world.ts';
import type { World } from './world.ts';

const functionName = 'example-backend-dev';

const healthyBody = JSON.stringify({ status: 'ok', version: '1.2.3', database: 'ok' });

/** A handler whose /health returns `status` and `body`; `label` makes each zip's hash differ. */
function handlerSource(status: number, body: string, label: string): string {
  return `
// ${label}
export const handler = async (event) => {
  if (event.rawPath !== '/health') {
    return { statusCode: 404, body: 'no route' };
  }
  return { statusCode: ${status}, headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(body)} };
};
`;
}

/** A handler whose /health returns 503 for its first `failures` requests, then healthy JSON. */
function slowStartSource(failures: number): string {
  return `
let requests = 0;
export const handler = async (event) => {
  requests += 1;
  if (requests <= ${failures}) {
    return { statusCode: 503, body: 'warming up' };
  }
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: ${JSON.stringify(healthyBody)} };
};
`;
}

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

/** Starts the world and a local function URL for alias `live`, which the stand-in reports. */
async function startDeployWorld(
  overrides: Readonly<Record<string, string>> = {},
): Promise<{ world: World; functionUrl: LocalFunctionUrl }> {
  const started = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
  const codeRoot = await mkdtemp(join(tmpdir(), 'gitops-smoke-code-'));
  const functionUrl = await startFunctionUrl({
    functionName,
    qualifier: 'live',
    region: 'us-east-1',
    state: () => started.aws.state(),
    codeRoot,
    port: 0,
    now: () => frozenNow,
    overrides: () => overrides,
  });
  onTestFinished(async () => {
    await functionUrl.close();
    await rm(codeRoot, { recursive: true, force: true });
  });
  started.aws.setFunctionUrlAddress(functionName, 'live', `http://127.0.0.1:${functionUrl.port}/`);
  return { world: started, functionUrl };
}

/** Replaces the checkout's lambda.zip, which the next apply uploads, with `index.mjs`. */
async function useHandler(target: World, source: string): Promise<void> {
  const zip = zipSync({ 'index.mjs': Buffer.from(source) });
  await writeFile(join(target.root, 'dist/service/lambda.zip'), zip);
}

/** Returns a manual clock whose `sleep` advances it at once and records each pause. */
function manualClock() {
  let current = frozenNow.getTime();
  const pauses: number[] = [];
  return {
    pauses,
    now: () => current,
    sleep: (ms: number) => {
      pauses.push(ms);
      current += ms;
      return Promise.resolve();
    },
  };
}

async function aliasVersion(target: World): Promise<string | undefined> {
  const lambda = new LambdaClient(target.aws.clientConfig());
  try {
    const alias = await lambda.send(
      new GetAliasCommand({ FunctionName: functionName, Name: 'live' }),
    );
    return alias.FunctionVersion;
  } finally {
    lambda.destroy();
  }
}

/** The newest published version of the function in the stand-in. */
function newestVersion(target: World): string | undefined {
  return target.aws.state().lambda.functions[functionName]?.versions.at(-1)?.Version;
}

function errors(lines: readonly string[]): string[] {
  return lines.filter((line) => line.startsWith('::error'));
}

describe('apply smoke test', () => {
  it('passes a healthy deploy', async () => {
    const deploy = await startDeployWorld();
    world = deploy.world;
    await useHandler(world, handlerSource(200, healthyBody, 'healthy'));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();
    const clock = manualClock();

    await run(clock);

    expect(errors(stdout.lines())).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const url = `http://127.0.0.1:${deploy.functionUrl.port}/`;
    expect(await readOutput(world, 'function_url')).toBe(url);
    // A first deploy publishes twice: the function, then its deferred environment.
    const version = newestVersion(world);
    expect(version).toBe('2');
    expect(await readOutput(world, 'function_version')).toBe(version);
    expect(await readOutput(world, 'rolled_back')).toBe('false');
    expect(await aliasVersion(world)).toBe(version);
    expect(clock.pauses).toEqual([]);
    // The probe's log lines are in their own group.
    const lines = stdout.lines();
    const healthy = lines.findIndex((line) =>
      line.startsWith(`GET ${url}health: attempt 1: healthy`),
    );
    expect(healthy).toBeGreaterThan(-1);
    expect(
      lines
        .slice(0, healthy)
        .filter((line) => line.startsWith('::group::'))
        .at(-1),
    ).toBe('::group::Smoke test');
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain('**Smoke test passed:**');
    expect(summary).toContain(`serves version ${version}.`);
  });

  it('rolls back an unhealthy version', async () => {
    const deploy = await startDeployWorld();
    world = deploy.world;
    await useHandler(world, handlerSource(200, healthyBody, 'healthy'));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    captureStdout();
    await run(manualClock());
    expect(process.exitCode).toBeUndefined();
    const healthyVersion = await readOutput(world, 'function_version');
    expect(healthyVersion).toBeDefined();
    expect(await aliasVersion(world)).toBe(healthyVersion);

    await useHandler(
      world,
      handlerSource(500, '{"title":"Internal Server Error","detail":"boom"}', 'broken'),
    );
    await stubRunner(world, { GITHUB_TOKEN: '', SMOKE_TIMEOUT_SECONDS: '10' });
    const stdout = captureStdout();
    const clock = manualClock();
    await run(clock);

    expect(process.exitCode).toBe(1);
    const brokenVersion = newestVersion(world);
    expect(brokenVersion).not.toBe(healthyVersion);
    expect(await aliasVersion(world)).toBe(healthyVersion);
    expect(await readOutput(world, 'rolled_back')).toBe('true');
    expect(await readOutput(world, 'function_version')).toBe(healthyVersion);
    const failure = errors(stdout.lines());
    expect(failure).toHaveLength(1);
    const url = `http://127.0.0.1:${deploy.functionUrl.port}/health`;
    expect(failure[0]).toContain(`::error::Smoke test failed: GET ${url} was not healthy`);
    expect(failure[0]).toContain('HTTP 500: {"title":"Internal Server Error","detail":"boom"}');
    expect(failure[0]).toContain(
      `rolled back from version ${brokenVersion} to version ${healthyVersion}`,
    );
    expect(failure[0]).toContain(`Version ${healthyVersion} is healthy again.`);
    expect(failure[0]).toContain('fix the cause and push again');
    // 2 s between attempts within 10 s: five pauses, then the last attempt. The restored
    // version is healthy on its first attempt.
    expect(clock.pauses).toEqual([2000, 2000, 2000, 2000, 2000]);
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain(
      `alias \`live\` rolled back from version ${brokenVersion} to ${healthyVersion}.`,
    );
    // The restored version serves the URL again.
    const restored = await fetch(url);
    expect(restored.status).toBe(200);
    expect(await restored.json()).toEqual(JSON.parse(healthyBody));
  });

  it('reports a failed rollback', async () => {
    const deploy = await startDeployWorld();
    world = deploy.world;
    await useHandler(world, handlerSource(200, healthyBody, 'healthy'));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    captureStdout();
    await run(manualClock());
    const healthyVersion = await readOutput(world, 'function_version');
    expect(healthyVersion).toBeDefined();

    await useHandler(world, handlerSource(500, 'broken', 'broken'));
    await stubRunner(world, { GITHUB_TOKEN: '', SMOKE_TIMEOUT_SECONDS: '2' });
    const stdout = captureStdout();
    const clock = manualClock();
    const stand = world;
    // The apply has moved the alias by the first pause, so only the rollback meets the fault.
    // Three failures exhaust the SDK's three attempts.
    const sleep = (ms: number) => {
      if (clock.pauses.length === 0) {
        stand.aws.faults.serverError({ service: 'lambda', operation: 'UpdateAlias', count: 3 });
      }
      return clock.sleep(ms);
    };
    await run({ now: clock.now, sleep });

    expect(process.exitCode).toBe(1);
    const brokenVersion = newestVersion(world);
    expect(brokenVersion).not.toBe(healthyVersion);
    expect(await aliasVersion(world)).toBe(brokenVersion);
    expect(await readOutput(world, 'rolled_back')).toBe('false');
    expect(await readOutput(world, 'function_version')).toBe(brokenVersion);
    const failure = errors(stdout.lines());
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain(
      `back from version ${brokenVersion} to version ${healthyVersion} failed, so version ${brokenVersion} is still live: Lambda UpdateAlias failed with ServiceException`,
    );
    expect(failure[0]).toContain(
      `aws lambda update-alias --region us-east-1 --function-name ${functionName} --name live --function-version ${healthyVersion}`,
    );
  });

  it('fails a first deploy without rollback', async () => {
    const deploy = await startDeployWorld();
    world = deploy.world;
    await useHandler(world, handlerSource(500, 'broken', 'broken'));
    await stubRunner(world, { GITHUB_TOKEN: '', SMOKE_TIMEOUT_SECONDS: '4' });
    const stdout = captureStdout();

    await run(manualClock());

    expect(process.exitCode).toBe(1);
    const version = newestVersion(world);
    expect(await aliasVersion(world)).toBe(version);
    expect(await readOutput(world, 'rolled_back')).toBe('false');
    expect(await readOutput(world, 'function_version')).toBe(version);
    const failure = errors(stdout.lines());
    expect(failure).toHaveLength(1);
    expect(failure[0]).toContain('HTTP 500: broken');
    expect(failure[0]).toContain('first deploy of alias live');
    expect(failure[0]).toContain('no earlier version to roll back to');
    // The apply moved the alias forward to the final version; nothing moved it back.
    const aliasMoves = world.aws.requests.entries
      .filter((entry) => entry.operation === 'UpdateAlias')
      .map((entry) => entry.params.FunctionVersion);
    expect(aliasMoves).toEqual([version]);
  });

  it('waits for a slow start', async () => {
    const deploy = await startDeployWorld();
    world = deploy.world;
    await useHandler(world, slowStartSource(3));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();
    const clock = manualClock();

    await run(clock);

    expect(errors(stdout.lines())).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(clock.pauses).toEqual([2000, 2000, 2000]);
    expect(await readOutput(world, 'rolled_back')).toBe('false');
    expect(await readOutput(world, 'function_version')).toBe(newestVersion(world));
    const url = `http://127.0.0.1:${deploy.functionUrl.port}/health`;
    expect(stdout.lines()).toContain(
      `GET ${url}: attempt 1: HTTP 503: warming up; retrying in 2 s (0 s of 60 s elapsed)`,
    );
  });

  it('passes the built service', async () => {
    // The service reads MONGODB_URI before MONGODB_HOST, so the function reaches the stand-in.
    const mongo = await startMongoStandIn({ log: () => {} });
    onTestFinished(() => mongo.close());
    const deploy = await startDeployWorld({ MONGODB_URI: mongo.uri });
    world = deploy.world;
    const built = await buildService({ outDir: join(world.root, 'dist/service') });
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await run(manualClock());

    expect(errors(stdout.lines())).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'rolled_back')).toBe('false');
    const url = `http://127.0.0.1:${deploy.functionUrl.port}/health`;
    const healthy = stdout.lines().find((line) => line.startsWith(`GET ${url}: attempt`));
    expect(healthy).toBe(
      `GET ${url}: attempt 1: healthy (HTTP 200, status "ok", database "ok", service version ${built.version})`,
    );
  });

  it('rejects an invalid timeout', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    await stubRunner(world, { GITHUB_TOKEN: '', SMOKE_TIMEOUT_SECONDS: 'soon' });
    const stdout = captureStdout();
    const requestsBefore = world.aws.requests.entries.length;

    await run(manualClock());

    expect(process.exitCode).toBe(1);
    expect(errors(stdout.lines())).toContain(
      '::error::Input "smoke_timeout_seconds" must be a whole number from 0 to 900 (got "soon"). Use the seconds a new version may take to answer /health, such as 60, or 0 to skip the smoke test.',
    );
    // Inputs are checked before any request, so not even STS was called.
    expect(world.aws.requests.entries.length).toBe(requestsBefore);
  });
});
