import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateFunctionCommand,
  GetAliasCommand,
  GetFunctionCommand,
  LambdaClient,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import { withConflictRetry } from '../../actions/providers/aws/handlers/function-steps.ts';
import { AwsRuntime } from '../../actions/providers/aws/runtime.ts';
import {
  ManualClock,
  artifactRoot,
  driftedFields,
  startTestStandIn,
  testContext,
  testProvider,
  zipWithComment,
} from './helpers.ts';

const roleArn = 'arn:aws:iam::123456789012:role/app';

function functionResource(spec: Record<string, unknown> = {}): DesiredResource {
  return {
    address: 'aws.functions.api',
    kind: 'aws:lambda:Function',
    name: 'api',
    spec: {
      functionName: 'api',
      role: roleArn,
      runtime: 'nodejs22.x',
      handler: 'index.handler',
      architectures: ['arm64'],
      memorySize: 512,
      timeout: 10,
      code: { artifact: 'dist/service/lambda.zip' },
      environment: { STAGE: 'dev' },
      alias: 'live',
      logRetentionInDays: 14,
      tags: { team: 'platform' },
      ...spec,
    },
  };
}

async function setUp(options: { iamPropagationDelayMs?: number } = {}) {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock, options);
  const config = { ...standIn.clientConfig(), maxAttempts: 1 };
  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ],
  });
  await new IAMClient(config).send(
    new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }),
  );
  const artifact = artifactRoot('v1');
  const provider = testProvider(standIn, { artifactRoot: artifact.root });
  provider.resources({ accountId: '123456789012', region: 'us-east-1' });
  const handler = provider.handlers['aws:lambda:Function'];
  if (handler === undefined) {
    throw new Error('no function handler');
  }
  return {
    clock,
    standIn,
    provider,
    handler,
    artifact,
    context: testContext(clock),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
  };
}

