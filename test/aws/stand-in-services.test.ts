import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BudgetsClient,
  CreateBudgetCommand,
  CreateNotificationCommand,
  DescribeBudgetCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
} from '@aws-sdk/client-budgets';
import {
  CloudWatchLogsClient,
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import {
  CostExplorerClient,
  GetCostAndUsageCommand,
  GetCostForecastCommand,
} from '@aws-sdk/client-cost-explorer';
import { CreateRoleCommand, GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { describe, expect, it } from 'vitest';
import { ManualClock, startTestStandIn } from './helpers.ts';

async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const shape = error as {
      name: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
    };
    return { name: shape.name, status: shape.$metadata?.httpStatusCode, message: shape.message };
  }
  throw new Error('expected the call to fail');
}

describe('AWS stand-in services', () => {
  it('keeps log groups with retention and tags', async () => {
    const standIn = await startTestStandIn(new ManualClock());
    const logs = new CloudWatchLogsClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    await logs.send(
      new CreateLogGroupCommand({ logGroupName: '/aws/lambda/fn', tags: { team: 'platform' } }),
    );
    await logs.send(
      new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/fn', retentionInDays: 14 }),
    );

    const groups =
      (await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/lambda/' })))
        .logGroups ?? [];
    const tags = await logs.send(
      new ListTagsForResourceCommand({ resourceArn: groups[0]?.logGroupArn }),
    );
    const invalid = await failure(
      logs.send(
        new PutRetentionPolicyCommand({ logGroupName: '/aws/lambda/fn', retentionInDays: 10 }),
      ),
    );
    const duplicate = await failure(
      logs.send(new CreateLogGroupCommand({ logGroupName: '/aws/lambda/fn' })),
    );

    expect(groups).toHaveLength(1);
    expect(groups[0]?.retentionInDays).toBe(14);
    expect(groups[0]?.arn).toBe('arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn:*');
    expect(groups[0]?.logGroupArn).toBe(
      'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/fn',
    );
    expect(tags.tags).toEqual({ team: 'platform' });
    expect(invalid.name).toBe('InvalidParameterException');
    expect(duplicate.name).toBe('ResourceAlreadyExistsException');
  });

  it('keeps budgets with notifications', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock, { costs: { daily: 0.5 } });
    const budgets = new BudgetsClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    const notification = {
      NotificationType: 'ACTUAL' as const,
      ComparisonOperator: 'GREATER_THAN' as const,
      Threshold: 80,
      ThresholdType: 'PERCENTAGE' as const,
    };
    await budgets.send(
      new CreateBudgetCommand({
        AccountId: '123456789012',
        Budget: {
          BudgetName: 'monthly',
          BudgetLimit: { Amount: '10', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        },
        NotificationsWithSubscribers: [
          {
            Notification: notification,
            Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }],
          },
        ],
      }),
    );

    const budget = (
      await budgets.send(
        new DescribeBudgetCommand({ AccountId: '123456789012', BudgetName: 'monthly' }),
      )
    ).Budget;
    const notifications = await budgets.send(
      new DescribeNotificationsForBudgetCommand({
        AccountId: '123456789012',
        BudgetName: 'monthly',
      }),
    );
    const subscribers = await budgets.send(
      new DescribeSubscribersForNotificationCommand({
        AccountId: '123456789012',
        BudgetName: 'monthly',
        Notification: notification,
      }),
    );
    const duplicate = await failure(
      budgets.send(
        new CreateNotificationCommand({
          AccountId: '123456789012',
          BudgetName: 'monthly',
          Notification: notification,
          Subscribers: [{ SubscriptionType: 'EMAIL', Address: 'ops@example.com' }],
        }),
      ),
    );
    const missing = await failure(
      budgets.send(new DescribeBudgetCommand({ AccountId: '123456789012', BudgetName: 'other' })),
    );

    expect(budget?.BudgetLimit).toEqual({ Amount: '10.0', Unit: 'USD' });
    // The manual clock starts at 15 June 12:00 UTC, so 15 days have started, at 0.5 a day.
    expect(budget?.CalculatedSpend?.ActualSpend).toEqual({ Amount: '7.5', Unit: 'USD' });
    expect(notifications.Notifications).toEqual([{ ...notification, NotificationState: 'OK' }]);
    expect(subscribers.Subscribers).toEqual([
      { SubscriptionType: 'EMAIL', Address: 'ops@example.com' },
    ]);
    expect(duplicate.name).toBe('DuplicateRecordException');
    expect(missing.name).toBe('NotFoundException');
    expect(missing.message).toBe("Unable to get budget: other - the budget doesn't exist.");
  });

  it('reports configured costs and forecasts', async () => {
    const standIn = await startTestStandIn(new ManualClock(), {
      costs: { daily: { '2026-06-01': 1.25, '2026-06-02': 2 }, forecastDaily: 3 },
    });
    const costExplorer = new CostExplorerClient({ ...standIn.clientConfig(), maxAttempts: 1 });

    const usage = await costExplorer.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-05-31', End: '2026-06-03' },
        Granularity: 'DAILY',
        Metrics: ['UnblendedCost'],
      }),
    );
    const forecast = await costExplorer.send(
      new GetCostForecastCommand({
        TimePeriod: { Start: '2026-06-16', End: '2026-07-01' },
        Granularity: 'MONTHLY',
        Metric: 'UNBLENDED_COST',
      }),
    );
    standIn.costs.daily = 4;
    const changed = await costExplorer.send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: '2026-06-01', End: '2026-06-03' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
      }),
    );
    const past = await failure(
      costExplorer.send(
        new GetCostForecastCommand({
          TimePeriod: { Start: '2026-06-01', End: '2026-07-01' },
          Granularity: 'MONTHLY',
          Metric: 'UNBLENDED_COST',
        }),
      ),
    );

    expect(usage.ResultsByTime?.map((result) => result.Total?.UnblendedCost?.Amount)).toEqual([
      '0',
      '1.25',
      '2',
    ]);
    expect(usage.ResultsByTime?.[0]?.TimePeriod).toEqual({
      Start: '2026-05-31',
      End: '2026-06-01',
    });
    expect(forecast.Total).toEqual({ Amount: '45', Unit: 'USD' });
    expect(changed.ResultsByTime?.[0]?.Total?.UnblendedCost?.Amount).toBe('8');
    expect(past.name).toBe('ValidationException');
  });

  it('keeps secret versions', async () => {
    const standIn = await startTestStandIn(new ManualClock());
    const secrets = new SecretsManagerClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    const created = await secrets.send(
      new CreateSecretCommand({ Name: 'dev/atlas', SecretString: '{"clientId":"a"}' }),
    );
    await secrets.send(
      new PutSecretValueCommand({ SecretId: 'dev/atlas', SecretString: '{"clientId":"b"}' }),
    );

    const current = await secrets.send(new GetSecretValueCommand({ SecretId: created.ARN }));
    const previous = await secrets.send(
      new GetSecretValueCommand({ SecretId: 'dev/atlas', VersionStage: 'AWSPREVIOUS' }),
    );
    const described = await secrets.send(new DescribeSecretCommand({ SecretId: 'dev/atlas' }));
    const missing = await failure(
      secrets.send(new GetSecretValueCommand({ SecretId: 'dev/okta' })),
    );

    expect(created.ARN).toMatch(
      /^arn:aws:secretsmanager:us-east-1:123456789012:secret:dev\/atlas-[A-Za-z0-9]{6}$/,
    );
    expect(current.SecretString).toBe('{"clientId":"b"}');
    expect(previous.SecretString).toBe('{"clientId":"a"}');
    expect(Object.values(described.VersionIdsToStages ?? {}).sort()).toEqual([
      ['AWSCURRENT'],
      ['AWSPREVIOUS'],
    ]);
    expect(missing.name).toBe('ResourceNotFoundException');
  });

  it('redacts secret values in the request log', async () => {
    const standIn = await startTestStandIn(new ManualClock());
    const secrets = new SecretsManagerClient({ ...standIn.clientConfig(), maxAttempts: 1 });
    await secrets.send(new CreateSecretCommand({ Name: 'dev/okta', SecretString: 'token-value' }));

    const entry = standIn.requests.entries[0];

    expect(entry?.service).toBe('secretsmanager');
    expect(entry?.operation).toBe('CreateSecret');
    expect(entry?.write).toBe(true);
    expect(entry?.params.SecretString).toBe('(redacted)');
    expect(JSON.stringify(standIn.requests.entries)).not.toContain('token-value');
  });

  it('persists state to a file', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gitops-aws-state-')), 'aws.json');
    const first = await startTestStandIn(new ManualClock(), { statePath: path });
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        {
          Effect: 'Allow',
          Principal: { Service: 'lambda.amazonaws.com' },
          Action: 'sts:AssumeRole',
        },
      ],
    });
    await new IAMClient({ ...first.clientConfig(), maxAttempts: 1 }).send(
      new CreateRoleCommand({ RoleName: 'kept', AssumeRolePolicyDocument: trust }),
    );
    await first.close();

    const second = await startTestStandIn(new ManualClock(), { statePath: path });
    const role = await new IAMClient({ ...second.clientConfig(), maxAttempts: 1 }).send(
      new GetRoleCommand({ RoleName: 'kept' }),
    );

    expect(existsSync(path)).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toHaveProperty(
      ['iam', 'roles', 'kept', 'RoleName'],
      'kept',
    );
    expect(role.Role?.RoleName).toBe('kept');
  });
});
