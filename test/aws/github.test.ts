import {
  GetOpenIDConnectProviderCommand,
  IAMClient,
  AttachRolePolicyCommand,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { AssumeRoleWithWebIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { githubSubjects, githubTrustPolicy } from '../../actions/providers/aws/github.ts';
import type { AwsSection } from '../../actions/providers/aws/index.ts';
import type { AwsStandIn, StandInCredentials } from '../stand-ins/aws/index.ts';
import {
  ManualClock,
  applySection,
  artifactRoot,
  devSection,
  observeSection,
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
  secretNames: ['octo/dev/atlas'],
};

function section(): AwsSection {
  return devSection({ github });
}

/** Builds an unsigned GitHub-style OIDC token; the stand-in reads the claims without the signature. */
function token(clock: ManualClock, claims: Record<string, unknown>): string {
  const payload = {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    exp: Math.floor(clock.now() / 1000) + 300,
    repository: 'octo-org/octo-repo',
    ...claims,
  };
  return `${Buffer.from('{"alg":"RS256"}').toString('base64url')}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.signature`;
}

async function assume(
  standIn: AwsStandIn,
  clock: ManualClock,
  role: string,
  claims: Record<string, unknown>,
): Promise<StandInCredentials | string> {
  const sts = new STSClient({
    region: 'us-east-1',
    endpoint: standIn.url,
    maxAttempts: 1,
    credentials: { accessKeyId: 'unused', secretAccessKey: 'unused' },
  });
  try {
    const output = await sts.send(
      new AssumeRoleWithWebIdentityCommand({
        RoleArn: `arn:aws:iam::123456789012:role/${role}`,
        RoleSessionName: 'github-run',
        WebIdentityToken: token(clock, claims),
      }),
    );
    const credentials = output.Credentials;
    return {
      accessKeyId: credentials?.AccessKeyId ?? '',
      secretAccessKey: credentials?.SecretAccessKey ?? '',
      sessionToken: credentials?.SessionToken ?? '',
    };
  } catch (error) {
    return (error as { Code?: string; name: string }).Code ?? (error as Error).name;
  }
}

async function bootstrap() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const artifact = artifactRoot();
  const admin = testProvider(standIn, { artifactRoot: artifact.root });
  const outputs = await applySection(admin, section(), testContext(clock));
  return { clock, standIn, artifact, outputs };
}

async function credentialsFor(
  standIn: AwsStandIn,
  clock: ManualClock,
  role: string,
  sub: string,
): Promise<StandInCredentials> {
  const credentials = await assume(standIn, clock, role, { sub });
  if (typeof credentials === 'string') {
    throw new Error(`could not assume ${role}: ${credentials}`);
  }
  return credentials;
}

describe('GitHub OIDC roles', () => {
  it('lists subjects in name and id form', () => {
    expect(githubSubjects(github, 'plan')).toEqual([
      'repo:octo-org/octo-repo:environment:dev',
      'repo:octo-org/octo-repo:pull_request',
      'repo:octo-org/octo-repo:ref:refs/heads/dev',
      'repo:octo-org/octo-repo:ref:refs/heads/main',
      'repo:octo-org@123456/octo-repo@456789:environment:dev',
      'repo:octo-org@123456/octo-repo@456789:pull_request',
      'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/dev',
      'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main',
    ]);
    // Only the environment, so its required reviewers always apply to a deploy.
    expect(githubSubjects(github, 'deploy')).toEqual([
      'repo:octo-org/octo-repo:environment:dev',
      'repo:octo-org@123456/octo-repo@456789:environment:dev',
    ]);
    expect(githubSubjects({ ...github, pullRequests: false }, 'plan')).not.toContain(
      'repo:octo-org/octo-repo:pull_request',
    );
  });

  it('lists the default branch once', () => {
    const subjects = githubSubjects({ ...github, defaultBranch: 'dev' }, 'plan');

    expect(subjects.filter((subject) => subject.endsWith(':ref:refs/heads/dev'))).toHaveLength(2);
    expect(subjects.some((subject) => subject.endsWith(':ref:refs/heads/main'))).toBe(false);
  });

  it('trusts exact subjects and audience', () => {
    const document = JSON.stringify(
      githubTrustPolicy(
        'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        githubSubjects(github, 'deploy'),
      ),
    );
    expect(document).not.toContain('*');
    expect(document).not.toContain('StringLike');
    expect(document).toContain('"token.actions.githubusercontent.com:aud":"sts.amazonaws.com"');
  });

  it('creates the provider and the roles', async () => {
    const { standIn, outputs } = await bootstrap();
    const iam = new IAMClient({ ...standIn.clientConfig(), maxAttempts: 1 });

    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({
        OpenIDConnectProviderArn: String(outputs.get('aws.oidcProviders.github')?.arn),
      }),
    );
    const roles = standIn.state().iam.roles;

    expect(provider.Url).toBe('token.actions.githubusercontent.com');
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(provider.Tags).toContainEqual({
      Key: 'gitops:address',
      Value: 'aws.oidcProviders.github',
    });
    expect(Object.keys(roles['octo-dev-plan']?.InlinePolicies ?? {})).toEqual(['gitops-plan']);
    expect(Object.keys(roles['octo-dev-deploy']?.InlinePolicies ?? {})).toEqual(['gitops-deploy']);
    expect(Object.keys(roles['octo-dev-preview']?.InlinePolicies ?? {})).toEqual([
      'gitops-preview',
    ]);
  });

  it.each([
    ['octo-dev-plan', 'repo:octo-org/octo-repo:ref:refs/heads/dev', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/dev', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org/octo-repo:pull_request', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org/octo-repo:environment:dev', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org/octo-repo:ref:refs/heads/main', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org@123456/octo-repo@456789:ref:refs/heads/main', 'credentials'],
    ['octo-dev-plan', 'repo:octo-org/octo-repo:ref:refs/heads/feature', 'AccessDenied'],
    ['octo-dev-plan', 'repo:other-org/octo-repo:ref:refs/heads/dev', 'AccessDenied'],
    ['octo-dev-deploy', 'repo:octo-org/octo-repo:ref:refs/heads/dev', 'AccessDenied'],
    ['octo-dev-deploy', 'repo:octo-org@123456/octo-repo@456789:environment:dev', 'credentials'],
    ['octo-dev-deploy', 'repo:octo-org/octo-repo:pull_request', 'AccessDenied'],
    ['octo-dev-deploy', 'repo:octo-org/octo-repo:ref:refs/heads/main', 'AccessDenied'],
    ['octo-dev-deploy', 'repo:octo-org/octo-repo:environment:prod', 'AccessDenied'],
  ])('lets %s assume for %s: %s', async (role, sub, expected) => {
    const { clock, standIn } = await bootstrap();

    const result = await assume(standIn, clock, role, { sub });

    expect(typeof result === 'string' ? result : 'credentials').toBe(expected);
  });

  it('rejects a token for another audience', async () => {
    const { clock, standIn } = await bootstrap();

    const result = await assume(standIn, clock, 'octo-dev-plan', {
      sub: 'repo:octo-org/octo-repo:ref:refs/heads/dev',
      aud: 'https://github.com/octo-org',
    });

    expect(result).toBe('InvalidIdentityToken');
  });

  it('plans with the read-only role', async () => {
    const { clock, standIn, artifact, outputs } = await bootstrap();
    const credentials = await credentialsFor(
      standIn,
      clock,
      'octo-dev-plan',
      'repo:octo-org/octo-repo:pull_request',
    );
    const plan = testProvider(standIn, { artifactRoot: artifact.root, credentials });
    standIn.requests.clear();

    const report = await observeSection(plan, section(), testContext(clock), outputs);
    const listed = await plan.handlers['aws:lambda:Function']?.list?.(testContext(clock));

    expect(
      Object.values(report).every((fields) => Array.isArray(fields) && fields.length === 0),
    ).toBe(true);
    expect(listed?.map((item) => item.address)).toEqual(['aws.functions.api']);
    expect(
      standIn.requests.entries.filter(
        (entry) =>
          entry.errorCode === 'AccessDenied' || entry.errorCode === 'AccessDeniedException',
      ),
    ).toEqual([]);
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('keeps the plan role from writing', async () => {
    const { clock, standIn } = await bootstrap();
    const credentials = await credentialsFor(
      standIn,
      clock,
      'octo-dev-plan',
      'repo:octo-org/octo-repo:pull_request',
    );
    const lambda = new LambdaClient({ ...standIn.clientConfig(credentials), maxAttempts: 1 });

    const denied = await lambda
      .send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'example-backend-dev',
          MemorySize: 1024,
        }),
      )
      .then(
        () => 'allowed',
        (error: Error) => error.name,
      );

    expect(denied).toBe('AccessDeniedException');
  });

  it('deploys with the deploy role', async () => {
    const { clock, standIn, artifact, outputs } = await bootstrap();
    const credentials = await credentialsFor(
      standIn,
      clock,
      'octo-dev-deploy',
      'repo:octo-org/octo-repo:environment:dev',
    );
    const deploy = testProvider(standIn, { artifactRoot: artifact.root, credentials });
    artifact.write('v2');
    const changed = section();
    const api = changed.functions?.api;
    if (api !== undefined) {
      api.memorySize = 1024;
    }
    standIn.requests.clear();

    await applySection(deploy, changed, testContext(clock));
    const report = await observeSection(deploy, changed, testContext(clock), outputs);

    expect(standIn.requests.entries.filter((entry) => entry.errorCode !== undefined)).toEqual([]);
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateFunctionConfiguration',
      'UpdateFunctionCode',
      'PublishVersion',
      'UpdateAlias',
    ]);
    expect(
      Object.values(report).every((fields) => Array.isArray(fields) && fields.length === 0),
    ).toBe(true);
  });

  it('scopes the deploy role to the config', async () => {
    const { clock, standIn } = await bootstrap();
    const credentials = await credentialsFor(
      standIn,
      clock,
      'octo-dev-deploy',
      'repo:octo-org/octo-repo:environment:dev',
    );
    const config = { ...standIn.clientConfig(credentials), maxAttempts: 1 };
    const admin = new LambdaClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    const lambda = new LambdaClient(config);
    const iam = new IAMClient(config);
    const outcome = (promise: Promise<unknown>) =>
      promise.then(
        () => 'allowed',
        (error: { Code?: string; name: string }) => error.Code ?? error.name,
      );
    const other = (
      await admin.send(new GetFunctionCommand({ FunctionName: 'example-backend-dev' }))
    ).Configuration;
    await admin.send(
      new CreateFunctionCommand({
        FunctionName: 'someone-elses',
        Role: other?.Role,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: zipWithComment('x') },
      }),
    );

    const ownCode = await outcome(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'example-backend-dev',
          ZipFile: zipWithComment('v3'),
        }),
      ),
    );
    const otherCode = await outcome(
      lambda.send(
        new UpdateFunctionCodeCommand({
          FunctionName: 'someone-elses',
          ZipFile: zipWithComment('v3'),
        }),
      ),
    );
    clock.advance(1);
    const passOtherRole = await outcome(
      lambda.send(
        new UpdateFunctionConfigurationCommand({
          FunctionName: 'example-backend-dev',
          Role: 'arn:aws:iam::123456789012:role/octo-dev-deploy',
        }),
      ),
    );
    const escalate = await outcome(
      iam.send(
        new AttachRolePolicyCommand({
          RoleName: 'example-backend-dev',
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      ),
    );
    const listed = await outcome(
      iam.send(
        new AttachRolePolicyCommand({
          RoleName: 'example-backend-dev',
          PolicyArn: 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
        }),
      ),
    );
    const selfEdit = await outcome(
      iam.send(
        new PutRolePolicyCommand({
          RoleName: 'octo-dev-deploy',
          PolicyName: 'more',
          PolicyDocument:
            '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"*","Resource":"*"}]}',
        }),
      ),
    );

    expect(ownCode).toBe('allowed');
    expect(otherCode).toBe('AccessDeniedException');
    expect(passOtherRole).toBe('AccessDeniedException');
    expect(escalate).toBe('AccessDenied');
    expect(listed).toBe('allowed');
    expect(selfEdit).toBe('AccessDenied');
  });
});
