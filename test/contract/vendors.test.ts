// One set of read-only checks run against the stand-ins and, when credentials are set, against
// the real vendors. The checks pin the behaviour the providers rely on (how a missing resource,
// a wrong credential and a list page look), so a stand-in that drifts from its vendor fails here.
// Real clouds are opt-in: GITOPS_CONTRACT_CLOUD=1 plus each vendor's credentials. The checks only
// read, so they are safe on a production account.
import { randomBytes } from 'node:crypto';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { GetFunctionCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { DescribeSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import type { AtlasCredentials } from '../../actions/providers/atlas/auth.ts';
import { AtlasClient, segment } from '../../actions/providers/atlas/client.ts';
import { toProviderError as toAwsError } from '../../actions/providers/aws/errors.ts';
import { createOktaClient } from '../../actions/providers/okta/client.ts';
import { toProviderError as toOktaError } from '../../actions/providers/okta/errors.ts';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import { startOktaStandIn } from '../stand-ins/okta/index.ts';

type Env = Record<string, string | undefined>;

/** Client settings for one vendor on one target. */
interface AwsTarget {
  readonly region: string;
  readonly endpoint?: string;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

interface AtlasTarget {
  readonly baseUrl?: string;
  readonly orgId: string;
  readonly credentials: AtlasCredentials;
}

interface OktaTarget {
  readonly orgUrl: string;
  readonly token: string;
}

const cloudOptIn = process.env.GITOPS_CONTRACT_CLOUD === '1';

/** Reads the AWS settings from `env`, or returns the names of the missing variables. */
function awsFromEnv(env: Env): AwsTarget | string[] {
  const hasCredentials =
    env.AWS_ACCESS_KEY_ID !== undefined ||
    env.AWS_PROFILE !== undefined ||
    env.AWS_WEB_IDENTITY_TOKEN_FILE !== undefined;
  const missing = [
    ...(env.AWS_REGION ? [] : ['AWS_REGION']),
    ...(hasCredentials ? [] : ['AWS_ACCESS_KEY_ID or AWS_PROFILE']),
  ];
  return missing.length > 0 ? missing : { region: env.AWS_REGION! };
}

function atlasFromEnv(env: Env): AtlasTarget | string[] {
  const missing = ['ATLAS_ORG_ID', 'ATLAS_CLIENT_ID', 'ATLAS_CLIENT_SECRET'].filter(
    (name) => !env[name],
  );
  if (missing.length > 0) {
    return missing;
  }
  return {
    orgId: env.ATLAS_ORG_ID!,
    credentials: {
      type: 'serviceAccount',
      clientId: env.ATLAS_CLIENT_ID!,
      clientSecret: env.ATLAS_CLIENT_SECRET!,
    },
  };
}

function oktaFromEnv(env: Env): OktaTarget | string[] {
  const missing = ['OKTA_ORG_URL', 'OKTA_API_TOKEN'].filter((name) => !env[name]);
  return missing.length > 0 ? missing : { orgUrl: env.OKTA_ORG_URL!, token: env.OKTA_API_TOKEN! };
}

const cloud = {
  aws: awsFromEnv(process.env),
  atlas: atlasFromEnv(process.env),
  okta: oktaFromEnv(process.env),
};

/** Returns why the cloud run of a vendor is skipped, or undefined when it runs. */
function skipReason(vendor: keyof typeof cloud): string | undefined {
  const settings = cloud[vendor];
  if (!cloudOptIn) {
    return 'set GITOPS_CONTRACT_CLOUD=1 and the credentials to run it';
  }
  return Array.isArray(settings) ? `missing ${settings.join(', ')}` : undefined;
}

const vendorNames = { aws: 'AWS', atlas: 'Atlas', okta: 'Okta' } as const;

for (const vendor of Object.keys(cloud) as (keyof typeof cloud)[]) {
  const reason = skipReason(vendor);
  if (reason !== undefined) {
    console.warn(`Contract checks against the real ${vendorNames[vendor]} API skipped: ${reason}.`);
  }
}

/** A random name per run, so the not-found checks do not hit an existing resource. */
const missingName = `gitops-contract-missing-${randomBytes(4).toString('hex')}`;

/** Runs `call` and returns what it threw, or fails the test when it did not throw. */
async function failure(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (error) {
    return error;
  }
  throw new Error('The call succeeded, but the check expects it to fail.');
}

function awsChecks(target: () => AwsTarget): void {
  const config = () => ({ ...target(), maxAttempts: 2 });

  it('identifies the caller', async () => {
    const identity = await new STSClient(config()).send(new GetCallerIdentityCommand({}));
    expect(identity.Account).toMatch(/^\d{12}$/);
    expect(identity.Arn).toMatch(/^arn:aws:(iam|sts)::\d{12}:/);
  });

  it('reports a missing role', async () => {
    const error = toAwsError(
      await failure(() =>
        new IAMClient(config()).send(new GetRoleCommand({ RoleName: missingName })),
      ),
      'iam:GetRole',
      missingName,
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.vendorCode).toBe('NoSuchEntity');
  });

  it('reports a missing function', async () => {
    const error = toAwsError(
      await failure(() =>
        new LambdaClient(config()).send(new GetFunctionCommand({ FunctionName: missingName })),
      ),
      'lambda:GetFunction',
      missingName,
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.vendorCode).toBe('ResourceNotFoundException');
  });

  it('reports a missing secret', async () => {
    const error = toAwsError(
      await failure(() =>
        new SecretsManagerClient(config()).send(
          new DescribeSecretCommand({ SecretId: missingName }),
        ),
      ),
      'secretsmanager:DescribeSecret',
      missingName,
    );
    expect(error.code).toBe('NOT_FOUND');
    expect(error.vendorCode).toBe('ResourceNotFoundException');
  });

  it('lists no log groups under an unused prefix', async () => {
    const page = await new CloudWatchLogsClient(config()).send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: `/aws/lambda/${missingName}` }),
    );
    expect(page.logGroups).toEqual([]);
  });

  it('pages the role list', async () => {
    const iam = new IAMClient(config());
    const first = await iam.send(new ListRolesCommand({ MaxItems: 1 }));
    expect(first.Roles).toHaveLength(1);
    // An account set up for the template has at least the execution role and the two GitHub
    // roles, so a page of one role is truncated.
    expect(first.IsTruncated).toBe(true);
    const second = await iam.send(new ListRolesCommand({ MaxItems: 1, Marker: first.Marker }));
    expect(second.Roles?.[0]?.RoleName).not.toBe(first.Roles?.[0]?.RoleName);
  });
}