describe('aws:lambda:Function', () => {
  it('creates the function, log group and alias', async () => {
    const { standIn, handler, context, lambda, logs } = await setUp();

    const created = await handler.create(context, functionResource());
    const output = await lambda.send(new GetFunctionCommand({ FunctionName: 'api' }));
    const alias = await lambda.send(new GetAliasCommand({ FunctionName: 'api', Name: 'live' }));
    const groups = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/api' }),
    );
    const groupTags = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: groups.logGroups?.[0]?.logGroupArn }),
    );

    expect(created.outputs).toEqual({
      functionName: 'api',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:api',
      version: '1',
      qualifiedArn: 'arn:aws:lambda:us-east-1:123456789012:function:api:live',
    });
    expect(output.Configuration?.Environment?.Variables).toEqual({ STAGE: 'dev' });
    expect(output.Tags).toEqual({
      'gitops:address': 'aws.functions.api',
      'gitops:environment': 'dev',
      'gitops:managed-by': 'gitops',
      team: 'platform',
    });
    expect(alias.FunctionVersion).toBe('1');
    expect(groups.logGroups?.[0]?.retentionInDays).toBe(14);
    expect(groupTags.tags).toEqual({
      'gitops:address': 'aws.functions.api',
      'gitops:environment': 'dev',
      'gitops:managed-by': 'gitops',
    });
    const operations = standIn.requests.writes().map((entry) => entry.operation);
    expect(operations.indexOf('CreateLogGroup')).toBeLessThan(operations.indexOf('CreateFunction'));
  });

  it('observes a deployed function as unchanged', async () => {
    const { standIn, provider, handler, context } = await setUp();
    await handler.create(context, functionResource());
    standIn.requests.clear();

    const observed = await handler.observe(context, functionResource());

    expect(
      observed === undefined ? 'missing' : driftedFields(provider, functionResource(), observed),
    ).toEqual([]);
    expect(observed?.ownership).toBe('owned');
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('skips the upload when CodeSha256 matches', async () => {
    const { standIn, provider, handler, context } = await setUp();
    await handler.create(context, functionResource());
    const desired = functionResource({ memorySize: 1024 });

    const observed = await handler.observe(context, desired);
    standIn.requests.clear();
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);

    expect(observed === undefined ? 'missing' : driftedFields(provider, desired, observed)).toEqual(
      ['memorySize'],
    );
    expect(standIn.requests.count('lambda', 'UpdateFunctionCode')).toBe(0);
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateFunctionConfiguration',
      'PublishVersion',
      'UpdateAlias',
    ]);
    expect(updated?.outputs.version).toBe('2');
    expect(
      context.lines.some((line) => line.includes('code of Lambda function api is unchanged')),
    ).toBe(true);
  });

  it('uploads a changed artifact and moves the alias', async () => {
    const { standIn, provider, handler, artifact, context } = await setUp();
    await handler.create(context, functionResource());
    artifact.write('v2');

    const observed = await handler.observe(context, functionResource());
    standIn.requests.clear();
    const updated =
      observed === undefined
        ? undefined
        : await handler.update(context, functionResource(), observed, []);

    expect(
      observed === undefined ? 'missing' : driftedFields(provider, functionResource(), observed),
    ).toEqual(['code']);
    expect(String((observed?.spec.code as { artifact: string }).artifact)).toContain(
      'deployed code with CodeSha256',
    );
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateFunctionCode',
      'PublishVersion',
      'UpdateAlias',
    ]);
    expect(updated?.outputs.version).toBe('2');
    expect(
      updated === undefined ? 'missing' : driftedFields(provider, functionResource(), updated),
    ).toEqual([]);
  });

  it('retries while the role propagates', async () => {
    const { standIn, handler, context } = await setUp({ iamPropagationDelayMs: 7_000 });

    const created = await handler.create(context, functionResource());

    expect(created.outputs.functionName).toBe('api');
    expect(standIn.requests.count('lambda', 'CreateFunction')).toBe(5);
    expect(context.slept.filter((milliseconds) => milliseconds === 2_000)).toHaveLength(4);
    expect(
      context.lines.filter((line) =>
        line.includes('cannot assume role arn:aws:iam::123456789012:role/app yet'),
      ),
    ).toHaveLength(4);
  });

  it('gives up when the role never becomes assumable', async () => {
    const { handler, context } = await setUp({ iamPropagationDelayMs: 3_600_000 });

    const error = await handler.create(context, functionResource()).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain(
      'Lambda still cannot assume role arn:aws:iam::123456789012:role/app after 60 s',
    );
  });

  it('waits for updates in progress', async () => {
    const { standIn, provider, handler, artifact, context, lambda } = await setUp();
    await handler.create(context, functionResource());
    standIn.faults.lambdaUpdateDelayMs = 3_000;
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: 'api',
        Description: 'changed elsewhere',
      }),
    );
    artifact.write('v2');
    const desired = functionResource({ timeout: 20 });

    const observed = await handler.observe(context, desired);
    standIn.requests.clear();
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);

    expect(standIn.requests.entries.filter((entry) => entry.errorCode !== undefined)).toEqual([]);
    expect(standIn.requests.count('lambda', 'GetFunctionConfiguration')).toBeGreaterThanOrEqual(9);
    expect(
      context.lines.filter((line) =>
        line.startsWith('info: waiting for Lambda function api to be ready'),
      ),
    ).toHaveLength(3);
    expect(updated === undefined ? 'missing' : driftedFields(provider, desired, updated)).toEqual(
      [],
    );
  });

  it('retries a change after a conflict', async () => {
    const { clock, standIn, context, lambda } = await setUp();
    const runtime = new AwsRuntime({
      ...standIn.clientConfig(),
      accountId: '123456789012',
      timing: { pollIntervalMs: 1_000 },
    });
    await lambda.send(
      new CreateFunctionCommand({
        FunctionName: 'busy',
        Role: roleArn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: zipWithComment('v1') },
      }),
    );
    clock.advance(1);
    standIn.faults.lambdaUpdateDelayMs = 2_500;
    await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'busy', MemorySize: 256 }),
    );

    const output = await withConflictRetry(runtime, context, 'busy', () =>
      runtime.call(context, 'lambda:UpdateFunctionCode', 'function busy', (options) =>
        lambda.send(
          new UpdateFunctionCodeCommand({ FunctionName: 'busy', ZipFile: zipWithComment('v2') }),
          options,
        ),
      ),
    );

    expect(output.LastUpdateStatus).toBe('InProgress');
    expect(
      standIn.requests.entries
        .filter((entry) => entry.operation === 'UpdateFunctionCode')
        .map((entry) => entry.errorCode),
    ).toEqual(['ResourceConflictException', undefined]);
    expect(context.lines).toContain(
      'info: Lambda function busy is busy with another change; waiting until it is ready, then retrying (retry 1 of 5)',
    );
    runtime.clients.destroy();
  });

  it('reports a missing artifact', async () => {
    const { standIn, handler, context } = await setUp();

    const error = await handler
      .create(context, functionResource({ code: { artifact: 'dist/service/missing.zip' } }))
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain('Run `npm run build`');
    expect(standIn.requests.count('lambda', 'CreateFunction')).toBe(0);
  });

  it('defers an unknown environment', async () => {
    const { provider, handler, context, lambda } = await setUp();
    const pending = functionResource({
      environment: { OKTA_CLIENT_ID: { $unknown: 'okta.apps.spa.clientId' } },
    });
    const known = functionResource({ environment: { OKTA_CLIENT_ID: '0oa1example' } });

    await handler.create(context, pending);
    const before = (await lambda.send(new GetFunctionCommand({ FunctionName: 'api' })))
      .Configuration?.Environment;
    const observed = await handler.observe(context, known);
    const updated =
      observed === undefined ? undefined : await handler.update(context, known, observed, []);

    expect(before).toBeUndefined();
    expect(observed === undefined ? 'missing' : driftedFields(provider, known, observed)).toEqual([
      'environment',
    ]);
    expect(updated?.spec.environment).toEqual({ OKTA_CLIENT_ID: '0oa1example' });
    expect(provider.handlers['aws:lambda:Function']?.fields?.environment?.deferrable).toBe(true);
  });

  it('adopts a log group Lambda created', async () => {
    const { handler, context, logs } = await setUp();
    await logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/api' }));

    await handler.create(context, functionResource());
    const groups = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/api' }),
    );
    const tags = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: groups.logGroups?.[0]?.logGroupArn }),
    );

    expect(tags.tags?.['gitops:address']).toBe('aws.functions.api');
    expect(groups.logGroups?.[0]?.retentionInDays).toBe(14);
  });

  it('deletes the function and its log group', async () => {
    const { standIn, handler, context, logs } = await setUp();
    const created = await handler.create(context, functionResource());

    await handler.delete(context, created);
    await handler.delete(context, created);
    const groups = await logs.send(
      new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/api' }),
    );

    expect(standIn.state().lambda.functions).toEqual({});
    expect(groups.logGroups).toEqual([]);
  });

  it('lists only functions of this environment', async () => {
    const { clock, handler, context } = await setUp();
    await handler.create(context, functionResource());
    await handler.create(
      testContext(clock, 'prod'),
      functionResource({ functionName: 'api-prod' }),
    );

    const listed = await handler.list?.(context);

    expect(listed?.map((item) => [item.address, item.name])).toEqual([
      ['aws.functions.api', 'api'],
    ]);
  });
});
