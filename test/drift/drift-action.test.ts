// The drift action's run() end to end under the runner contract. The run is a `schedule` event on
// the default branch, and the plan role is assumed through the GitHub stand-in's OIDC endpoint.
// The AWS, Atlas, Okta and GitHub stand-ins listen on 127.0.0.1 on one frozen clock. Each test
// first applies the environment with a deploy role, then introduces drift through the vendor API.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IAMClient, UpdateRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as apply } from '../../actions/apply/run.ts';
import { run as checkDrift } from '../../actions/drift/run.ts';
import { checkMarker } from '../../actions/github/check-issues.ts';
import { captureStdout } from '../github/helpers.ts';
import {
  addRole,
  configPlanPolicy,
  deployPolicy,
  planPolicy,
  readOutput,
  removeRunnerFiles,
  startWorld,
  stubRunner,
} from '../actions/world.ts';
import type { World } from '../actions/world.ts';

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

/** The run a daily schedule starts on the default branch. */
const scheduledRun = {
  eventName: 'schedule',
  ref: 'refs/heads/main',
  workflow: 'Drift check',
  workflowPath: '.github/workflows/drift.yml',
};

/** Returns the payload GitHub writes to GITHUB_EVENT_PATH for a `schedule` event. */
function schedulePayload() {
  return {
    schedule: '17 6 * * *',
    workflow: '.github/workflows/drift.yml',
    repository: {
      id: 700_000_001,
      name: 'example-backend',
      full_name: 'octo-org/example-backend',
      private: true,
      owner: { login: 'octo-org', id: 90_000_001, type: 'Organization' },
      default_branch: 'main',
    },
    organization: { login: 'octo-org', id: 90_000_001 },
    sender: { login: 'github-actions[bot]', id: 41_898_282, type: 'Bot' },
  };
}

/** Starts a world with the plan role and applies the seed config with a deploy role. */
async function appliedWorld(): Promise<World> {
  // The world's own role is replaced below by one with the config's plan role policy.
  const current = await startWorld(
    { name: 'gitops-seed', policy: planPolicy },
    { run: scheduledRun },
  );
  const deployRole = await addRole(current, 'gitops-deploy', deployPolicy);
  const planRole = await addRole(current, 'gitops-plan', await configPlanPolicy(current));
  await stubRunner(current, { ROLE_ARN: deployRole, GITHUB_TOKEN: '' });
  const stdout = captureStdout();
  await apply();
  expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
  expect(await readOutput(current, 'has_changes')).toBe('true');
  vi.restoreAllMocks();
  return { ...current, roleArn: planRole };
}

/** Stubs the runner of a scheduled drift job, runs the action and returns its stdout. */
async function runDriftCheck(current: World) {
  const eventPath = join(current.root, 'temp/event.json');
  await writeFile(eventPath, JSON.stringify(schedulePayload()));
  await stubRunner(current, {}, { GITHUB_EVENT_PATH: eventPath });
  const stdout = captureStdout();
  await checkDrift();
  vi.restoreAllMocks();
  return stdout;
}

async function describeRole(current: World, description: string): Promise<void> {
  const iam = new IAMClient(current.aws.clientConfig());
  await iam.send(
    new UpdateRoleCommand({ RoleName: 'example-backend-dev', Description: description }),
  );
  iam.destroy();
}

/** Replaces the redirect URIs of the config's Okta app through the Okta apps API. */
async function changeRedirectUris(current: World, redirectUris: string[]): Promise<void> {
  const headers = {
    authorization: `SSWS ${current.okta.apiToken}`,
    accept: 'application/json',
    'content-type': 'application/json',
  };
  const listed = await fetch(`${current.okta.url}/api/v1/apps`, { headers });
  expect(listed.status).toBe(200);
  const apps = (await listed.json()) as Array<{
    id: string;
    label: string;
    settings: { oauthClient: { redirect_uris: string[] } };
  }>;
  const app = apps.find((item) => item.label === 'Hello World (SPA)');
  expect(app).toBeDefined();
  app!.settings.oauthClient.redirect_uris = redirectUris;
  const replaced = await fetch(`${current.okta.url}/api/v1/apps/${app!.id}`, {
    method: 'PUT',
    headers,
    body: JSON.stringify(app),
  });
  expect(replaced.status).toBe(200);
}

function driftIssues(current: World) {
  return [...current.github.repository().issues.values()].filter((issue) =>
    issue.labels.some((label) => label.name === 'gitops:drift'),
  );
}

function commentsOn(current: World, issueNumber: number) {
  return [...current.github.repository().comments.values()].filter(
    (comment) => comment.issueNumber === issueNumber,
  );
}

