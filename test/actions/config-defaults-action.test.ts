// The plan and drift actions end to end with the role, Region and secret inputs empty, as the
// workflows pass them when no repository variable overrides them. The actions must then assume
// the plan role that config/dev.yaml declares and read the credentials secrets it names, through
// the real SDKs against the stand-ins on 127.0.0.1.
// NOTE: the Region of config/dev.yaml is us-east-1, the actions' own default too, and the AWS
// stand-in does not record the Region of a request, so these tests do not prove where it came from.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { run as checkDrift } from '../../actions/drift/run.ts';
import { run as plan } from '../../actions/plan/run.ts';
import { captureStdout } from '../github/helpers.ts';
import {
  atlasSecret,
  oktaSecret,
  planPolicy,
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

// The plan role of config/dev.yaml, arn:aws:iam::{aws.accountId}:role/{planRole.roleName}.
const configPlanRole = 'example-backend-dev-github-plan';
const configPlanRoleArn = `arn:aws:iam::123456789012:role/${configPlanRole}`;

/** The role, Region and secret inputs as the workflows pass them without repository variables. */
const emptyOverrides = { ROLE_ARN: '', AWS_REGION: '', ATLAS_SECRET: '', OKTA_SECRET: '' };

/**
 * Empty vendor credential keys, so the actions read the config's secrets even when the machine
 * running the tests has credentials in its environment.
 */
const noVendorKeys = Object.fromEntries(
  [
    'ATLAS_CLIENT_ID',
    'ATLAS_CLIENT_SECRET',
    'ATLAS_PUBLIC_API_KEY',
    'ATLAS_PRIVATE_API_KEY',
    'OKTA_API_TOKEN',
    'OKTA_CLIENT_ID',
    'OKTA_KEY_ID',
    'OKTA_PRIVATE_KEY',
  ].map((name) => [name, '']),
);

/** Returns the RoleArn of each AssumeRoleWithWebIdentity request the AWS stand-in received. */
function assumedRoles(current: World): unknown[] {
  return current.aws.requests.entries
    .filter((entry) => entry.service === 'sts' && entry.operation === 'AssumeRoleWithWebIdentity')
    .map((entry) => entry.params.RoleArn);
}

/** Returns the SecretId of each GetSecretValue request the AWS stand-in received. */
function readSecrets(current: World): unknown[] {
  return current.aws.requests.entries
    .filter((entry) => entry.service === 'secretsmanager' && entry.operation === 'GetSecretValue')
    .map((entry) => entry.params.SecretId);
}

/**
 * Marks the plan role as owned by the dev environment at `aws.githubRoles.plan`, as when the
 * environment created it, so the plan shows no conflict with it.
 */
async function ownPlanRole(current: World): Promise<void> {
  const iam = new IAMClient(current.aws.clientConfig());
  await iam.send(
    new TagRoleCommand({
      RoleName: configPlanRole,
      Tags: [
        { Key: 'gitops:address', Value: 'aws.githubRoles.plan' },
        { Key: 'gitops:environment', Value: 'dev' },
        { Key: 'gitops:managed-by', Value: 'gitops' },
      ],
    }),
  );
  iam.destroy();
}

function errors(lines: string[]): string[] {
  return lines.filter((line) => line.startsWith('::error'));
}

describe('config defaults', () => {
  it('plan assumes the config plan role', async () => {
    world = await startWorld({ name: configPlanRole, policy: planPolicy });
    expect(world.roleArn).toBe(configPlanRoleArn);
    await ownPlanRole(world);
    world.aws.requests.clear();
    world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubRunner(world, emptyOverrides, noVendorKeys);
    const stdout = captureStdout();

    await plan();

    expect(errors(stdout.lines())).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(assumedRoles(world)).toEqual([configPlanRoleArn]);
    expect(readSecrets(world).sort()).toEqual([atlasSecret, oktaSecret]);
  });

  it('plan fails without the config role', async () => {
    world = await startWorld({ name: 'gitops-other-role', policy: planPolicy });
    world.github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    await stubRunner(world, emptyOverrides, noVendorKeys);
    const stdout = captureStdout();

    await plan();

    expect(process.exitCode).toBe(1);
    expect(assumedRoles(world)).toEqual([configPlanRoleArn]);
    expect(readSecrets(world)).toEqual([]);
    expect(errors(stdout.lines()).join('\n')).toContain(configPlanRole);
  });

  it('drift assumes the config plan role', async () => {
    world = await startWorld(
      { name: configPlanRole, policy: planPolicy },
      {
        run: {
          eventName: 'schedule',
          ref: 'refs/heads/main',
          workflow: 'Drift check',
          workflowPath: '.github/workflows/drift.yml',
        },
      },
    );
    const eventPath = join(world.root, 'temp/event.json');
    await writeFile(
      eventPath,
      JSON.stringify({
        schedule: '17 6 * * *',
        repository: { full_name: 'octo-org/example-backend', default_branch: 'main' },
      }),
    );
    await stubRunner(world, emptyOverrides, { ...noVendorKeys, GITHUB_EVENT_PATH: eventPath });
    const stdout = captureStdout();

    await checkDrift();

    expect(errors(stdout.lines())).toEqual([]);
    expect(assumedRoles(world)).toEqual([configPlanRoleArn]);
    expect(readSecrets(world).sort()).toEqual([atlasSecret, oktaSecret]);
  });
});
