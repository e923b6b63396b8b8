// The plan action's run() end to end. It plans the seed config with the real SDKs against the
// AWS (STS, IAM, Secrets Manager), Atlas, Okta and GitHub stand-ins on 127.0.0.1. The runner's
// INPUT_*, GITHUB_* and ACTIONS_ID_TOKEN_REQUEST_* variables are set as on a real runner.
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
import { afterEach, describe, expect, it, vi } from 'vitest';
import { run } from '../../actions/plan/run.ts';
import { captureStdout, frozenNow, startStandIn } from '../github/helpers.ts';
import { startServer } from '../helpers/servers.ts';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import { startOktaStandIn } from '../stand-ins/okta/index.ts';

const repository = new URL('../../', import.meta.url);
const roleArn = 'arn:aws:iam::123456789012:role/gitops-plan';
const atlasAccount = { clientId: 'mdb_sa_id_plantest', clientSecret: 'mdb_sa_sk_plan-test-secret' };

// Read-only actions, as a plan role has them.
const planPolicy = {
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

let workspace: string | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  if (workspace !== undefined) {
    await rm(workspace, { recursive: true, force: true });
    workspace = undefined;
  }
});

/** Creates the account's GitHub identity provider, the plan role and the credentials secret. */
async function seedAws(aws: Awaited<ReturnType<typeof startAwsStandIn>>, oktaToken: string) {
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
      RoleName: 'gitops-plan',
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
      RoleName: 'gitops-plan',
      PolicyName: 'read-only',
      PolicyDocument: JSON.stringify(planPolicy),
    }),
  );
  await new SecretsManagerClient(aws.clientConfig()).send(
    new CreateSecretCommand({
      Name: 'example-backend-dev/credentials',
      SecretString: JSON.stringify({
        ATLAS_CLIENT_ID: atlasAccount.clientId,
        ATLAS_CLIENT_SECRET: atlasAccount.clientSecret,
        OKTA_API_TOKEN: oktaToken,
      }),
    }),
  );
  iam.destroy();
}

/** Makes a checkout with the seed config and an empty lambda.zip, as `npm run build` leaves it. */
async function checkout(): Promise<string> {
  workspace = await mkdtemp(join(tmpdir(), 'gitops-plan-action-'));
  await mkdir(join(workspace, 'config'));
  // This account already has the GitHub identity provider the test's role trusts.
  const seed = await readFile(new URL('config/dev.yaml', repository), 'utf8');
  const config = seed.replace(/managed: true/, 'managed: false');
  expect(config).not.toBe(seed);
  await writeFile(join(workspace, 'config/dev.yaml'), config);
  await mkdir(join(workspace, 'dist/service'), { recursive: true });
  const emptyZip = Buffer.alloc(22);
  emptyZip.write('PK\x05\x06', 0, 'binary');
  await writeFile(join(workspace, 'dist/service/lambda.zip'), emptyZip);
  await mkdir(join(workspace, 'temp'));
  await writeFile(join(workspace, 'temp/summary.md'), '');
  await writeFile(join(workspace, 'temp/output.txt'), '');
  return workspace;
}

describe('plan action', () => {
  it('plans and comments without writes', async () => {
    const now = () => frozenNow.getTime();
    const aws = await startAwsStandIn({ listen: startServer, now });
    const atlas = await startAtlasStandIn({
      listen: startServer,
      now,
      serviceAccounts: [atlasAccount],
    });
    const okta = await startOktaStandIn({ listen: startServer, now: () => frozenNow, seed: 3 });
    const github = await startStandIn();
    await seedAws(aws, okta.apiToken);
    const pull = github.addPullRequest({ headRef: 'feature', baseRef: 'dev' });
    const root = await checkout();
    for (const [name, value] of Object.entries({
      ...github.runnerEnvironment(),
      GITHUB_WORKSPACE: root,
      GITHUB_STEP_SUMMARY: join(root, 'temp/summary.md'),
      GITHUB_OUTPUT: join(root, 'temp/output.txt'),
      RUNNER_TEMP: join(root, 'temp'),
      AWS_ENDPOINT_URL: aws.url,
      ATLAS_BASE_URL: atlas.url,
      OKTA_ORG_URL: okta.url,
      INPUT_ENVIRONMENT: 'dev',
      INPUT_CONFIG_DIR: 'config',
      INPUT_ROLE_ARN: roleArn,
      INPUT_AWS_REGION: 'us-east-1',
      INPUT_CREDENTIALS_SECRET: 'example-backend-dev/credentials',
      INPUT_GITHUB_TOKEN: github.token,
      INPUT_TARGET: 'local',
      INPUT_PARALLELISM: '4',
    })) {
      vi.stubEnv(name, value);
    }
    for (const name of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) {
      vi.stubEnv(name, undefined);
    }
    const writesBefore = aws.requests.writes().length;
    const stdout = captureStdout();

    await run();

    const errors = stdout.lines().filter((line) => line.startsWith('::error'));
    expect(errors).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const comments = [...github.repository().comments.values()].filter(
      (item) => item.issueNumber === pull,
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('aws.roles.lambda');
    expect(await readFile(join(root, 'temp/summary.md'), 'utf8')).toContain('## Plan for `dev`');
    const outputs = await readFile(join(root, 'temp/output.txt'), 'utf8');
    expect(outputs).toMatch(/has_changes<<(\S+)\ntrue\n\1/);
    expect(outputs).toContain(join(root, 'temp/gitops-plan-dev.json'));
    const planJson = JSON.parse(
      await readFile(join(root, 'temp/gitops-plan-dev.json'), 'utf8'),
    ) as { environment: string };
    expect(planJson.environment).toBe('dev');
    expect(aws.requests.writes()).toHaveLength(writesBefore);
    expect(atlas.writes()).toEqual([]);
    expect(okta.requests.filter((request) => request.write)).toEqual([]);
    for (const secret of [github.token, atlasAccount.clientSecret, okta.apiToken]) {
      expect(stdout.lines()).toContain(`::add-mask::${secret}`);
    }
  });
});
