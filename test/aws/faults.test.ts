import { CreateRoleCommand, IAMClient, TagRoleCommand } from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import type { AwsStandInOptions } from '../stand-ins/aws/index.ts';
import {
  ManualClock,
  applySection,
  artifactRoot,
  devSection,
  observeSection,
  startTestStandIn,
  testContext,
  testProvider,
} from './helpers.ts';

const converged = {
  'aws.roles.lambda': [],
  'aws.functions.api': [],
  'aws.functionUrls.api': [],
  'aws.budgets.monthly': [],
};

async function setUp(options: AwsStandInOptions = {}) {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock, options);
  const provider = testProvider(standIn, { artifactRoot: artifactRoot().root });
  const context = testContext(clock);
  const applyAndObserve = async () => {
    const outputs = await applySection(provider, devSection(), context);
    return observeSection(provider, devSection(), context, outputs);
  };
  return { clock, standIn, provider, context, applyAndObserve };
}

describe('aws provider under faults', () => {
  it('converges through Lambda throttling', async () => {
    const { standIn, context, applyAndObserve } = await setUp();
    standIn.faults.throttle({ service: 'lambda', count: 3, retryAfterSeconds: 3 });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    expect(
      standIn.requests.entries.filter((entry) => entry.errorCode === 'TooManyRequestsException'),
    ).toHaveLength(3);
    expect(context.slept.filter((milliseconds) => milliseconds === 3_000)).toHaveLength(3);
  });

  it('converges through a throttling rate', async () => {
    const { standIn, context, applyAndObserve } = await setUp();
    // Every 10th call: the provider retries each throttled call once, so none reaches the engine.
    standIn.faults.throttle({ rate: 0.1 });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    const throttled = standIn.requests.entries.filter((entry) =>
      ['Throttling', 'ThrottlingException', 'TooManyRequestsException'].includes(
        entry.errorCode ?? '',
      ),
    );
    expect(throttled.length).toBeGreaterThanOrEqual(5);
    expect(
      context.lines.filter((line) =>
        line.includes('was throttled; attempt 1 of 2 failed, retrying in 1 s'),
      ),
    ).toHaveLength(throttled.length);
  });

  it('converges through server errors', async () => {
    const { standIn, applyAndObserve } = await setUp();
    standIn.faults.serverError({ service: 'iam', count: 2 });
    standIn.faults.serverError({ service: 'budgets', count: 1, status: 503 });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    expect(
      standIn.requests.entries
        .filter((entry) => entry.status >= 500)
        .map((entry) => entry.errorCode),
    ).toEqual(['ServiceFailure', 'ServiceFailure', 'InternalErrorException']);
  });

  it('converges through IAM propagation delay', async () => {
    const { standIn, context, applyAndObserve } = await setUp({ iamPropagationDelayMs: 9_000 });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    expect(
      standIn.requests.entries
        .filter((entry) => entry.operation === 'CreateFunction')
        .map((entry) => entry.errorCode ?? 'created'),
    ).toEqual([
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'InvalidParameterValueException',
      'created',
    ]);
    expect(context.lines.some((line) => line.includes('IAM changes take time to propagate'))).toBe(
      true,
    );
  });

  it('converges through slow Lambda updates', async () => {
    const { context, applyAndObserve } = await setUp({
      lambdaCreateDelayMs: 4_000,
      lambdaUpdateDelayMs: 6_000,
    });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    expect(
      context.lines.some((line) =>
        line.startsWith(
          'info: waiting for Lambda function example-backend-dev to be ready: state Pending',
        ),
      ),
    ).toBe(true);
  });

  it.each([
    ['iam', 'CreateRole', 'IAM role'],
    ['lambda', 'CreateFunction', 'Lambda function'],
    ['lambda', 'CreateFunctionUrlConfig', 'Function URL of'],
    ['budgets', 'CreateBudget', 'Budget'],
  ] as const)('recovers a lost %s %s response', async (service, operation, label) => {
    const { standIn, context, applyAndObserve } = await setUp();
    standIn.faults.dropResponse({ service, operation });

    const report = await applyAndObserve();

    expect(report).toEqual(converged);
    const calls = standIn.requests.entries.filter((entry) => entry.operation === operation);
    expect(calls[0]?.dropped).toBe(true);
    expect(calls.length).toBe(2);
    expect(
      context.lines.some(
        (line) => line.startsWith(`info: ${label}`) && line.includes('Adopting it.'),
      ),
    ).toBe(true);
  });

  it('adopts only with this marker', async () => {
    const { clock, standIn, provider, context } = await setUp();
    provider.resources(devSection());
    const handler = provider.handlers['aws:iam:Role'];
    const iam = new IAMClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    const role = devSection().roles?.lambda;
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'example-backend-dev',
        AssumeRolePolicyDocument: JSON.stringify(role?.assumeRolePolicyDocument),
      }),
    );
    await iam.send(
      new TagRoleCommand({
        RoleName: 'example-backend-dev',
        Tags: [
          { Key: 'gitops:managed-by', Value: 'gitops' },
          { Key: 'gitops:environment', Value: 'prod' },
          { Key: 'gitops:address', Value: 'aws.roles.lambda' },
        ],
      }),
    );
    clock.advance(1);
    standIn.requests.clear();

    const error = await handler
      ?.create(context, {
        address: 'aws.roles.lambda',
        kind: 'aws:iam:Role',
        name: 'example-backend-dev',
        spec: role as never,
      })
      .then(
        () => undefined,
        (caught: unknown) => caught,
      );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect((error as ProviderError).retryable).toBe(false);
    expect(standIn.requests.writes().map((entry) => [entry.operation, entry.errorCode])).toEqual([
      ['CreateRole', 'EntityAlreadyExists'],
    ]);
  });
});