describe('drift action', () => {
  it('opens no issue when clean', async () => {
    world = await appliedWorld();
    const writesBefore = world.writes();

    const stdout = await runDriftCheck(world);

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(stdout.lines().filter((line) => line.startsWith('::warning'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'drifted')).toBe('false');
    expect(await readOutput(world, 'issue_number')).toBe('');
    expect(driftIssues(world)).toEqual([]);
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain('## Drift check of `dev`');
    expect(summary).toContain('found `dev` matching its config');
    expect(world.writes()).toEqual(writesBefore);
  });

  it('opens a labelled issue on drift', async () => {
    world = await appliedWorld();
    await describeRole(world, 'Changed by hand in the console');
    const writesBefore = world.writes();

    const stdout = await runDriftCheck(world);

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const warnings = stdout.lines().filter((line) => line.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^::warning title=Drift in dev::dev has drifted from its config \(1 update\)/,
    );
    expect(await readOutput(world, 'drifted')).toBe('true');
    const issues = driftIssues(world);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(await readOutput(world, 'issue_number')).toBe(String(issue.number));
    expect(issue.title).toBe('Drift in dev');
    expect(issue.state).toBe('open');
    expect(issue.body?.startsWith(`${checkMarker('drift', 'dev')}\n## Drift in \`dev\``)).toBe(
      true,
    );
    expect(issue.body).toContain('aws.roles.lambda');
    expect(issue.body).toContain('Changed by hand in the console');
    expect(issue.body).toContain('/octo-org/example-backend/actions/runs/8000000001');
    expect(await readFile(world.summaryPath, 'utf8')).toContain('found differences between `dev`');
    expect(world.writes()).toEqual(writesBefore);
  });

  it('updates the same issue on a rerun', async () => {
    world = await appliedWorld();
    await describeRole(world, 'Changed by hand in the console');
    await runDriftCheck(world);
    const first = driftIssues(world)[0]!;
    await describeRole(world, 'Changed again');

    const stdout = await runDriftCheck(world);

    expect(process.exitCode).toBeUndefined();
    expect(stdout.lines()).toContain(`Drift issue #${first.number}: updated.`);
    const issues = driftIssues(world);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.number).toBe(first.number);
    expect(issues[0]!.body).toContain('Changed again');
    expect(await readOutput(world, 'issue_number')).toBe(String(first.number));
  });

  it('closes the issue once fixed', async () => {
    world = await appliedWorld();
    await describeRole(world, 'Changed by hand in the console');
    await runDriftCheck(world);
    const opened = driftIssues(world)[0]!;
    await describeRole(world, 'Execution role of the message service');

    const stdout = await runDriftCheck(world);

    expect(stdout.lines().filter((line) => line.startsWith('::warning'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'drifted')).toBe('false');
    expect(await readOutput(world, 'issue_number')).toBe(String(opened.number));
    const issue = world.github.repository().issues.get(opened.number)!;
    expect(issue.state).toBe('closed');
    const comments = commentsOn(world, opened.number);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('found dev matching its config again');
  });

  it('leaves the issue on observe errors', async () => {
    world = await appliedWorld();
    await describeRole(world, 'Changed by hand in the console');
    await runDriftCheck(world);
    const opened = driftIssues(world)[0]!;
    const bodyBefore = opened.body;
    await describeRole(world, 'Execution role of the message service');
    world.okta.faults.fail({ times: 100, status: 403, match: { method: 'GET' } });

    const stdout = await runDriftCheck(world);

    expect(process.exitCode).toBe(1);
    const errors = stdout.lines().filter((line) => line.startsWith('::error'));
    expect(errors.at(-1)).toMatch(/observe failed/);
    const issue = world.github.repository().issues.get(opened.number)!;
    expect(issue.state).toBe('open');
    expect(issue.body).toBe(bodyBefore);
    expect(commentsOn(world, opened.number)).toEqual([]);
    expect(await readOutput(world, 'drifted')).toBeUndefined();
  });

  it('opens an issue on Okta drift', async () => {
    world = await appliedWorld();
    await changeRedirectUris(world, ['https://elsewhere.example/callback']);

    const stdout = await runDriftCheck(world);

    expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
    expect(await readOutput(world, 'drifted')).toBe('true');
    const issues = driftIssues(world);
    expect(issues).toHaveLength(1);
    expect(issues[0]!.body).toContain('okta.apps.spa');
    expect(issues[0]!.body).toContain('https://elsewhere.example/callback');
  });

  it('writes only the summary without a token', async () => {
    world = await appliedWorld();
    await describeRole(world, 'Changed by hand in the console');
    const eventPath = join(world.root, 'temp/event.json');
    await writeFile(eventPath, JSON.stringify(schedulePayload()));
    await stubRunner(world, { GITHUB_TOKEN: '' }, { GITHUB_EVENT_PATH: eventPath });
    const stdout = captureStdout();

    await checkDrift();

    expect(process.exitCode).toBeUndefined();
    const warnings = stdout.lines().filter((line) => line.startsWith('::warning'));
    expect(warnings[0]).toMatch(/^::warning::github_token is empty, so the drift issue is not/);
    expect(warnings[1]).toMatch(/^::warning title=Drift in dev::/);
    expect(await readOutput(world, 'drifted')).toBe('true');
    expect(await readOutput(world, 'issue_number')).toBe('');
    expect(driftIssues(world)).toEqual([]);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('## Drift check of `dev`');
  });
});
