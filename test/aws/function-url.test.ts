import {
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  LambdaClient,
  RemovePermissionCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { requiredPermissions } from '../../actions/providers/aws/handlers/function-url.ts';
import {
  ManualClock,
  applySection,
  artifactRoot,
  devSection,
  driftedFields,
  startTestStandIn,
  testContext,
  testProvider,
} from './helpers.ts';

function urlResource(spec: Record<string, unknown> = {}): DesiredResource {
  const authType = (spec.authType as 'NONE' | 'AWS_IAM' | undefined) ?? 'NONE';
  return {
    address: 'aws.functionUrls.api',
    kind: 'aws:lambda:FunctionUrl',
    name: 'example-backend-dev:live',
    spec: {
      functionName: 'example-backend-dev',
      qualifier: 'live',
      authType,
      cors: {
        allowOrigins: ['*'],
        allowMethods: ['*'],
        allowHeaders: ['authorization', 'content-type'],
      },
      permissions: requiredPermissions(authType),
      ...spec,
    },
  };
}

interface Statement {
  Sid: string;
  Action: string;
  Principal: unknown;
  Condition: unknown;
  Resource: string;
}

async function setUp() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const provider = testProvider(standIn, { artifactRoot: artifactRoot().root });
  const context = testContext(clock);
  // The role and function of the dev config, without its URL and budget.
  await applySection(provider, devSection({ functionUrls: {}, budgets: {} }), context);
  const handler = provider.handlers['aws:lambda:FunctionUrl'];
  if (handler === undefined) {
    throw new Error('no function URL handler');
  }
  const lambda = new LambdaClient({ ...standIn.clientConfig(), maxAttempts: 1 });
  const statements = async () =>
    (
      JSON.parse(
        (
          await lambda.send(
            new GetPolicyCommand({ FunctionName: 'example-backend-dev', Qualifier: 'live' }),
          )
        ).Policy ?? '{}',
      ) as { Statement: Statement[] }
    ).Statement;
  return { standIn, provider, handler, context, lambda, statements };
}

describe('aws:lambda:FunctionUrl', () => {
  it('creates the URL with both permissions', async () => {
    const { handler, context, statements } = await setUp();

    const created = await handler.create(context, urlResource());
    const policy = await statements();

    expect(created.outputs.url).toMatch(
      /^https:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws\/$/,
    );
    expect(created.outputs.origin).toBe(String(created.outputs.url).slice(0, -1));
    expect(created.outputs.functionArn).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:example-backend-dev:live',
    );
    expect(
      policy.map((statement) => [
        statement.Sid,
        statement.Action,
        statement.Principal,
        statement.Condition,
      ]),
    ).toEqual([
      [
        'FunctionURLAllowPublicAccess',
        'lambda:InvokeFunctionUrl',
        '*',
        { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
      ],
      [
        'FunctionURLAllowInvokeAction',
        'lambda:InvokeFunction',
        '*',
        { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
      ],
    ]);
    expect(
      policy.every(
        (statement) =>
          statement.Resource ===
          'arn:aws:lambda:us-east-1:123456789012:function:example-backend-dev:live',
      ),
    ).toBe(true);
  });

  it('observes a created URL as unchanged', async () => {
    const { standIn, provider, handler, context } = await setUp();
    await handler.create(context, urlResource());
    standIn.requests.clear();

    const observed = await handler.observe(context, urlResource());

    expect(
      observed === undefined ? 'missing' : driftedFields(provider, urlResource(), observed),
    ).toEqual([]);
    expect(observed?.ownership).toBe('owned');
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('restores a removed permission', async () => {
    const { standIn, provider, handler, context, lambda, statements } = await setUp();
    await handler.create(context, urlResource());
    await lambda.send(
      new RemovePermissionCommand({
        FunctionName: 'example-backend-dev',
        Qualifier: 'live',
        StatementId: 'FunctionURLAllowInvokeAction',
      }),
    );

    const observed = await handler.observe(context, urlResource());
    standIn.requests.clear();
    if (observed !== undefined) {
      await handler.update(context, urlResource(), observed, []);
    }

    expect(observed?.spec.permissions).toEqual([
      'lambda:InvokeFunctionUrl by * when lambda:FunctionUrlAuthType is NONE',
    ]);
    expect(
      observed === undefined ? 'missing' : driftedFields(provider, urlResource(), observed),
    ).toEqual(['permissions']);
    expect(
      standIn.requests.writes().map((entry) => [entry.operation, entry.params.StatementId]),
    ).toEqual([['AddPermission', 'FunctionURLAllowInvokeAction']]);
    expect((await statements()).map((statement) => statement.Sid).sort()).toEqual([
      'FunctionURLAllowInvokeAction',
      'FunctionURLAllowPublicAccess',
    ]);
  });

  it('removes public access for AWS_IAM', async () => {
    const { handler, context, lambda } = await setUp();
    await handler.create(context, urlResource());
    const desired = urlResource({ authType: 'AWS_IAM' });

    const observed = await handler.observe(context, desired);
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);
    const config = await lambda.send(
      new GetFunctionUrlConfigCommand({ FunctionName: 'example-backend-dev', Qualifier: 'live' }),
    );
    const policy = await lambda
      .send(new GetPolicyCommand({ FunctionName: 'example-backend-dev', Qualifier: 'live' }))
      .then(
        () => 'present',
        (error: Error) => error.name,
      );

    expect(config.AuthType).toBe('AWS_IAM');
    expect(updated?.spec.permissions).toEqual([]);
    expect(policy).toBe('ResourceNotFoundException');
  });

  it('deletes the URL and its permissions', async () => {
    const { handler, context, lambda } = await setUp();
    const created = await handler.create(context, urlResource());

    await handler.delete(context, created);
    await handler.delete(context, created);
    const config = await lambda
      .send(
        new GetFunctionUrlConfigCommand({ FunctionName: 'example-backend-dev', Qualifier: 'live' }),
      )
      .then(
        () => 'present',
        (error: Error) => error.name,
      );

    expect(config).toBe('ResourceNotFoundException');
    expect(
      context.lines.filter((line) => line.startsWith('info: deleted the function URL')),
    ).toHaveLength(1);
  });

  it('skips observe while the function is unknown', async () => {
    const { standIn, handler, context } = await setUp();
    standIn.requests.clear();

    const observed = await handler.observe(
      context,
      urlResource({ functionName: { $unknown: 'aws.functions.api.functionName' } }),
    );

    expect(observed).toBeUndefined();
    expect(
      standIn.requests.operations().filter((operation) => operation.startsWith('lambda:')),
    ).toEqual([]);
  });
});
