// The seed config (config/dev.yaml) end to end: the CLI with the real providers and SDKs against
// the AWS, Atlas and Okta stand-ins on 127.0.0.1. Plan, apply, plan again: the second plan has no
// changes, and no plan sends a write request.
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { run } from '../../actions/cli/run.ts';
import { startServer } from '../helpers/servers.ts';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { adminCredentials, startAwsStandIn } from '../stand-ins/aws/index.ts';
import { startOktaStandIn } from '../stand-ins/okta/index.ts';

const repository = new URL('../../', import.meta.url);
const fixtures = new URL('../fixtures/plans/', import.meta.url);
// A service account (bearer tokens). NOTE: with an API key (HTTP Digest), concurrent requests can
// reach the Atlas stand-in with nonce counts out of order, which it rejects with 401.
const atlasAccount = { clientId: 'mdb_sa_id_seedtest', clientSecret: 'mdb_sa_sk_seed-test-secret' };

let workspace: string | undefined;

afterEach(async () => {
  if (workspace !== undefined) {
    await rm(workspace, { recursive: true, force: true });
    workspace = undefined;
  }
});

async function expectGolden(name: string, actual: string): Promise<void> {
  const file = new URL(name, fixtures);
  if (process.env.UPDATE_GOLDEN === '1') {
    await writeFile(file, actual);
  }
  expect(actual).toBe(await readFile(file, 'utf8'));
}

/** Builds an empty zip file (end-of-central-directory record only), enough for the Lambda stand-in. */
function emptyZip(): Buffer {
  const record = Buffer.alloc(22);
  record.write('PK\x05\x06', 0, 'binary');
  return record;
}

/** Starts the three stand-ins on one manual clock and makes a working directory with the seed config. */
async function seedWorld() {
  let clock = Date.UTC(2026, 5, 15, 12, 0, 0);
  const now = () => clock;
  const aws = await startAwsStandIn({ now, listen: startServer, seed: 'seed-test' });
  const atlas = await startAtlasStandIn({
    now,
    listen: startServer,
    serviceAccounts: [atlasAccount],
  });
  const okta = await startOktaStandIn({ now: () => new Date(clock), listen: startServer, seed: 7 });

  workspace = await mkdtemp(join(tmpdir(), 'gitops-seed-'));
  await mkdir(join(workspace, 'config'));
  for (const file of ['dev.yaml', 'prod.yaml']) {
    await copyFile(new URL(`config/${file}`, repository), join(workspace, 'config', file));
  }
  await mkdir(join(workspace, 'dist/service'), { recursive: true });
  await writeFile(join(workspace, 'dist/service/lambda.zip'), emptyZip());

  const env = {
    AWS_ENDPOINT_URL: aws.url,
    AWS_ACCESS_KEY_ID: adminCredentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: adminCredentials.secretAccessKey,
    ATLAS_BASE_URL: atlas.url,
    MONGODB_ATLAS_CLIENT_ID: atlasAccount.clientId,
    MONGODB_ATLAS_CLIENT_SECRET: atlasAccount.clientSecret,
    OKTA_ORG_URL: okta.url,
    OKTA_API_TOKEN: okta.apiToken,
  };
  const writes = () => ({
    aws: aws.requests.writes().length,
    atlas: atlas.writes().length,
    okta: okta.requests.filter((request) => request.write).length,
  });

  const cli = async (argv: string[]) => {
    let stdout = '';
    let stderr = '';
    const code = await run(
      [...argv, '--target', 'local'],
      {
        stdout: { write: (text: string) => (stdout += text) },
        stderr: { write: (text: string) => (stderr += text) },
        env,
        cwd: workspace!,
      },
      {
        engineOverrides: {
          now: () => new Date(clock),
          // Waits pass instantly: the stand-ins' clock moves instead.
          sleep: (milliseconds) => {
            clock += milliseconds;
            return Promise.resolve();
          },
          random: () => 0.5,
        },
      },
    );
    return { code, stdout, stderr };
  };
  // URLs carry the stand-ins' random ports; golden files show a fixed placeholder instead.
  const stable = (text: string) =>
    text
      .replaceAll(aws.url, 'http://aws.stand-in')
      .replaceAll(atlas.url, 'http://atlas.stand-in')
      .replaceAll(okta.url, 'http://okta.stand-in')
      .replaceAll(/127\.0\.0\.1:\d+/g, 'stand-in');
  return { cli, writes, stable, aws, atlas, okta };
}

describe('seed config against the stand-ins', () => {
  it('plans, applies and converges', async () => {
    const world = await seedWorld();

    const first = await world.cli(['plan', '--env', 'dev']);
    expect(first.stderr).not.toContain('failed');
    expect(first.code).toBe(2);
    expect(world.writes()).toEqual({ aws: 0, atlas: 0, okta: 0 });
    await expectGolden('seed-from-empty.txt.golden', world.stable(first.stdout));

    const markdown = await world.cli(['plan', '--env', 'dev', '--format', 'markdown']);
    await expectGolden('seed-from-empty.md.golden', world.stable(markdown.stdout));

    const applied = await world.cli(['apply', '--env', 'dev']);
    expect(applied.stderr).not.toMatch(/failed|skipped/);
    expect(applied.code).toBe(0);

    const before = world.writes();
    const second = await world.cli(['plan', '--env', 'dev', '--format', 'json']);
    expect(second.stderr).toBe('');
    expect(second.code).toBe(0);
    expect(world.writes()).toEqual(before);
    const plan = JSON.parse(second.stdout) as {
      resources: Array<{ address: string; action: string }>;
    };
    expect(plan.resources.filter((resource) => resource.action !== 'no-op')).toEqual([]);
    await expectGolden('seed-converged.json.golden', world.stable(second.stdout));
  });

  it('converges after a failed apply', async () => {
    const world = await seedWorld();
    world.okta.faults.fail({
      times: 1,
      status: 403,
      match: { method: 'POST', path: '/api/v1/apps' },
    });

    const failed = await world.cli(['apply', '--env', 'dev']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toContain('failed create okta.apps.spa');
    // The function exists, but its environment waited for the Okta app.
    expect(failed.stdout).toContain('failed create aws.functions.api: deferred fields');

    const resumed = await world.cli(['apply', '--env', 'dev']);
    expect(resumed.code).toBe(0);
    expect(resumed.stderr).toContain('okta.apps.spa: creating okta:App');
    expect(resumed.stderr).not.toContain('aws.roles.lambda: creating');
    expect(world.okta.apps()).toHaveLength(1);
    expect((await world.cli(['plan', '--env', 'dev'])).code).toBe(0);
  });

  it('finds a create whose response was lost', async () => {
    const world = await seedWorld();
    // Okta creates the app, then the connection closes before the response arrives.
    world.okta.faults.dropAfterAction({
      times: 1,
      match: { method: 'POST', path: '/api/v1/apps' },
    });

    const applied = await world.cli(['apply', '--env', 'dev']);
    expect(applied.code).toBe(0);
    expect(applied.stderr).toContain('Retrying in');
    expect(world.okta.apps()).toHaveLength(1);
    expect((await world.cli(['plan', '--env', 'dev'])).code).toBe(0);
  });
});
