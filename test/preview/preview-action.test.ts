// The preview action's run() end to end: the real AWS, Okta and Octokit clients against the
// stand-ins on 127.0.0.1, the preview role assumed through the runner's OIDC token, and real
// pull_request and schedule payloads in GITHUB_EVENT_PATH. Dev is applied first, as a push to dev
// does before any pull request can preview it.
import { readFile } from 'node:fs/promises';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../actions/preview/run.ts';
import { readOutput, removeRunnerFiles } from '../actions/world.ts';
import type { World } from '../actions/world.ts';
import { captureStdout } from '../github/helpers.ts';
import {
  awsNames,
  commentsOn,
  pullRequestEvent,
  spaApp,
  startAppliedWorld,
  stubPreview,
  trustedOriginNames,
} from './helpers.ts';

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

function errors(stdout: ReturnType<typeof captureStdout>): string[] {
  return stdout.lines().filter((line) => line.startsWith('::error'));
}

describe('preview action', () => {
  it('deploys a pull request preview', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const name = `example-backend-dev-pr-${pull}`;
    const fn = world.aws.state().lambda.functions[name];
    expect(fn).toBeDefined();
    expect(fn!.Tags).toEqual({
      'gitops:preview': `octo-org/example-backend#${pull}`,
      'gitops:environment': 'dev',
    });
    expect(Object.keys(fn!.aliases)).toEqual(['live']);
    expect(Object.keys(fn!.urls)).toEqual(['live']);
    expect(fn!.policies.live?.map((statement) => statement.Sid)).toEqual([
      'FunctionURLAllowPublicAccess',
      'FunctionURLAllowInvokeAction',
    ]);
    const base = world.aws.state().lambda.functions['example-backend-dev']!;
    expect(fn!.latest.Role).toBe(base.latest.Role);
    expect(fn!.latest.Environment).toEqual(base.latest.Environment);
    expect(world.aws.state().logs.groups[`/aws/lambda/${name}`]?.retentionInDays).toBe(14);

    const url = await readOutput(world, 'url');
    expect(url).toMatch(/^https:\/\/[a-z0-9]+\.lambda-url\.us-east-1\.on\.aws\/$/);
    expect(spaApp(world).redirectUris).toContain(`${url}docs/oauth2-redirect`);
    expect(trustedOriginNames(world)).toContain(
      `${name} [gitops-preview:dev:octo-org/example-backend#${pull}]`,
    );
    const comments = commentsOn(world, pull);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain(`${url}docs`);
    expect(await readFile(world.summaryPath, 'utf8')).toContain(`## Preview of #${pull}`);
  });

  it('removes a closed pull request preview', async () => {
    world = await startAppliedWorld();
    const before = { ...awsNames(world), origins: trustedOriginNames(world), spa: spaApp(world) };
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    await run();
    expect(process.exitCode).toBeUndefined();
    await stubPreview(world, 'remove', pullRequestEvent('closed', pull));
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(awsNames(world)).toEqual({ functions: before.functions, logGroups: before.logGroups });
    expect(trustedOriginNames(world)).toEqual(before.origins);
    expect(spaApp(world).redirectUris).toEqual(before.spa.redirectUris);
    expect(spaApp(world).profile.gitopsPreviews).toEqual([]);
    const removed = JSON.parse((await readOutput(world, 'removed')) ?? '[]') as string[];
    expect(removed).toContain(`Lambda function example-backend-dev-pr-${pull}`);
    const comments = commentsOn(world, pull);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('The preview was removed.');
  });
});
