// The GitHub preview role against the AWS stand-in, which evaluates the role's inline policy for
// every request. A pull request may create, update and delete `example-backend-dev-pr-<N>` with its
// alias, public URL and log group. It may not change the base function or anything else.
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionConfigurationCommand,
  LambdaClient,
  ListFunctionsCommand,
  ListTagsCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import {
  CreateSecretCommand,
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { githubSubjects, previewPolicy } from '../../actions/providers/aws/github.ts';
import type { AwsSection } from '../../actions/providers/aws/index.ts';
import type { AwsStandIn, StandInCredentials } from '../stand-ins/aws/index.ts';
import { evaluateIdentityPolicies } from '../stand-ins/aws/policy.ts';
import type { PolicyDocument } from '../stand-ins/aws/policy.ts';
import {
  ManualClock,
  applySection,
  artifactRoot,
  devSection,
  startTestStandIn,
  testContext,
  testProvider,
  zipWithComment,
} from './helpers.ts';

const github: NonNullable<AwsSection['github']> = {
  repository: 'octo-org/octo-repo',
  repositoryOwnerId: 123456,
  repositoryId: 456789,
  branch: 'dev',
  defaultBranch: 'main',
  environment: 'dev',
  pullRequests: true,
  oidcProvider: { managed: true },
  planRole: { roleName: 'octo-dev-plan' },
  deployRole: { roleName: 'octo-dev-deploy' },
  previewRole: { roleName: 'octo-dev-preview' },
  secretNames: ['octo/dev/okta'],
};

const account = '123456789012';
const executionRole = `arn:aws:iam::${account}:role/example-backend-dev`;
const lambdaArn = (name: string) => `arn:aws:lambda:us-east-1:${account}:function:${name}`;
const logGroupArn = (name: string) =>
  `arn:aws:logs:us-east-1:${account}:log-group:/aws/lambda/${name}`;

/** Builds an unsigned GitHub-style OIDC token; the stand-in reads the claims without the signature. */
function token(clock: ManualClock, sub: string): string {
  const payload = {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    exp: Math.floor(clock.now() / 1000) + 300,
    repository: 'octo-org/octo-repo',
    sub,
  };
  return `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.signature`;
}

/** Returns credentials of the preview role for `sub`, or the error code STS returned. */
async function assumePreview(
  standIn: AwsStandIn,
  clock: ManualClock,
  sub: string,
): Promise<StandInCredentials | string> {
  const sts = new STSClient({ ...standIn.clientConfig(), maxAttempts: 1 });
  try {
    const output = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::${account}:role/octo-dev-preview`,
        RoleSessionName: 'github-preview',
        WebIdentityToken: token(clock, sub),
      }),
    );
    return {
      accessKeyId: output.Credentials?.AccessKeyId ?? '',
      secretAccessKey: output.Credentials?.SecretAccessKey ?? '',
      sessionToken: output.Credentials?.SessionToken ?? '',
    };
  } catch (error) {
    return (error as { Code?: string; name: string }).Code ?? (error as Error).name;
  }
}

/** Applies the dev section with the preview role as admin and creates the run-time secret. */
async function bootstrap() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const artifact = artifactRoot();
  const admin = testProvider(standIn, { artifactRoot: artifact.root });
  await applySection(admin, devSection({ github }), testContext(clock));
  const secrets = new SecretsManagerClient({ ...standIn.clientConfig(), maxAttempts: 1 });
  await secrets.send(new CreateSecretCommand({ Name: 'octo/dev/okta', SecretString: '{}' }));
  return { clock, standIn };
}

/** Clients that act as the preview role, assumed for a pull request. */
async function previewClients() {
  const { clock, standIn } = await bootstrap();
  const credentials = await assumePreview(standIn, clock, 'repo:octo-org/octo-repo:pull_request');
  if (typeof credentials === 'string') {
    throw new Error(`could not assume octo-dev-preview: ${credentials}`);
  }
  const config = { ...standIn.clientConfig(credentials), maxAttempts: 1 };
  return {
    clock,
    standIn,
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    iam: new IAMClient(config),
    secrets: new SecretsManagerClient(config),
  };
}

function outcome(promise: Promise<unknown>): Promise<string> {
  return promise.then(
    () => 'allowed',
    (error: { Code?: string; name: string }) => error.Code ?? error.name,
  );
}

function createPreview(lambda: LambdaClient, name: string, role = executionRole) {
  return lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: role,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: zipWithComment('preview') },
      Tags: { 'gitops:preview': '7' },
    }),
  );
}

describe('GitHub preview role', () => {
  it('lists subjects in name and id form', () => {
    expect(githubSubjects(github, 'preview')).toEqual([
      'repo:octo-org/octo-repo:pull_request',
      'repo:octo-org/octo-repo:ref:refs/heads/main',
      'repo:octo-org@123456/octo-repo@456789:pull_request',
      'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main',
    ]);
  });

  it.each([
    ['repo:octo-org/octo-repo:pull_request', 'credentials'],
    ['repo:octo-org@123456/octo-repo@456789:pull_request', 'credentials'],
    ['repo:octo-org/octo-repo:ref:refs/heads/main', 'credentials'],
    ['repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main', 'credentials'],
    ['repo:octo-org/octo-repo:ref:refs/heads/dev', 'AccessDenied'],
    ['repo:octo-org/octo-repo:environment:dev', 'AccessDenied'],
    ['repo:other-org/octo-repo:pull_request', 'AccessDenied'],
  ])('assumes for %s: %s', async (sub, expected) => {
    const { clock, standIn } = await bootstrap();

    const result = await assumePreview(standIn, clock, sub);

    expect(typeof result === 'string' ? result : 'credentials').toBe(expected);
  });

  it('creates a preview with its URL and logs', async () => {
    const { lambda, logs, secrets, standIn } = await previewClients();

    const base = await lambda.send(
      new GetFunctionConfigurationCommand({
        FunctionName: 'example-backend-dev',
        Qualifier: 'live',
      }),
    );
    const created = await outcome(createPreview(lambda, 'example-backend-dev-pr-7', base.Role));
    const alias = await outcome(
      lambda.send(
        new CreateAliasCommand({
          FunctionName: 'example-backend-dev-pr-7',
          Name: 'live',
          FunctionVersion: '$LATEST',
        }),
      ),
    );
    const url = await outcome(
      lambda.send(
        new CreateFunctionUrlConfigCommand({
          FunctionName: 'example-backend-dev-pr-7',
          Qualifier: 'live',
          AuthType: 'NONE',
        }),
      ),
    );
    const permission = await outcome(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'example-backend-dev-pr-7',
          Qualifier: 'live',
          StatementId: 'FunctionUrlAllowPublicAccess',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          FunctionUrlAuthType: 'NONE',
        }),
      ),
    );
    const logGroup = await outcome(
      logs.send(
        new CreateLogGroupCommand({ logGroupName: '/aws/lambda/example-backend-dev-pr-7' }),
      ),
    );
    const retention = await outcome(
      logs.send(
        new PutRetentionPolicyCommand({
          logGroupName: '/aws/lambda/example-backend-dev-pr-7',
          retentionInDays: 14,
        }),
      ),
    );
    const secret = await outcome(
      secrets.send(new GetSecretValueCommand({ SecretId: 'octo/dev/okta' })),
    );

    expect(base.Role).toBe(executionRole);
    expect(created).toBe('allowed');
    expect(alias).toBe('allowed');
    expect(url).toBe('allowed');
    expect(permission).toBe('allowed');
    expect(logGroup).toBe('allowed');
    expect(retention).toBe('allowed');
    expect(secret).toBe('allowed');
    expect(Object.keys(standIn.state().lambda.functions).sort()).toEqual([
      'example-backend-dev',
      'example-backend-dev-pr-7',
    ]);
  });

  it('sweeps a preview from the default branch', async () => {
    const { clock, standIn, lambda: pullRequest } = await previewClients();
    await createPreview(pullRequest, 'example-backend-dev-pr-7');
    const credentials = await assumePreview(
      standIn,
      clock,
      'repo:octo-org/octo-repo:ref:refs/heads/main',
    );
    if (typeof credentials === 'string') {
      throw new Error(`could not assume octo-dev-preview: ${credentials}`);
    }
    const config = { ...standIn.clientConfig(credentials), maxAttempts: 1 };
    const lambda = new LambdaClient(config);
    const logs = new CloudWatchLogsClient(config);
    const admin = new CloudWatchLogsClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    await admin.send(
      new CreateLogGroupCommand({ logGroupName: '/aws/lambda/example-backend-dev-pr-7' }),
    );

    const listed = await lambda.send(new ListFunctionsCommand({}));
    const tags = await lambda.send(
      new ListTagsCommand({ Resource: lambdaArn('example-backend-dev-pr-7') }),
    );
    const deleted = await outcome(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'example-backend-dev-pr-7' })),
    );
    const logGroup = await outcome(
      logs.send(
        new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/example-backend-dev-pr-7' }),
      ),
    );

    expect(listed.Functions?.map((fn) => fn.FunctionName)).toEqual([
      'example-backend-dev',
      'example-backend-dev-pr-7',
    ]);
    expect(tags.Tags).toEqual({ 'gitops:preview': '7' });
    expect(deleted).toBe('allowed');
    expect(logGroup).toBe('allowed');
    expect(Object.keys(standIn.state().lambda.functions)).toEqual(['example-backend-dev']);
  });

  it('keeps the base function unchanged', async () => {
    const { clock, lambda, logs } = await previewClients();

    const code = await outcome(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'example-backend-dev',
          ZipFile: zipWithComment('pr'),
        }),
      ),
    );
    clock.advance(1);
    const configuration = await outcome(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'example-backend-dev',
          MemorySize: 1024,
        }),
      ),
    );
    const alias = await outcome(
      lambda.send(
        new UpdateAliasCommand({
          FunctionName: 'example-backend-dev',
          Name: 'live',
          FunctionVersion: '$LATEST',
        }),
      ),
    );
    const permission = await outcome(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'example-backend-dev',
          StatementId: 'open',
          Action: 'lambda:InvokeFunction',
          Principal: '*',
        }),
      ),
    );
    const deleted = await outcome(
      lambda.send(new DeleteFunctionCommand({ FunctionName: 'example-backend-dev' })),
    );
    const logGroup = await outcome(
      logs.send(new DeleteLogGroupCommand({ logGroupName: '/aws/lambda/example-backend-dev' })),
    );

    expect(code).toBe('AccessDeniedException');
    expect(configuration).toBe('AccessDeniedException');
    expect(alias).toBe('AccessDeniedException');
    expect(permission).toBe('AccessDeniedException');
    expect(deleted).toBe('AccessDeniedException');
    expect(logGroup).toBe('AccessDeniedException');
  });

  it('rejects other names, roles and IAM writes', async () => {
    const { lambda, logs, iam } = await previewClients();

    const otherFunction = await outcome(createPreview(lambda, 'someone-else-pr-7'));
    const otherRole = await outcome(
      createPreview(
        lambda,
        'example-backend-dev-pr-8',
        `arn:aws:iam::${account}:role/octo-dev-deploy`,
      ),
    );
    const otherLogGroup = await outcome(
      logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/someone-else-pr-7' })),
    );
    const selfEdit = await outcome(
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'octo-dev-preview',
          PolicyName: 'more',
          PolicyDocument:
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        }),
      ),
    );

    expect(otherFunction).toBe('AccessDeniedException');
    expect(otherRole).toBe('AccessDeniedException');
    expect(otherLogGroup).toBe('AccessDeniedException');
    expect(selfEdit).toBe('AccessDenied');
  });
});

describe('previewPolicy', () => {
  const document = previewPolicy(
    devSection({ github }),
    `arn:aws:iam::${account}:oidc-provider/token.actions.githubusercontent.com`,
  ) as unknown as PolicyDocument;
  const decide = (action: string, resource: string, context: Record<string, string> = {}) =>
    evaluateIdentityPolicies([document], action, resource, context);

  it.each([
    ['lambda:CreateFunction', lambdaArn('example-backend-dev-pr-7'), 'allow'],
    ['lambda:UpdateFunctionCode', lambdaArn('example-backend-dev-pr-7'), 'allow'],
    ['lambda:UpdateAlias', `${lambdaArn('example-backend-dev-pr-7')}:live`, 'allow'],
    ['lambda:DeleteFunctionUrlConfig', `${lambdaArn('example-backend-dev-pr-7')}:live`, 'allow'],
    ['lambda:GetFunctionConfiguration', `${lambdaArn('example-backend-dev')}:live`, 'allow'],
    ['lambda:ListFunctions', '*', 'allow'],
    ['logs:PutRetentionPolicy', `${logGroupArn('example-backend-dev-pr-7')}:*`, 'allow'],
    ['lambda:UpdateFunctionCode', lambdaArn('example-backend-dev'), 'implicit-deny'],
    ['lambda:UpdateAlias', `${lambdaArn('example-backend-dev')}:live`, 'implicit-deny'],
    ['lambda:PutFunctionConcurrency', lambdaArn('example-backend-dev-pr-7'), 'implicit-deny'],
    ['logs:PutRetentionPolicy', `${logGroupArn('example-backend-dev')}:*`, 'implicit-deny'],
    ['iam:CreateRole', `arn:aws:iam::${account}:role/example-backend-dev-pr-7`, 'implicit-deny'],
    [
      'budgets:ModifyBudget',
      `arn:aws:budgets::${account}:budget/example-backend-dev-monthly`,
      'implicit-deny',
    ],
  ])('decides %s on %s: %s', (action, resource, expected) => {
    expect(decide(action, resource)).toBe(expected);
  });

  it('passes the execution role only to lambda', () => {
    const toLambda = decide('iam:PassRole', executionRole, {
      'iam:passedtoservice': 'lambda.amazonaws.com',
    });
    const toEc2 = decide('iam:PassRole', executionRole, {
      'iam:passedtoservice': 'ec2.amazonaws.com',
    });
    const otherRole = decide('iam:PassRole', `arn:aws:iam::${account}:role/octo-dev-deploy`, {
      'iam:passedtoservice': 'lambda.amazonaws.com',
    });

    expect(toLambda).toBe('allow');
    expect(toEc2).toBe('implicit-deny');
    expect(otherRole).toBe('implicit-deny');
  });

  it('grants exactly the preview actions', () => {
    const functionReads = [
      'lambda:GetAlias',
      'lambda:GetFunction',
      'lambda:GetFunctionConfiguration',
      'lambda:GetFunctionUrlConfig',
      'lambda:GetPolicy',
      'lambda:ListTags',
      'lambda:ListVersionsByFunction',
    ];

    expect(document.Statement).toEqual([
      {
        Sid: 'ReadBaseFunctions',
        Effect: 'Allow',
        Action: functionReads,
        Resource: [lambdaArn('example-backend-dev'), `${lambdaArn('example-backend-dev')}:*`],
      },
      { Sid: 'ListFunctions', Effect: 'Allow', Action: ['lambda:ListFunctions'], Resource: ['*'] },
      {
        Sid: 'ManagePreviewFunctions',
        Effect: 'Allow',
        Action: [
          'lambda:AddPermission',
          'lambda:CreateAlias',
          'lambda:CreateFunction',
          'lambda:CreateFunctionUrlConfig',
          'lambda:DeleteAlias',
          'lambda:DeleteFunction',
          'lambda:DeleteFunctionUrlConfig',
          ...functionReads.slice(0, 5),
          'lambda:ListTags',
          'lambda:ListVersionsByFunction',
          'lambda:PublishVersion',
          'lambda:RemovePermission',
          'lambda:TagResource',
          'lambda:UntagResource',
          'lambda:UpdateAlias',
          'lambda:UpdateFunctionCode',
          'lambda:UpdateFunctionConfiguration',
          'lambda:UpdateFunctionUrlConfig',
        ],
        Resource: [lambdaArn('example-backend-dev-pr-*')],
      },
      {
        Sid: 'PassExecutionRolesToLambda',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: [executionRole],
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
      {
        Sid: 'DescribeLogGroups',
        Effect: 'Allow',
        Action: ['logs:DescribeLogGroups'],
        Resource: [`arn:aws:logs:us-east-1:${account}:log-group:*`],
      },
      {
        Sid: 'ManagePreviewLogGroups',
        Effect: 'Allow',
        Action: [
          'logs:CreateLogGroup',
          'logs:DeleteLogGroup',
          'logs:DeleteRetentionPolicy',
          'logs:ListTagsForResource',
          'logs:PutRetentionPolicy',
          'logs:TagResource',
          'logs:UntagResource',
        ],
        Resource: [logGroupArn('example-backend-dev-pr-*')],
      },
      {
        Sid: 'ReadRunTimeSecrets',
        Effect: 'Allow',
        Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'],
        Resource: [`arn:aws:secretsmanager:us-east-1:${account}:secret:octo/dev/okta-??????`],
      },
    ]);
  });

  it('grants no IAM write action', () => {
    const actions = document.Statement.flatMap((statement) => statement.Action ?? []);

    expect(actions.filter((action) => action.startsWith('iam:'))).toEqual(['iam:PassRole']);
  });
});
