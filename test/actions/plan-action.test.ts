// The plan action's run() end to end. It plans the seed config with the real SDKs against the
// AWS (STS, IAM, Secrets Manager), Atlas, Okta and GitHub stand-ins on 127.0.0.1. The runner's
// INPUT_*, GITHUB_* and ACTIONS_ID_TOKEN_REQUEST_* variables are set as on a real runner.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { run } from '../../actions/plan/run.ts';
import { captureStdout } from '../github/helpers.ts';
import { pullRequestEvent } from '../preview/helpers.ts';
import {
  atlasAccount,
  planPolicy,
  readOutput,
  removeRunnerFiles,
  startWorld,
  stubRunner,
} from './world.ts';
import type { World } from './world.ts';

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

function comments(current: World, issueNumber?: number) {
  return [...current.github.repository().comments.values()].filter(
    (item) => issueNumber === undefined || item.issueNumber === issueNumber,
  );
}

describe('plan action', () => {
  it('plans and comments without writes', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubRunner(world, {});
    const stdout = captureStdout();
    const writesBefore = world.writes();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const posted = comments(world, pull);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.body).toContain('aws.roles.lambda');
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Plan for `dev`');
    expect(await readOutput(world, 'has_changes')).toBe('true');
    expect(await readOutput(world, 'summary')).toMatch(/^\d+ create/);
    const planPath = join(world.root, 'temp/gitops-plan-dev.json');
    expect(await readOutput(world, 'plan_json')).toBe(planPath);
    const plan = JSON.parse(await readFile(planPath, 'utf8')) as { environment: string };
    expect(plan.environment).toBe('dev');
    expect(world.writes()).toEqual(writesBefore);
    for (const secret of [world.github.token, atlasAccount.clientSecret, world.okta.apiToken]) {
      // The first line that shows a secret registers it; the runner masks every later one.
      const first = stdout.lines().find((text) => text.includes(secret)) ?? '';
      expect(first.startsWith('::add-mask::'), first.slice(0, 20)).toBe(true);
      expect(stdout.lines()).toContain(`::add-mask::${secret}`);
    }
  });

  it('updates its comment on a rerun', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubRunner(world, {});
    const stdout = captureStdout();

    await run();
    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(comments(world, pull)).toHaveLength(1);
  });

  it('writes only the summary without a pull request', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(comments(world)).toEqual([]);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Plan for `dev`');
    // Only the ID token request reaches GitHub.
    expect(world.github.requests).toHaveLength(1);
  });

  it('annotates a config problem at its line', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    const path = join(world.root, 'config/dev.yaml');
    const config = await readFile(path, 'utf8');
    await writeFile(path, config.replace('memorySize: 512', 'memorySize: big'));
    const line = config.split('\n').findIndex((text) => text.includes('memorySize: 512')) + 1;
    await stubRunner(world, {});
    const stdout = captureStdout();
    const awsRequests = world.aws.requests.entries.length;

    await run();

    expect(process.exitCode).toBe(1);
    const errors = stdout.lines().filter((text) => text.startsWith('::error'));
    expect(errors[0]).toMatch(
      new RegExp(`^::error file=config/dev\\.yaml,line=${line},col=\\d+::aws\\.functions\\.api`),
    );
    expect(errors.at(-1)).toBe('::error::The config has 1 problem; each is annotated at its line.');
    expect(world.aws.requests.entries.length).toBe(awsRequests);
    expect(world.atlas.requests).toEqual([]);
    expect(world.okta.requests).toEqual([]);
    expect(world.github.requests).toEqual([]);
    expect(comments(world)).toEqual([]);
  });

  it('reads credentials from the env', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    await stubRunner(world, { OKTA_SECRET: '' }, { OKTA_API_TOKEN: world.okta.apiToken });
    const stdout = captureStdout();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'has_changes')).toBe('true');
  });

  it('reads the config secret by default', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    await stubRunner(world, { OKTA_SECRET: '' });
    vi.stubEnv('OKTA_API_TOKEN', undefined);
    const stdout = captureStdout();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(await readOutput(world, 'has_changes')).toBe('true');
  });

  it('names missing credentials', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    await stubRunner(world, { OKTA_SECRET: '' }, { OKTA_CLIENT_ID: '0oa1serviceapp' });
    vi.stubEnv('OKTA_API_TOKEN', undefined);
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    const errors = stdout.lines().filter((line) => line.startsWith('::error'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toContain('OKTA_API_TOKEN');
    expect(world.okta.requests).toEqual([]);
  });

  it('needs no Okta credentials without okta', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    const file = join(world.root, 'config/dev.yaml');
    const document = parseDocument(await readFile(file, 'utf8'));
    document.delete('okta');
    for (const key of ['OKTA_ISSUER', 'OKTA_AUDIENCE', 'OKTA_CLIENT_ID']) {
      document.deleteIn(['aws', 'functions', 'api', 'environment', key]);
    }
    document.setIn(['aws', 'github', 'secretNames'], ['example-backend-dev/atlas']);
    await writeFile(file, document.toString());
    await stubRunner(world, { OKTA_SECRET: '' });
    vi.stubEnv('OKTA_API_TOKEN', undefined);
    const stdout = captureStdout();

    await run();

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(await readOutput(world, 'has_changes')).toBe('true');
    expect(world.okta.requests).toEqual([]);
  });

  it('skips pull requests when they are off', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    const file = join(world.root, 'config/dev.yaml');
    const document = parseDocument(await readFile(file, 'utf8'));
    document.setIn(['aws', 'github', 'pullRequests'], false);
    document.deleteIn(['aws', 'github', 'previewRole']);
    await writeFile(file, document.toString());
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const eventPath = join(world.root, 'temp/event.json');
    await writeFile(eventPath, JSON.stringify(pullRequestEvent('opened', pull)));
    await stubRunner(
      world,
      {},
      {
        GITHUB_EVENT_NAME: 'pull_request',
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_REF: `refs/pull/${pull}/merge`,
      },
    );
    const awsRequests = world.aws.requests.entries.length;
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBeUndefined();
    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(
      stdout
        .lines()
        .some((line) => line.startsWith('::notice::Cloud plans of pull requests into dev are off')),
    ).toBe(true);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Plan skipped');
    expect(world.aws.requests.entries.length).toBe(awsRequests);
  });

  it('fails after publishing a conflict', async () => {
    world = await startWorld({ name: 'gitops-plan', policy: planPolicy });
    // A role of the config's name that this environment did not create.
    const iam = new IAMClient(world.aws.clientConfig());
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'example-backend-dev',
        AssumeRolePolicyDocument: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
      }),
    );
    iam.destroy();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubRunner(world, {});
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    expect(stdout.lines().at(-1)).toMatch(/^::error::1 resource\(s\) conflict with existing ones/);
    expect(comments(world, pull)).toHaveLength(1);
    expect(await readOutput(world, 'has_changes')).toBe('true');
  });
});
