// Shared set-up of the action tests. It starts the AWS, Atlas, Okta and GitHub stand-ins on
// 127.0.0.1 on one frozen clock, seeds the AWS account with GitHub's identity provider, a role and
// the credentials secrets, and makes a checkout with the seed config. `stubRunner` sets the
// variables a runner step would have.
import { mkdtempSync, rmSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { expect, vi } from 'vitest';
import { parseDocument } from 'yaml';
import { planPolicy as awsPlanPolicy } from '../../actions/providers/aws/github.ts';
import { awsSchema } from '../../actions/providers/aws/schema.ts';
import { frozenNow, startStandIn } from '../github/helpers.ts';
import { startServer } from '../helpers/servers.ts';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import type { RunDescription } from '../stand-ins/github/index.ts';
import { startOktaStandIn } from '../stand-ins/okta/index.ts';

const repository = new URL('../../', import.meta.url);
export const atlasAccount = {
  clientId: 'mdb_sa_id_actiontest',
  clientSecret: 'mdb_sa_sk_action-test-secret',
};
// The secret names of `aws.github.secretNames` in the seed config.
export const atlasSecret = 'example-backend-dev/atlas';
export const oktaSecret = 'example-backend-dev/okta';

// `core.summary` keeps the first summary path it reads for the whole process, so every test of a
// file shares one summary file and one output file.
const runnerFiles = mkdtempSync(join(tmpdir(), 'gitops-runner-'));

/** Deletes the runner files. Call it once all tests of a file have run. */
export function removeRunnerFiles(): void {
  rmSync(runnerFiles, { recursive: true, force: true });
}

/** Read-only actions, as a plan role has them. */
export const planPolicy = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Action: [
        'iam:Get*',
        'iam:List*',
        'lambda:Get*',
        'lambda:List*',
        'logs:Describe*',
        'logs:List*',
        'budgets:View*',
        'budgets:Describe*',
        'secretsmanager:GetSecretValue',
        'secretsmanager:DescribeSecret',
      ],
      Resource: '*',
    },
  ],
};

/** Every action, as a deploy role that creates the whole environment has them. */
export const deployPolicy = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
};

/** Creates GitHub's identity provider, the role `roleName` and the Atlas and Okta secrets. */
async function seedAws(
  aws: Awaited<ReturnType<typeof startAwsStandIn>>,
  roleName: string,
  policy: object,
  oktaToken: string,
): Promise<void> {
  const iam = new IAMClient(aws.clientConfig());
  await iam.send(
    new CreateOpenIDConnectProviderCommand({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIDList: ['sts.amazonaws.com'],
      ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
    }),
  );
  await iam.send(
    new CreateRoleCommand({
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              Federated:
                'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
            },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
            },
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: roleName,
      PolicyName: 'gitops',
      PolicyDocument: JSON.stringify(policy),
    }),
  );
  iam.destroy();
  const secrets = new SecretsManagerClient(aws.clientConfig());
  await secrets.send(
    new CreateSecretCommand({
      Name: atlasSecret,
      SecretString: JSON.stringify({
        ATLAS_CLIENT_ID: atlasAccount.clientId,
        ATLAS_CLIENT_SECRET: atlasAccount.clientSecret,
      }),
    }),
  );
  await secrets.send(
    new CreateSecretCommand({
      Name: oktaSecret,
      SecretString: JSON.stringify({ OKTA_API_TOKEN: oktaToken }),
    }),
  );
  secrets.destroy();
}

/** Makes a checkout with the seed config and an empty lambda.zip, as `npm run build` leaves it. */
async function checkout(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'gitops-action-'));
  await mkdir(join(root, 'config'));
  // The test account already has GitHub's identity provider, which the role trusts.
  const seed = await readFile(new URL('config/dev.yaml', repository), 'utf8');
  const config = seed.replace(/managed: true/, 'managed: false');
  expect(config).not.toBe(seed);
  await writeFile(join(root, 'config/dev.yaml'), config);
  await mkdir(join(root, 'dist/service'), { recursive: true });
  // An end-of-central-directory record only: an empty zip, enough for the Lambda stand-in.
  const emptyZip = Buffer.alloc(22);
  emptyZip.write('PK\x05\x06', 0, 'binary');
  await writeFile(join(root, 'dist/service/lambda.zip'), emptyZip);
  await mkdir(join(root, 'temp'));
  return root;
}

export type World = Awaited<ReturnType<typeof startWorld>>;

/** What a test may change about the world: the frozen instant and the run that GitHub describes. */
export interface WorldOptions {
  /** The instant every stand-in's clock is frozen at. Default `frozenNow`. */
  readonly at?: Date;
  /** The run the GitHub stand-in's ID tokens and runner variables describe, such as a schedule. */
  readonly run?: Partial<RunDescription>;
}

