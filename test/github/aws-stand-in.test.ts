// The OIDC path end to end against the project's AWS stand-in: an IAM OIDC identity provider for
// GitHub, a role whose trust policy conditions on `aud` and `sub`, and a Secrets Manager secret the
// role may read. The minimal responder in aws-responder.ts checks token signatures, which this
// stand-in does not. This file checks IAM's trust and permission rules, which the responder lacks.
import {
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  IAMClient,
  PutRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { CreateSecretCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { assumeRoleWithGitHubOidc } from '../../actions/github/aws-credentials.ts';
import { readRunContext } from '../../actions/github/context.ts';
import { readVendorCredentials } from '../../actions/github/vendor-credentials.ts';
import { startServer } from '../helpers/servers.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import type { RunDescription } from '../stand-ins/github/index.ts';
import { frozenNow, startStandIn } from './helpers.ts';

const roleName = 'gitops-dev';
const roleArn = `arn:aws:iam::123456789012:role/${roleName}`;
const providerArn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

afterEach(() => {
  vi.unstubAllEnvs();
});

async function setUp(options: { run?: Partial<RunDescription>; secretAccess?: boolean } = {}) {
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
      RoleName: roleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Federated: providerArn },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: {
                'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
                'token.actions.githubusercontent.com:sub':
                  'repo:octo-org/example-backend:environment:dev',
              },
            },
          },
        ],
      }),
    }),
  );
  if (options.secretAccess ?? true) {
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: roleName,
        PolicyName: 'read-vendor-credentials',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Action: 'secretsmanager:GetSecretValue',
              Resource: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:gitops/dev-*',
            },
          ],
        }),
      }),
    );
  }
  await new SecretsManagerClient(aws.clientConfig()).send(
    new CreateSecretCommand({
      Name: 'gitops/dev',
      SecretString: JSON.stringify({
        ATLAS_CLIENT_ID: 'mdb_sa_id_0123',
        ATLAS_CLIENT_SECRET: 'atlas-client-secret-0123456789',
      }),
    }),
  );

  const github = await startStandIn({ run: { environment: 'dev', ...options.run } });
  const env = github.runnerEnvironment();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return { aws, env, context: readRunContext(env) };
}

describe('OIDC against the AWS stand-in', () => {
  it('assumes the role and reads the secret', async () => {
    const { aws, env, context } = await setUp();

    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });
    const client = new SecretsManagerClient({ ...aws.clientConfig(credentials), maxAttempts: 1 });
    const result = await readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas'],
    );

    expect(credentials.accessKeyId).toMatch(/^ASIA/);
    expect(result.atlas).toEqual({
      type: 'serviceAccount',
      clientId: 'mdb_sa_id_0123',
      clientSecret: 'atlas-client-secret-0123456789',
    });
    const session = aws.state().sts.sessions[credentials.accessKeyId];
    expect(session?.Arn).toBe(
      'arn:aws:sts::123456789012:assumed-role/gitops-dev/octo-org-example-backend-8000000001',
    );
  });

  it('rejects another environment by its subject', async () => {
    const { aws, env, context } = await setUp({ run: { environment: 'prod' } });

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
      maxAttempts: 1,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_AWS_ASSUME_ROLE' });
    await expect(attempt).rejects.toThrow(
      /failed with AccessDenied.*sub "repo:octo-org\/example-backend:environment:prod"/,
    );
  });

  it('explains a role that may not read the secret', async () => {
    const { aws, env, context } = await setUp({ secretAccess: false });
    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });
    const client = new SecretsManagerClient({ ...aws.clientConfig(credentials), maxAttempts: 1 });

    const attempt = readVendorCredentials(
      { from: 'secretsManager', secretId: 'gitops/dev', client },
      ['atlas'],
    );

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_SECRET_READ' });
    await expect(attempt).rejects.toThrow(
      /failed with AccessDeniedException: .*Allow secretsmanager:GetSecretValue/,
    );
  });
});