function atlasChecks(target: () => AtlasTarget): void {
  const client = (credentials = target().credentials) =>
    new AtlasClient({ baseUrl: target().baseUrl, credentials, requestTimeoutMs: 30_000 });

  it('lists the organization projects', async () => {
    const page = await client().request<{ results?: unknown[]; totalCount?: number }>({
      operation: 'listOrganizationProjects',
      method: 'GET',
      path: `/orgs/${segment(target().orgId)}/groups`,
      query: { itemsPerPage: 1 },
    });
    expect(Array.isArray(page?.results)).toBe(true);
    expect(typeof page?.totalCount).toBe('number');
  });

  it('reports a missing project name', async () => {
    const error = await failure(() =>
      client().request({
        operation: 'getProjectByName',
        method: 'GET',
        path: `/groups/byName/${segment(missingName)}`,
      }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_FOUND');
  });

  it('rejects a wrong client secret', async () => {
    const { credentials } = target();
    const wrongSecret = `mdb_sa_sk_${randomBytes(12).toString('hex')}`;
    const wrong: AtlasCredentials =
      credentials.type === 'serviceAccount'
        ? { ...credentials, clientSecret: wrongSecret }
        : { ...credentials, privateKey: wrongSecret };
    const error = await failure(() =>
      client(wrong).request({
        operation: 'listOrganizationProjects',
        method: 'GET',
        path: `/orgs/${segment(target().orgId)}/groups`,
      }),
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('UNAUTHORIZED');
    expect((error as ProviderError).message).not.toContain(wrongSecret);
  });
}

function oktaChecks(target: () => OktaTarget): void {
  const now = () => new Date();

  it('lists applications', async () => {
    const client = createOktaClient(target());
    const apps = await client.sdk.applicationApi.listApplications({ limit: 1 });
    const first = await apps.next();
    expect(first.done === true || typeof first.value?.id === 'string').toBe(true);
  });

  it('reports a missing app', async () => {
    const client = createOktaClient(target());
    const error = toOktaError(
      await failure(() =>
        client.sdk.applicationApi.getApplication({ appId: '0oa0contract0missing0' }),
      ),
      client,
      'read app',
      now,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_FOUND');
    expect((error as ProviderError).vendorCode).toBe('E0000007');
  });

  it('rejects a wrong API token', async () => {
    const wrongToken = `00${randomBytes(20).toString('hex')}`;
    const client = createOktaClient({ orgUrl: target().orgUrl, token: wrongToken });
    const error = toOktaError(
      await failure(() =>
        client.sdk.applicationApi.listApplications({ limit: 1 }).then((apps) => apps.next()),
      ),
      client,
      'list apps',
      now,
    );
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('UNAUTHORIZED');
    expect((error as ProviderError).vendorCode).toBe('E0000011');
    expect(error.message).not.toContain(wrongToken);
  });
}

describe('stand-ins', () => {
  const stops: (() => Promise<void>)[] = [];
  let aws: AwsTarget;
  let atlas: AtlasTarget;
  let okta: OktaTarget;

  beforeAll(async () => {
    const awsStandIn = await startAwsStandIn();
    stops.push(() => awsStandIn.close());
    const awsConfig = awsStandIn.clientConfig();
    aws = {
      region: awsConfig.region,
      endpoint: awsConfig.endpoint,
      credentials: awsConfig.credentials,
    };
    const iam = new IAMClient(awsConfig);
    const lambdaTrust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    for (const roleName of ['contract-first', 'contract-second']) {
      await iam.send(
        new CreateRoleCommand({ RoleName: roleName, AssumeRolePolicyDocument: lambdaTrust }),
      );
    }

    const serviceAccount = { clientId: 'mdb_sa_id_contract', clientSecret: 'mdb_sa_sk_contract' };
    const atlasStandIn = await startAtlasStandIn({ serviceAccounts: [serviceAccount] });
    stops.push(() => atlasStandIn.close());
    atlas = {
      baseUrl: atlasStandIn.url,
      orgId: '000000000000000000000000',
      credentials: { type: 'serviceAccount', ...serviceAccount },
    };

    const oktaStandIn = await startOktaStandIn();
    stops.push(() => oktaStandIn.close());
    okta = { orgUrl: oktaStandIn.url, token: oktaStandIn.apiToken };
  });

  afterAll(async () => {
    await Promise.all(stops.map((stop) => stop()));
  });

  describe('AWS', () => awsChecks(() => aws));
  describe('Atlas', () => atlasChecks(() => atlas));
  describe('Okta', () => oktaChecks(() => okta));
});

describe('real vendors', () => {
  describe.skipIf(skipReason('aws') !== undefined)('AWS', () =>
    awsChecks(() => cloud.aws as AwsTarget),
  );
  describe.skipIf(skipReason('atlas') !== undefined)('Atlas', () =>
    atlasChecks(() => cloud.atlas as AtlasTarget),
  );
  describe.skipIf(skipReason('okta') !== undefined)('Okta', () =>
    oktaChecks(() => cloud.okta as OktaTarget),
  );
});