/** Starts the stand-ins and makes the checkout. `remove` deletes the checkout. */
export async function startWorld(
  role: { name: string; policy: object },
  options: WorldOptions = {},
) {
  const at = options.at ?? frozenNow;
  const now = () => at.getTime();
  const aws = await startAwsStandIn({ listen: startServer, now });
  const atlas = await startAtlasStandIn({
    listen: startServer,
    now,
    serviceAccounts: [atlasAccount],
  });
  const okta = await startOktaStandIn({ listen: startServer, now: () => at, seed: 3 });
  const github = await startStandIn({
    now: () => at,
    ...(options.run === undefined ? {} : { run: options.run }),
  });
  await seedAws(aws, role.name, role.policy, okta.apiToken);
  const root = await checkout();
  return {
    aws,
    atlas,
    okta,
    github,
    root,
    roleArn: `arn:aws:iam::123456789012:role/${role.name}`,
    summaryPath: join(runnerFiles, 'summary.md'),
    outputPath: join(runnerFiles, 'output.txt'),
    /** Counts of write requests each vendor stand-in has received. */
    writes: () => ({
      aws: aws.requests.writes().length,
      atlas: atlas.writes().length,
      okta: okta.requests.filter((request) => request.write).length,
    }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/**
 * Sets the variables a runner step would have: the run's GITHUB_* and ACTIONS_ID_TOKEN_REQUEST_*,
 * the summary and output files, the stand-ins' endpoints and the action's INPUT_* values.
 */
export async function stubRunner(
  world: World,
  inputs: Record<string, string>,
  extra: Record<string, string> = {},
): Promise<void> {
  await writeFile(world.summaryPath, '');
  await writeFile(world.outputPath, '');
  const variables: Record<string, string> = {
    ...world.github.runnerEnvironment(),
    GITHUB_WORKSPACE: world.root,
    GITHUB_STEP_SUMMARY: world.summaryPath,
    GITHUB_OUTPUT: world.outputPath,
    RUNNER_TEMP: join(world.root, 'temp'),
    AWS_ENDPOINT_URL: world.aws.url,
    ATLAS_BASE_URL: world.atlas.url,
    OKTA_ORG_URL: world.okta.url,
    INPUT_ENVIRONMENT: 'dev',
    INPUT_CONFIG_DIR: 'config',
    INPUT_ROLE_ARN: world.roleArn,
    INPUT_AWS_REGION: 'us-east-1',
    INPUT_ATLAS_SECRET: atlasSecret,
    INPUT_OKTA_SECRET: oktaSecret,
    INPUT_GITHUB_TOKEN: world.github.token,
    INPUT_TARGET: 'local',
    INPUT_PARALLELISM: '4',
    ...Object.fromEntries(Object.entries(inputs).map(([name, value]) => [`INPUT_${name}`, value])),
    ...extra,
  };
  for (const [name, value] of Object.entries(variables)) {
    vi.stubEnv(name, value);
  }
  // No static AWS key of the machine may stand in for the OIDC role.
  for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
    vi.stubEnv(name, undefined);
  }
}

/** Reads the value of output `name` from the runner's output file. */
export async function readOutput(world: World, name: string): Promise<string | undefined> {
  const text = await readFile(world.outputPath, 'utf8');
  const match = new RegExp(`^${name}<<(\\S+)\\n([\\s\\S]*?)\\n\\1$`, 'm').exec(text);
  return match?.[2];
}

/**
 * Creates one more role that GitHub's ID tokens of the world may assume, such as a deploy role
 * beside the plan role, and returns its ARN.
 */
export async function addRole(world: World, name: string, policy: object): Promise<string> {
  const iam = new IAMClient(world.aws.clientConfig());
  await iam.send(
    new CreateRoleCommand({
      RoleName: name,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: {
              Federated:
                'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
            },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              StringLike: { 'token.actions.githubusercontent.com:sub': 'repo:octo-org/*' },
            },
          },
        ],
      }),
    }),
  );
  await iam.send(
    new PutRolePolicyCommand({
      RoleName: name,
      PolicyName: 'gitops',
      PolicyDocument: JSON.stringify(policy),
    }),
  );
  iam.destroy();
  return `arn:aws:iam::123456789012:role/${name}`;
}

/**
 * Returns the policy that the AWS provider gives the plan role of the world's `config/dev.yaml`,
 * so a test proves that this role, not a broader one, is enough for the scheduled checks.
 */
export async function configPlanPolicy(world: World): Promise<object> {
  const raw = parseDocument(await readFile(join(world.root, 'config/dev.yaml'), 'utf8')).toJS() as {
    aws: unknown;
  };
  return awsPlanPolicy(
    awsSchema.parse(raw.aws),
    'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
  ) as object;
}
