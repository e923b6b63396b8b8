// The preview action's run() end to end: the real AWS, Okta and Octokit clients against the
// stand-ins on 127.0.0.1, the preview role assumed through the runner's OIDC token, and real
// pull_request and schedule payloads in GITHUB_EVENT_PATH. Dev is applied first, as a push to dev
// does before any pull request can preview it.
import { readFile, writeFile } from 'node:fs/promises';
import { CreateFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as apply } from '../../actions/apply/run.ts';
import { run as plan } from '../../actions/plan/run.ts';
import { run } from '../../actions/preview/run.ts';
import {
  deployPolicy,
  readOutput,
  removeRunnerFiles,
  startWorld,
  stubRunner,
} from '../actions/world.ts';
import type { World } from '../actions/world.ts';
import { captureStdout } from '../github/helpers.ts';
import {
  awsNames,
  closePullRequest,
  commentsOn,
  pullRequestEvent,
  scheduleEvent,
  spaApp,
  startAppliedWorld,
  stubPreview,
  trustedOriginNames,
  writeArtifact,
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

/** Opens pull request `number`'s preview and checks that the run succeeded. */
async function deploy(current: World, number: number): Promise<string> {
  await stubPreview(current, 'deploy', pullRequestEvent('opened', number));
  await run();
  expect(process.exitCode).toBeUndefined();
  return (await readOutput(current, 'url')) ?? '';
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
    // The run has only the generated preview role's permissions.
    expect(stdout.text()).toContain('assumed-role/gitops-preview-test/');
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
    for (const secret of [world.github.token, world.okta.apiToken]) {
      // The first line that shows a secret registers it; the runner masks every later one.
      const first = stdout.lines().find((line) => line.includes(secret)) ?? '';
      expect(first.startsWith('::add-mask::'), first.slice(0, 20)).toBe(true);
    }
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

  it('updates a preview in place', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const url = await deploy(world, pull);
    const name = `example-backend-dev-pr-${pull}`;
    const first = world.aws.state().lambda.functions[name]!;
    const firstSha = first.latest.CodeSha256;
    await writeArtifact(world, 'second commit');
    await stubPreview(
      world,
      'deploy',
      pullRequestEvent('synchronize', pull, { headSha: 'b'.repeat(40) }),
    );
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const second = world.aws.state().lambda.functions[name]!;
    expect(second.FunctionArn).toBe(first.FunctionArn);
    expect(second.latest.CodeSha256).not.toBe(firstSha);
    expect(second.versions.map((version) => version.Version)).toEqual(['1', '2']);
    expect(second.aliases.live?.FunctionVersion).toBe('2');
    expect(await readOutput(world, 'url')).toBe(url);
    expect(spaApp(world).redirectUris.filter((uri) => uri.startsWith(url))).toHaveLength(1);
    const comments = commentsOn(world, pull);
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('`bbbbbbbbbbbb`');
    expect(comments[0]!.body).toContain(`\`${name}:live\` version 2`);
  });

  it('leaves dev plans unchanged', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const url = await deploy(world, pull);
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await plan();

    expect(errors(stdout)).toEqual([]);
    expect(await readOutput(world, 'has_changes')).toBe('false');
    expect(await readOutput(world, 'summary')).toBe('no changes');
    expect(spaApp(world).redirectUris).toContain(`${url}docs/oauth2-redirect`);
  });

  it('survives a plan with prune', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await deploy(world, pull);
    // With prune, the plan deletes every resource of dev that the config no longer declares.
    const path = join(world.root, 'config/dev.yaml');
    const config = await readFile(path, 'utf8');
    await writeFile(path, config.replace('prune: false', 'prune: true'));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await plan();

    expect(errors(stdout)).toEqual([]);
    expect(await readOutput(world, 'summary')).toBe('no changes');
  });

  it('keeps preview URIs on apply', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const url = await deploy(world, pull);
    // A label change makes apply replace the whole app (PUT), the path that could drop the URI.
    const path = join(world.root, 'config/dev.yaml');
    const config = await readFile(path, 'utf8');
    await writeFile(path, config.replace('label: Hello World (SPA)', 'label: Hello Preview'));
    await stubRunner(world, { GITHUB_TOKEN: '' });
    const stdout = captureStdout();

    await apply();

    expect(errors(stdout)).toEqual([]);
    expect(await readOutput(world, 'summary')).toBe('1 update');
    const app = world.okta.apps().find((candidate) => candidate.label === 'Hello Preview');
    const uris = (app?.settings as { oauthClient: { redirect_uris: string[] } }).oauthClient
      .redirect_uris;
    expect(uris).toContain(`${url}docs/oauth2-redirect`);
    expect(trustedOriginNames(world)).toContain(
      `example-backend-dev-pr-${pull} [gitops-preview:dev:octo-org/example-backend#${pull}]`,
    );
  });

  it('removes an already removed preview', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await deploy(world, pull);
    await stubPreview(world, 'remove', pullRequestEvent('closed', pull));
    await run();
    const comment = commentsOn(world, pull)[0]!.body;
    await stubPreview(world, 'remove', pullRequestEvent('closed', pull));
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'removed')).toBe('[]');
    expect(commentsOn(world, pull).map((item) => item.body)).toEqual([comment]);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('Nothing was left to remove.');
  });

  it('skips a pull request closed meanwhile', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    closePullRequest(world, pull);
    await stubPreview(world, 'deploy', pullRequestEvent('synchronize', pull));
    const awsRequests = world.aws.requests.entries.length;
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(stdout.lines()).toContain(
      `::notice::Pull request #${pull} is closed, so its preview is not deployed.`,
    );
    expect(await readOutput(world, 'url')).toBe('');
    expect(commentsOn(world, pull)).toEqual([]);
    // Only the role's credentials were fetched: no Lambda, Logs or Okta write.
    const calls = world.aws.requests.entries.slice(awsRequests).map((entry) => entry.operation);
    expect(
      calls.filter((operation) => !/AssumeRoleWithWebIdentity|GetSecretValue/.test(operation)),
    ).toEqual([]);
  });

  it('skips when the config has no preview role', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    const configFile = join(world.root, 'config/dev.yaml');
    const config = await readFile(configFile, 'utf8');
    await writeFile(configFile, config.replace(/^ {4}previewRole:.*\n {6}roleName: .*\n/m, ''));
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    vi.stubEnv('INPUT_ROLE_ARN', '');
    const awsRequests = world.aws.requests.entries.length;
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(stdout.lines().some((line) => line.startsWith('::notice::Previews are off'))).toBe(true);
    expect(await readFile(world.summaryPath, 'utf8')).toContain(
      'declares no aws.github.previewRole',
    );
    expect(world.aws.requests.entries.length).toBe(awsRequests);
    expect(world.github.requests).toEqual([]);
  });

  it('sweeps only closed pull requests', async () => {
    world = await startAppliedWorld();
    const closed = world.github.addPullRequest({ headRef: 'old', baseRef: 'dev' });
    const open = world.github.addPullRequest({ headRef: 'new', baseRef: 'dev' });
    const closedUrl = await deploy(world, closed);
    const openUrl = await deploy(world, open);
    closePullRequest(world, closed);
    await stubPreview(world, 'sweep', scheduleEvent());
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const names = awsNames(world);
    expect(names.functions).not.toContain(`example-backend-dev-pr-${closed}`);
    expect(names.logGroups).not.toContain(`/aws/lambda/example-backend-dev-pr-${closed}`);
    expect(names.functions).toContain(`example-backend-dev-pr-${open}`);
    const uris = spaApp(world).redirectUris;
    expect(uris).not.toContain(`${closedUrl}docs/oauth2-redirect`);
    expect(uris).toContain(`${openUrl}docs/oauth2-redirect`);
    const origins = trustedOriginNames(world).filter((name) => name.includes('gitops-preview'));
    expect(origins).toEqual([
      `example-backend-dev-pr-${open} [gitops-preview:dev:octo-org/example-backend#${open}]`,
    ]);
    const removed = JSON.parse((await readOutput(world, 'removed')) ?? '[]') as string[];
    expect(removed).toContain(`Lambda function example-backend-dev-pr-${closed}`);
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain(`| #${closed} | closed | removed 4 resource(s) |`);
    expect(summary).toContain(`| #${open} | open | kept: the pull request is open |`);
    expect(commentsOn(world, closed)[0]!.body).toContain('The preview was removed.');
    expect(commentsOn(world, open)[0]!.body).toContain(openUrl);
  });

  it('sweeps Okta records without a function', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const url = await deploy(world, pull);
    // A remove that stopped after deleting the function left the Okta records behind.
    delete world.aws.state().lambda.functions[`example-backend-dev-pr-${pull}`];
    await stubPreview(world, 'sweep', scheduleEvent());
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    expect(spaApp(world).redirectUris).not.toContain(`${url}docs/oauth2-redirect`);
    expect(trustedOriginNames(world).filter((name) => name.includes('gitops-preview'))).toEqual([]);
    expect(await readFile(world.summaryPath, 'utf8')).toContain('its function no longer exists');
  });

  it('rejects a pull request from a fork', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({
      headRef: 'feature',
      baseRef: 'dev',
      headRepository: 'someone/example-backend',
    });
    const awsRequests = world.aws.requests.entries.length;
    const event = pullRequestEvent('opened', pull, { headRepository: 'someone/example-backend' });
    await stubPreview(world, 'deploy', event);
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    const lines = errors(stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`Pull request #${pull} comes from the fork someone/example-backend`);
    expect(world.aws.requests.entries.length).toBe(awsRequests);
    expect(world.github.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });

  it('rejects a pull request to another branch', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'prod' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull, { baseRef: 'prod' }));
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    expect(errors(stdout)[0]).toContain(`Pull request #${pull} targets branch prod`);
  });

  it('names a missing base function', async () => {
    // Dev was never applied, so there is no base function to copy.
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    vi.stubEnv('INPUT_ROLE_ARN', world.roleArn);
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    const lines = errors(stdout);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('The base function example-backend-dev has no alias live');
    expect(lines[0]).toContain('Apply the dev config first');
    expect(Object.keys(world.aws.state().lambda.functions)).toEqual([]);
    expect(commentsOn(world, pull)).toEqual([]);
  });

  it('rejects a function it does not own', async () => {
    world = await startAppliedWorld();
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const name = `example-backend-dev-pr-${pull}`;
    const lambda = new LambdaClient(world.aws.clientConfig());
    const base = world.aws.state().lambda.functions['example-backend-dev']!;
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: base.latest.Role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: await readFile(join(world.root, 'dist/service/lambda.zip')) },
      }),
    );
    lambda.destroy();
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    expect(errors(stdout)[0]).toContain(
      `Lambda function ${name} exists but is not the dev preview of octo-org/example-backend#${pull}`,
    );
    expect(world.aws.state().lambda.functions[name]!.Tags).toEqual({});
    expect(awsNames(world).logGroups).not.toContain(`/aws/lambda/${name}`);
  });

  it('restores a reset sign-in policy', async () => {
    world = await startAppliedWorld();
    // Okta may move an app to the default sign-in policy when the app is replaced.
    world.okta.behaviours.resetPolicyOnUpdate = true;
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    const stdout = captureStdout();

    await run();

    expect(errors(stdout)).toEqual([]);
    const app = world.okta.apps().find((candidate) => candidate.label === 'Hello World (SPA)');
    const appId = typeof app?.id === 'string' ? app.id : '';
    expect(world.okta.assignedPolicyName(appId)).toBe('Password only');
    expect(stdout.lines().filter((line) => line.startsWith('::warning'))).toEqual([
      expect.stringContaining('Okta reset the sign-in policy of app'),
    ]);
  });

  it('annotates a config problem', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    const path = join(world.root, 'config/dev.yaml');
    const config = await readFile(path, 'utf8');
    await writeFile(path, config.replace('memorySize: 512', 'memorySize: big'));
    const line = config.split('\n').findIndex((text) => text.includes('memorySize: 512')) + 1;
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    const awsRequests = world.aws.requests.entries.length;
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    const lines = errors(stdout);
    expect(lines[0]).toMatch(
      new RegExp(`^::error file=config/dev\\.yaml,line=${line},col=\\d+::aws\\.functions\\.api`),
    );
    expect(lines.at(-1)).toBe('::error::The config has 1 problem; each is annotated at its line.');
    expect(world.aws.requests.entries.length).toBe(awsRequests);
    expect(world.okta.requests).toEqual([]);
    expect(world.github.requests).toEqual([]);
  });

  it('lists every invalid input', async () => {
    world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
    const pull = world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubPreview(world, 'deploy', pullRequestEvent('opened', pull));
    vi.stubEnv('INPUT_MODE', 'create');
    vi.stubEnv('INPUT_ROLE_ARN', 'example-backend-dev-github-preview');
    const stdout = captureStdout();

    await run();

    expect(process.exitCode).toBe(1);
    const lines = errors(stdout);
    expect(lines[0]).toBe(
      '::error::Input "mode" must be one of "deploy", "remove", "sweep" (got "create"). Use deploy when a pull request opens or gets a push, remove when it closes, and sweep on a schedule.',
    );
    expect(lines[1]).toContain('Input "role_arn" must be an IAM role ARN');
    expect(lines[1]).toContain('aws.github.previewRole');
    expect(world.github.requests).toEqual([]);
  });
});
