import {
  AttachRolePolicyCommand,
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import {
  ManualClock,
  driftedFields,
  startTestStandIn,
  testContext,
  testProvider,
} from './helpers.ts';

const trust = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
};

function roleResource(spec: Record<string, unknown> = {}): DesiredResource {
  return {
    address: 'aws.roles.lambda',
    kind: 'aws:iam:Role',
    name: 'app',
    spec: {
      roleName: 'app',
      description: 'Execution role',
      assumeRolePolicyDocument: trust,
      managedPolicyArns: ['arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole'],
      inlinePolicies: {
        logs: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: ['logs:PutLogEvents'], Resource: '*' }],
        },
      },
      maxSessionDuration: 3600,
      tags: { team: 'platform' },
      ...spec,
    },
  };
}

async function setUp() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const provider = testProvider(standIn);
  provider.resources({ accountId: '123456789012', region: 'us-east-1' });
  const handler = provider.handlers['aws:iam:Role'];
  if (handler === undefined) {
    throw new Error('no role handler');
  }
  const iam = new IAMClient({ ...standIn.clientConfig(), maxAttempts: 1 });
  return { clock, standIn, provider, handler, iam, context: testContext(clock) };
}

describe('aws:iam:Role', () => {
  it('observes a missing role without writes', async () => {
    const { standIn, handler, context } = await setUp();

    const observed = await handler.observe(context, roleResource());

    expect(observed).toBeUndefined();
    expect(standIn.requests.operations()).toEqual(['sts:GetCallerIdentity', 'iam:GetRole']);
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('creates the role with the marker', async () => {
    const { handler, iam, context } = await setUp();

    const created = await handler.create(context, roleResource());
    const role = (await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role;
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'app' }));
    const inline = await iam.send(new ListRolePoliciesCommand({ RoleName: 'app' }));

    expect(created.outputs).toEqual({
      arn: 'arn:aws:iam::123456789012:role/app',
      roleName: 'app',
      roleId: role?.RoleId,
    });
    expect(created.ownership).toBe('owned');
    expect(role?.Tags).toEqual([
      { Key: 'gitops:address', Value: 'aws.roles.lambda' },
      { Key: 'gitops:environment', Value: 'dev' },
      { Key: 'gitops:managed-by', Value: 'gitops' },
      { Key: 'team', Value: 'platform' },
    ]);
    expect(attached.AttachedPolicies?.map((policy) => policy.PolicyArn)).toEqual([
      'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole',
    ]);
    expect(inline.PolicyNames).toEqual(['logs']);
    expect(context.lines).toContain('info: created IAM role app');
  });

  it('observes a created role as unchanged', async () => {
    const { standIn, provider, handler, context } = await setUp();
    await handler.create(context, roleResource());
    standIn.requests.clear();

    const observed = await handler.observe(context, roleResource());

    expect(
      observed === undefined ? 'missing' : driftedFields(provider, roleResource(), observed),
    ).toEqual([]);
    expect(observed?.ownership).toBe('owned');
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('compares trust policies by meaning', async () => {
    const { provider, handler, iam, context } = await setUp();
    await handler.create(context, roleResource());
    const reshaped = {
      Statement: [
        {
          Action: ['sts:AssumeRole'],
          Principal: { Service: ['lambda.amazonaws.com'] },
          Effect: 'Allow',
        },
      ],
      Version: '2012-10-17',
    };
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'app',
        PolicyDocument: JSON.stringify(reshaped, null, 4),
      }),
    );

    const observed = await handler.observe(context, roleResource());
    const encoded = (await iam.send(new GetRoleCommand({ RoleName: 'app' }))).Role
      ?.AssumeRolePolicyDocument;

    expect(encoded).toMatch(/^%7B%22Statement%22/);
    expect(observed?.spec.assumeRolePolicyDocument).toEqual(trust);
    expect(
      observed === undefined ? 'missing' : driftedFields(provider, roleResource(), observed),
    ).toEqual([]);
  });

  it('detects and fixes a changed trust policy', async () => {
    const { standIn, provider, handler, iam, context } = await setUp();
    await handler.create(context, roleResource());
    const widened = {
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: ['lambda.amazonaws.com', 'ec2.amazonaws.com'] },
          Action: 'sts:AssumeRole',
        },
      ],
    };
    await iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: 'app',
        PolicyDocument: JSON.stringify(widened),
      }),
    );

    const drifted = await handler.observe(context, roleResource());
    standIn.requests.clear();
    const updated =
      drifted === undefined
        ? undefined
        : await handler.update(context, roleResource(), drifted, []);

    expect(
      drifted === undefined ? 'missing' : driftedFields(provider, roleResource(), drifted),
    ).toEqual(['assumeRolePolicyDocument']);
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateAssumeRolePolicy',
    ]);
    expect(
      updated === undefined ? 'missing' : driftedFields(provider, roleResource(), updated),
    ).toEqual([]);
  });

  it('converges policies, description and tags', async () => {
    const { standIn, provider, handler, iam, context } = await setUp();
    await handler.create(context, roleResource());
    await iam.send(
      new AttachRolePolicyCommand({
        RoleName: 'app',
        PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
      }),
    );
    const desired = roleResource({
      description: 'Runs the message service',
      inlinePolicies: {
        secrets: {
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: '*' }],
        },
      },
      tags: { team: 'api' },
    });

    const observed = await handler.observe(context, desired);
    standIn.requests.clear();
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);

    expect(observed === undefined ? 'missing' : driftedFields(provider, desired, observed)).toEqual(
      ['description', 'inlinePolicies', 'managedPolicyArns', 'tags'],
    );
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateRole',
      'DetachRolePolicy',
      'PutRolePolicy',
      'DeleteRolePolicy',
      'TagRole',
    ]);
    expect(updated === undefined ? 'missing' : driftedFields(provider, desired, updated)).toEqual(
      [],
    );
  });

  it('deletes the role and its policies', async () => {
    const { handler, iam, context } = await setUp();
    const created = await handler.create(context, roleResource());

    await handler.delete(context, created);
    await handler.delete(context, created);
    const gone = await iam.send(new GetRoleCommand({ RoleName: 'app' })).then(
      () => 'exists',
      (error: { Code?: string }) => error.Code,
    );

    expect(gone).toBe('NoSuchEntity');
    expect(context.lines.filter((line) => line === 'info: deleted IAM role app')).toHaveLength(1);
  });

  it('lists only roles of this environment', async () => {
    const { clock, handler, iam, context } = await setUp();
    await handler.create(context, roleResource());
    await handler.create(testContext(clock, 'prod'), roleResource({ roleName: 'prod-app' }));
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'unmanaged',
        AssumeRolePolicyDocument: JSON.stringify(trust),
      }),
    );

    const listed = await handler.list?.(context);

    expect(listed?.map((item) => [item.address, item.name, item.ownership])).toEqual([
      ['aws.roles.lambda', 'app', 'owned'],
    ]);
  });

  it('rejects a create over an unmarked role', async () => {
    const { handler, iam, context } = await setUp();
    await iam.send(
      new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: JSON.stringify(trust) }),
    );

    const error = await handler.create(context, roleResource()).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect((error as ProviderError).vendorCode).toBe('EntityAlreadyExists');
    expect((error as ProviderError).message).toContain('gitops:address=aws.roles.lambda');
  });
});
