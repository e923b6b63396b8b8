import { BudgetsClient, DescribeBudgetsCommand } from '@aws-sdk/client-budgets';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CostExplorerClient, GetCostAndUsageCommand } from '@aws-sdk/client-cost-explorer';
import {
  CreateRoleCommand,
  GetRoleCommand,
  IAMClient,
  ListRolesCommand,
} from '@aws-sdk/client-iam';
import { LambdaClient, ListFunctionsCommand } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { ManualClock, startTestStandIn } from './helpers.ts';

const trust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    const shape = error as {
      name: string;
      Code?: string;
      code?: string;
      retryAfterSeconds?: string;
      $metadata?: { httpStatusCode?: number };
    };
    return {
      name: shape.name,
      Code: shape.Code,
      code: shape.code,
      status: shape.$metadata?.httpStatusCode,
      retryAfterSeconds: shape.retryAfterSeconds,
    };
  }
  throw new Error('expected the call to fail');
}

async function setUp() {
  const standIn = await startTestStandIn(new ManualClock());
  const config = { ...standIn.clientConfig(), maxAttempts: 1 };
  return {
    standIn,
    iam: new IAMClient(config),
    lambda: new LambdaClient(config),
    logs: new CloudWatchLogsClient(config),
    budgets: new BudgetsClient(config),
    costExplorer: new CostExplorerClient(config),
  };
}

describe('AWS stand-in faults', () => {
  it('throttles with each service error', async () => {
    const { standIn, iam, lambda, logs, budgets, costExplorer } = await setUp();
    standIn.faults.throttle({ count: 5, retryAfterSeconds: 3 });

    const iamError = await failure(iam.send(new ListRolesCommand({})));
    const lambdaError = await failure(lambda.send(new ListFunctionsCommand({})));
    const logsError = await failure(logs.send(new DescribeLogGroupsCommand({})));
    const budgetsError = await failure(
      budgets.send(new DescribeBudgetsCommand({ AccountId: '123456789012' })),
    );
    const costError = await failure(
      costExplorer.send(
        new GetCostAndUsageCommand({
          TimePeriod: { Start: '2026-06-01', End: '2026-06-02' },
          Granularity: 'DAILY',
          Metrics: ['UnblendedCost'],
        }),
      ),
    );
    const afterwards = await iam.send(new ListRolesCommand({}));

    expect(iamError).toMatchObject({ Code: 'Throttling', status: 400 });
    expect(lambdaError).toMatchObject({
      name: 'TooManyRequestsException',
      status: 429,
      retryAfterSeconds: '3',
    });
    expect(logsError).toMatchObject({ name: 'ThrottlingException', status: 400 });
    expect(budgetsError).toMatchObject({ name: 'ThrottlingException', status: 400 });
    expect(costError).toMatchObject({ name: 'LimitExceededException', status: 400 });
    expect(afterwards.Roles).toEqual([]);
  });

  it('throttles a rate of calls', async () => {
    const { standIn, iam } = await setUp();
    standIn.faults.throttle({ service: 'iam', rate: 0.5 });

    const outcomes: string[] = [];
    for (let index = 0; index < 6; index += 1) {
      outcomes.push(
        await iam.send(new ListRolesCommand({})).then(
          () => 'ok',
          () => 'throttled',
        ),
      );
    }

    expect(outcomes).toEqual(['ok', 'throttled', 'ok', 'throttled', 'ok', 'throttled']);
  });

  it('answers server errors with 5xx', async () => {
    const { standIn, iam, lambda } = await setUp();
    standIn.faults.serverError({ service: 'iam', count: 1 });
    standIn.faults.serverError({ service: 'lambda', count: 1, status: 503 });

    const iamError = await failure(iam.send(new ListRolesCommand({})));
    const lambdaError = await failure(lambda.send(new ListFunctionsCommand({})));

    expect(iamError).toMatchObject({ Code: 'ServiceFailure', status: 500 });
    expect(lambdaError).toMatchObject({ name: 'ServiceException', status: 503 });
  });

  it('drops a response after acting', async () => {
    const { standIn, iam } = await setUp();
    standIn.faults.dropResponse({ service: 'iam', operation: 'CreateRole' });

    const lost = await failure(
      iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust })),
    );
    const role = await iam.send(new GetRoleCommand({ RoleName: 'app' }));

    expect(lost.status).toBeUndefined();
    expect(role.Role?.RoleName).toBe('app');
    expect(standIn.requests.entries[0]).toMatchObject({
      operation: 'CreateRole',
      dropped: true,
      write: true,
    });
  });

  it('logs reads and writes', async () => {
    const { standIn, iam } = await setUp();
    await iam.send(new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }));
    await iam.send(new GetRoleCommand({ RoleName: 'app' }));
    await failure(iam.send(new GetRoleCommand({ RoleName: 'other' })));

    expect(standIn.requests.operations()).toEqual(['iam:CreateRole', 'iam:GetRole', 'iam:GetRole']);
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual(['CreateRole']);
    expect(standIn.requests.entries.map((entry) => entry.status)).toEqual([200, 200, 404]);
    expect(standIn.requests.entries[2]?.errorCode).toBe('NoSuchEntity');
    expect(standIn.requests.entries[1]?.params).toEqual({ RoleName: 'app' });
  });

  it('turns every switch off on reset', async () => {
    const { standIn, iam } = await setUp();
    standIn.faults.throttle({ count: 10 });
    standIn.faults.iamPropagationDelayMs = 5_000;
    standIn.faults.reset();

    const output = await iam.send(new ListRolesCommand({}));

    expect(output.Roles).toEqual([]);
    expect(standIn.faults.iamPropagationDelayMs).toBe(0);
  });
});
