// The glue composed the way a plan action's entry will compose it: inputs from INPUT_* variables,
// the run context, AWS credentials through OIDC, vendor credentials from Secrets Manager, then the
// plan published to the summary and the pull request. Everything runs against the GitHub and AWS
// stand-ins over HTTP, with the runner's variables in process.env as on a real runner.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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
import type { Plan } from '../../actions/engine/plan-model.ts';
import { summarise } from '../../actions/engine/plan-model.ts';
import {
  assumeRoleWithGitHubOidc,
  createGitHubClient,
  input,
  publishPlan,
  readInputs,
  readRunContext,
  readVendorCredentials,
  runAction,
} from '../../actions/github/index.ts';
import { startServer } from '../helpers/servers.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import { captureStdout, frozenNow, startStandIn } from './helpers.ts';

const roleArn = 'arn:aws:iam::123456789012:role/gitops-dev';
const atlasSecret = 'atlas-client-secret-0123456789';

const planInputs = {
  environment: input.text({
    pattern: /^[a-z][a-z0-9-]*$/,
    rule: 'a config name',
    fix: 'Use the config file name, such as dev.',
  }),
  aws_role_arn: input.roleArn({ fix: 'Set the variable AWS_ROLE_ARN.' }),
  aws_region: input.region({ default: 'us-east-1', fix: 'Use the region of the config.' }),
  credentials_secret: input.text({
    default: 'gitops/dev',
    fix: 'Name the Secrets Manager secret.',
  }),
  github_token: input.text({ secret: true, fix: 'Pass ${{ github.token }}.' }),
};

afterEach(() => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
});

async function startAws() {
  const aws = await startAwsStandIn({ listen: startServer, now: () => frozenNow.getTime() });
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
      RoleName: 'gitops-dev',
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
      RoleName: 'gitops-dev',
      PolicyName: 'read-vendor-credentials',
      PolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
      }),
    }),
  );
  await new SecretsManagerClient(aws.clientConfig()).send(
    new CreateSecretCommand({
      Name: 'gitops/dev',
      SecretString: JSON.stringify({
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        ATLAS_CLIENT_SECRET: atlasSecret,
      }),
    }),
  );
  return aws;
}

function plan(): Plan {
  const resources = [
    {
      address: 'aws.roles.lambda',
      provider: 'aws',
      kind: 'aws:iam:Role',
      name: 'example-backend-dev',
      action: 'create' as const,
      changes: [{ path: 'roleName', before: undefined, after: 'example-backend-dev' }],
      dependsOn: [],
    },
  ];
  return {
    version: 1,
    environment: 'dev',
    prune: false,
    resources,
    pruned: [],
    summary: summarise(resources, []),
    outputs: {},
  };
}

describe('plan action flow', () => {
  it('runs from inputs to the pull request comment', async () => {
    const aws = await startAws();
    const github = await startStandIn();
    const pull = github.addPullRequest({ headRef: 'dev' });
    const summaryPath = join(mkdtempSync(join(tmpdir(), 'gitops-flow-')), 'summary.md');
    writeFileSync(summaryPath, '');
    for (const [name, value] of Object.entries({
      ...github.runnerEnvironment(),
      GITHUB_STEP_SUMMARY: summaryPath,
      INPUT_ENVIRONMENT: 'dev',
      INPUT_AWS_ROLE_ARN: roleArn,
      INPUT_GITHUB_TOKEN: github.token,
    })) {
      vi.stubEnv(name, value);
    }
    const stdout = captureStdout();

    await runAction(async () => {
      const inputs = readInputs(planInputs);
      const context = readRunContext();
      const credentials = await assumeRoleWithGitHubOidc({
        roleArn: inputs.aws_role_arn,
        region: inputs.aws_region,
        context,
        stsEndpoint: aws.url,
      });
      const secretsManager = new SecretsManagerClient({
        ...aws.clientConfig(credentials),
        maxAttempts: 1,
      });
      const vendors = await readVendorCredentials(
        { from: 'secretsManager', secretId: inputs.credentials_secret, client: secretsManager },
        ['atlas'],
      );
      expect(vendors.atlas?.type).toBe('serviceAccount');
      const client = createGitHubClient({ token: inputs.github_token, baseUrl: context.apiUrl });
      await publishPlan({ plan: plan(), context, client });
    });

    expect(process.exitCode).toBeUndefined();
    const comment = [...github.repository().comments.values()].find(
      (item) => item.issueNumber === pull,
    );
    expect(comment?.body).toContain('aws.roles.lambda');
    expect(readFileSync(summaryPath, 'utf8')).toContain('## Plan for `dev`');
    const lines = stdout.lines();
    for (const secret of [github.token, atlasSecret]) {
      // The first line that contains the secret registers it (the whole SecretString counts).
      const first = lines.find((line) => line.includes(secret)) ?? '';
      expect(first.startsWith('::add-mask::'), first.slice(0, 20)).toBe(true);
      expect(lines).toContain(`::add-mask::${secret}`);
    }
  });

  it('stops at invalid inputs before any request', async () => {
    const aws = await startAws();
    const github = await startStandIn();
    for (const [name, value] of Object.entries({
      ...github.runnerEnvironment(),
      INPUT_ENVIRONMENT: 'Dev',
      INPUT_AWS_ROLE_ARN: 'gitops-dev',
      INPUT_GITHUB_TOKEN: github.token,
    })) {
      vi.stubEnv(name, value);
    }
    const stdout = captureStdout();
    const requestsBefore = aws.requests.entries.length;

    await runAction(async () => {
      const inputs = readInputs(planInputs);
      await assumeRoleWithGitHubOidc({
        roleArn: inputs.aws_role_arn,
        region: inputs.aws_region,
        context: readRunContext(),
        stsEndpoint: aws.url,
      });
    });

    expect(process.exitCode).toBe(1);
    expect(stdout.lines().filter((line) => line.startsWith('::error::'))).toEqual([
      '::error::Input "environment" must be a config name (got "Dev"). Use the config file name, such as dev.',
      '::error::Input "aws_role_arn" must be an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME) (got "gitops-dev"). Set the variable AWS_ROLE_ARN.',
      '::error::2 inputs are invalid:',
    ]);
    expect(github.requests).toEqual([]);
    expect(aws.requests.entries.length).toBe(requestsBefore);
  });
});
