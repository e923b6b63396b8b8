import {
  AttachRolePolicyCommand,
  CreateOpenIDConnectProviderCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  GetOpenIDConnectProviderCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  IAMClient,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateOpenIDConnectProviderThumbprintCommand,
} from '@aws-sdk/client-iam';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { ManualClock, startTestStandIn } from './helpers.ts';

const lambdaTrust = {
  Version: '2012-10-17',
  Statement: [
    {
      Effect: 'Allow',
      Principal: { Service: ['lambda.amazonaws.com'] },
      Action: ['sts:AssumeRole'],
    },
  ],
};

async function setUp(options: { accountId?: string } = {}) {
  const standIn = await startTestStandIn(new ManualClock(), options);
  const iam = new IAMClient({ ...standIn.clientConfig(), maxAttempts: 1 });
  return { standIn, iam };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ Code?: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const shape = error as {
      Code?: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
    };
    return { Code: shape.Code, status: shape.$metadata?.httpStatusCode, message: shape.message };
  }
  throw new Error('expected the call to fail');
}

describe('AWS stand-in IAM', () => {
  it('returns policies URL-encoded and reshaped', async () => {
    const { iam } = await setUp();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify(lambdaTrust, null, 2),
      }),
    );

    const role = (await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role;
    const encoded = role?.AssumeRolePolicyDocument ?? '';

    expect(encoded).toMatch(/^%7B%22Version%22/);
    expect(decodeURIComponent(encoded)).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}',
    );
    expect(role?.Arn).toBe('arn:aws:iam::123456789012:role/app');
    expect(role?.RoleId).toMatch(/^AROA[A-Z0-9]{16}$/);
  });

  it('encodes inline policies the same way', async () => {
    const { iam } = await setUp();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify(lambdaTrust),
      }),
    );
    const document = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['*'] }],
    };
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'app',
        PolicyName: 'read',
        PolicyDocument: JSON.stringify(document),
      }),
    );

    const output = await iam.send(
      new GetRolePolicyCommand({ RoleName: 'app', PolicyName: 'read' }),
    );

    expect(decodeURIComponent(output.PolicyDocument ?? '')).toBe(
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}',
    );
  });

  it('pages ListRoles with Marker', async () => {
    const { iam } = await setUp();
    for (const name of ['e', 'a', 'd', 'b', 'c']) {
      await iam.send(
        new CreateRoleCommand({
          RoleName: name,
          AssumeRolePolicyDocument: JSON.stringify(lambdaTrust),
          Tags: [{ Key: 'k', Value: 'v' }],
        }),
      );
    }

    const first = await iam.send(new ListRolesCommand({ MaxItems: 2 }));
    const second = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker: first.Marker }));
    const third = await iam.send(new ListRolesCommand({ MaxItems: 2, Marker: second.Marker }));

    expect(first.Roles?.map((role) => role.RoleName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe(true);
    expect(second.Roles?.map((role) => role.RoleName)).toEqual(['c', 'd']);
    expect(third.Roles?.map((role) => role.RoleName)).toEqual(['e']);
    expect(third.IsTruncated).toBe(false);
    expect(third.Marker).toBeUndefined();
    // ListRoles leaves tags out, as IAM does.
    expect(first.Roles?.[0]?.Tags).toBeUndefined();
  });

  it('answers IAM error codes and statuses', async () => {
    const { iam } = await setUp();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify(lambdaTrust),
      }),
    );
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'app',
        PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
      }),
    );

    const missing = await failure(iam.send(new GetRoleCommand({ RoleName: 'nobody' })));
    const duplicate = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'app',
          AssumeRolePolicyDocument: JSON.stringify(lambdaTrust),
        }),
      ),
    );
    const attached = await failure(iam.send(new DeleteRoleCommand({ RoleName: 'app' })));
    const withResource = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }],
    };
    const malformed = await failure(
      iam.send(
        new CreateRoleCommand({
          RoleName: 'bad',
          AssumeRolePolicyDocument: JSON.stringify(withResource),
        }),
      ),
    );

    expect(missing).toEqual({
      Code: 'NoSuchEntity',
      status: 404,
      message: 'The role with name nobody cannot be found.',
    });
    expect(duplicate.Code).toBe('EntityAlreadyExists');
    expect(duplicate.status).toBe(409);
    expect(attached.Code).toBe('DeleteConflict');
    expect(attached.status).toBe(409);
    expect(malformed.Code).toBe('MalformedPolicyDocument');
    expect(malformed.status).toBe(400);
    expect(malformed.message).toBe('Has prohibited field Resource');
  });

  it('limits managed policies per role', async () => {
    const { iam } = await setUp();
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'app',
        AssumeRolePolicyDocument: JSON.stringify(lambdaTrust),
      }),
    );
    for (let index = 0; index < 20; index += 1) {
      await iam.send(
        new AttachRolePolicyCommand({
          RoleName: 'app',
          PolicyArn: `arn:aws:iam::123456789012:policy/p${index}`,
        }),
      );
    }

    const limit = await failure(
      iam.send(
        new AttachRolePolicyCommand({
          RoleName: 'app',
          PolicyArn: 'arn:aws:iam::123456789012:policy/one-more',
        }),
      ),
    );

    expect(limit.Code).toBe('LimitExceeded');
    expect(limit.status).toBe(409);
  });

  it('rejects trust in a missing OIDC provider', async () => {
    const { iam } = await setUp();
    const trust = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: {
            Federated:
              'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
          },
          Action: 'sts:AssumeRoleWithWebIdentity',
        },
      ],
    };

    const rejected = await failure(
      iam.send(
        new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }),
      ),
    );
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://token.actions.githubusercontent.com',
        ClientIDList: ['sts.amazonaws.com'],
      }),
    );
    const accepted = await iam.send(
      new CreateRoleCommand({ RoleName: 'ci', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );

    expect(rejected.Code).toBe('MalformedPolicyDocument');
    expect(rejected.message).toContain('Invalid principal in policy');
    expect(accepted.Role?.RoleName).toBe('ci');
  });

  it('returns OIDC provider URLs without scheme', async () => {
    const { iam } = await setUp();
    const created = await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://token.actions.githubusercontent.com',
        ClientIDList: ['sts.amazonaws.com'],
        ThumbprintList: ['6938FD4D98BAB03FAADB97B34396831E3780AEA1'],
        Tags: [{ Key: 'team', Value: 'platform' }],
      }),
    );
    const arn = created.OpenIDConnectProviderArn ?? '';
    await iam.send(
      new UpdateOpenIDConnectProviderThumbprintCommand({
        OpenIDConnectProviderArn: arn,
        ThumbprintList: ['1c58a3a8518e8759bf075b76b750d4f2df264fcd'],
      }),
    );

    const provider = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );

    expect(arn).toBe('arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com');
    expect(provider.Url).toBe('token.actions.githubusercontent.com');
    expect(provider.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(provider.ThumbprintList).toEqual(['1c58a3a8518e8759bf075b76b750d4f2df264fcd']);
    expect(provider.Tags).toEqual([{ Key: 'team', Value: 'platform' }]);
  });

  it('requires an Authorization header', async () => {
    const { standIn } = await setUp();

    const response = await fetch(standIn.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetRole&Version=2010-05-08&RoleName=app',
    });
    const body = await response.text();

    expect(response.status).toBe(403);
    expect(body).toContain('<Code>MissingAuthenticationToken</Code>');
    expect(body).toContain('<Type>Sender</Type>');
    expect(body).toMatch(/<RequestId>[0-9a-f-]{36}<\/RequestId>/);
  });

  it('reports the configured account', async () => {
    const { standIn } = await setUp({ accountId: '999999999999' });
    const sts = new STSClient({ ...standIn.clientConfig(), maxAttempts: 1 });

    const identity = await sts.send(new GetCallerIdentityCommand({}));

    expect(identity.Account).toBe('999999999999');
    expect(identity.Arn).toBe('arn:aws:iam::999999999999:user/gitops-admin');
  });
});
