// Set-up of the preview action tests: the action-test world with dev applied by the apply action,
// real pull_request and schedule event payloads in GITHUB_EVENT_PATH, and readers of the
// stand-ins' state.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { expect, vi } from 'vitest';
import { run as apply } from '../../actions/apply/run.ts';
import { deployPolicy, startWorld, stubRunner } from '../actions/world.ts';
import type { World } from '../actions/world.ts';
import { captureStdout } from '../github/helpers.ts';

/** The repository of the GitHub stand-in's run, which the role trusts. */
export const repository = 'octo-org/example-backend';

/** The preview role that applying dev creates from `aws.github.previewRole`. */
const generatedRoleName = 'example-backend-dev-github-preview';
/** The role the preview runs with: the generated role's permissions, trusted by the test run. */
export const previewRoleArn = 'arn:aws:iam::123456789012:role/gitops-preview-test';

/**
 * Starts the world and applies the dev config, as a push to dev does before any preview. The
 * apply creates the preview role with its generated permission policy, but its trust policy names
 * the config's placeholder repository. So the test copies those permissions into a role that
 * trusts the stand-in's repository, and previews run with exactly the generated permissions.
 */
export async function startAppliedWorld(): Promise<World> {
  const world = await startWorld({ name: 'gitops-deploy', policy: deployPolicy });
  await stubRunner(world, { GITHUB_TOKEN: '' });
  const stdout = captureStdout();
  await apply();
  expect(stdout.lines().filter((line) => line.startsWith('::error'))).toEqual([]);
  expect(process.exitCode).toBeUndefined();
  vi.unstubAllEnvs();

  const generated = world.aws.state().iam.roles[generatedRoleName];
  expect(Object.keys(generated?.InlinePolicies ?? {})).not.toEqual([]);
  const iam = new IAMClient(world.aws.clientConfig());
  await iam.send(
    new CreateRoleCommand({
      RoleName: 'gitops-preview-test',
      AssumeRolePolicyDocument:
        world.aws.state().iam.roles['gitops-deploy']?.AssumeRolePolicyDocument,
    }),
  );
  for (const [name, document] of Object.entries(generated?.InlinePolicies ?? {})) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'gitops-preview-test',
        PolicyName: name,
        PolicyDocument: document,
      }),
    );
  }
  iam.destroy();
  return world;
}

export type PullRequestAction = 'opened' | 'synchronize' | 'reopened' | 'closed';

/** Builds a pull_request payload as GitHub sends it, with the fields the action reads. */
export function pullRequestEvent(
  action: PullRequestAction,
  number: number,
  options: { headSha?: string; headRepository?: string; baseRef?: string } = {},
) {
  const headRepository = options.headRepository ?? repository;
  return {
    action,
    number,
    pull_request: {
      number,
      state: action === 'closed' ? 'closed' : 'open',
      merged: false,
      head: {
        ref: 'feature',
        sha: options.headSha ?? 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
        repo: { full_name: headRepository },
      },
      base: { ref: options.baseRef ?? 'dev', repo: { full_name: repository } },
    },
    repository: { full_name: repository },
  };
}

/** Builds a schedule payload. */
export function scheduleEvent() {
  return { schedule: '17 4 * * *', repository: { full_name: repository } };
}

/**
 * Sets the runner variables of a preview step: mode, event name and payload. Deploy and remove
 * runs are pull_request runs, whose ref is the merge ref.
 */
export async function stubPreview(
  world: World,
  mode: 'deploy' | 'remove' | 'sweep',
  event: object,
): Promise<void> {
  const eventPath = join(world.root, 'temp/event.json');
  await writeFile(eventPath, JSON.stringify(event));
  const pull = (event as { number?: number }).number;
  await stubRunner(
    world,
    { MODE: mode, ROLE_ARN: previewRoleArn },
    {
      GITHUB_EVENT_NAME: pull === undefined ? 'schedule' : 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_REF: pull === undefined ? 'refs/heads/main' : `refs/pull/${pull}/merge`,
    },
  );
}

/** Replaces the build artifact, as a new commit's `npm run build` does. */
export async function writeArtifact(world: World, content: string): Promise<void> {
  // A zip with a comment: the end-of-central-directory record, then the comment bytes.
  const comment = Buffer.from(content, 'utf8');
  const record = Buffer.alloc(22);
  record.write('PK\x05\x06', 0, 'binary');
  record.writeUInt16LE(comment.length, 20);
  await writeFile(join(world.root, 'dist/service/lambda.zip'), Buffer.concat([record, comment]));
}

/** Marks pull request `number` closed in the GitHub stand-in, as closing it on GitHub does. */
export function closePullRequest(world: World, number: number): void {
  const issue = world.github.repository().issues.get(number);
  if (issue === undefined) throw new Error(`The GitHub stand-in has no pull request #${number}`);
  issue.state = 'closed';
  issue.closedAt = '2026-03-02T09:30:00Z';
}

/** Returns the comments on issue or pull request `number`. */
export function commentsOn(world: World, number: number) {
  return [...world.github.repository().comments.values()].filter(
    (comment) => comment.issueNumber === number,
  );
}

/** Returns the SPA app's redirect URIs and profile, as the Okta stand-in stores them. */
export function spaApp(world: World) {
  const app = world.okta.apps().find((candidate) => candidate.label === 'Hello World (SPA)');
  if (app === undefined) throw new Error('The Okta stand-in has no SPA app');
  const settings = app.settings as { oauthClient: { redirect_uris: string[] } };
  return {
    redirectUris: settings.oauthClient.redirect_uris,
    profile: app.profile as Record<string, unknown>,
  };
}

/** Names of the Okta stand-in's trusted origins. */
export function trustedOriginNames(world: World): string[] {
  return world.okta
    .trustedOrigins()
    .map((origin) => (typeof origin.name === 'string' ? origin.name : ''))
    .sort();
}

/** Names of the AWS stand-in's Lambda functions and log groups. */
export function awsNames(world: World) {
  const state = world.aws.state();
  return {
    functions: Object.keys(state.lambda.functions).sort(),
    logGroups: Object.keys(state.logs.groups).sort(),
  };
}
