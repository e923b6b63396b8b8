import {
  BudgetsClient,
  CreateBudgetCommand,
  DeleteNotificationCommand,
  DescribeNotificationsForBudgetCommand,
  ListTagsForResourceCommand,
} from '@aws-sdk/client-budgets';
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

const account = { AccountId: '123456789012' };

function budgetResource(spec: Record<string, unknown> = {}): DesiredResource {
  return {
    address: 'aws.budgets.monthly',
    kind: 'aws:budgets:Budget',
    name: 'monthly',
    spec: {
      budgetName: 'monthly',
      limitAmount: 10,
      unit: 'USD',
      thresholds: [50, 80, 100],
      subscribers: [{ subscriptionType: 'EMAIL', address: 'alerts@example.com' }],
      ...spec,
    },
  };
}

async function setUp() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const provider = testProvider(standIn);
  provider.resources({ accountId: '123456789012', region: 'us-east-1' });
  const handler = provider.handlers['aws:budgets:Budget'];
  if (handler === undefined) {
    throw new Error('no budget handler');
  }
  return {
    clock,
    standIn,
    provider,
    handler,
    context: testContext(clock),
    budgets: new BudgetsClient({ ...standIn.clientConfig(), maxAttempts: 1 }),
  };
}

describe('aws:budgets:Budget', () => {
  it('creates the budget with alerts and marker', async () => {
    const { handler, context, budgets } = await setUp();

    const created = await handler.create(context, budgetResource());
    const notifications = await budgets.send(
      new DescribeNotificationsForBudgetCommand({ ...account, BudgetName: 'monthly' }),
    );
    const tags = await budgets.send(
      new ListTagsForResourceCommand({
        ResourceARN: 'arn:aws:budgets::123456789012:budget/monthly',
      }),
    );

    expect(created.outputs).toEqual({
      budgetName: 'monthly',
      arn: 'arn:aws:budgets::123456789012:budget/monthly',
    });
    expect(created.spec.limitAmount).toBe(10);
    expect(notifications.Notifications?.map((notification) => notification.Threshold)).toEqual([
      50, 80, 100,
    ]);
    expect(
      notifications.Notifications?.every(
        (notification) =>
          notification.NotificationType === 'ACTUAL' && notification.ThresholdType === 'PERCENTAGE',
      ),
    ).toBe(true);
    expect(tags.ResourceTags).toContainEqual({
      Key: 'gitops:address',
      Value: 'aws.budgets.monthly',
    });
  });

  it('observes "10.0" as the limit 10', async () => {
    const { standIn, provider, handler, context } = await setUp();
    await handler.create(context, budgetResource());
    standIn.requests.clear();

    const observed = await handler.observe(context, budgetResource());

    expect(
      observed === undefined ? 'missing' : driftedFields(provider, budgetResource(), observed),
    ).toEqual([]);
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('converges limit, thresholds and subscribers', async () => {
    const { standIn, provider, handler, context, budgets } = await setUp();
    await handler.create(context, budgetResource());
    await budgets.send(
      new DeleteNotificationCommand({
        ...account,
        BudgetName: 'monthly',
        Notification: {
          NotificationType: 'ACTUAL',
          ComparisonOperator: 'GREATER_THAN',
          Threshold: 80,
          ThresholdType: 'PERCENTAGE',
        },
      }),
    );
    const desired = budgetResource({
      limitAmount: 25.5,
      thresholds: [50, 90],
      subscribers: [{ subscriptionType: 'EMAIL', address: 'ops@example.com' }],
    });

    const observed = await handler.observe(context, desired);
    standIn.requests.clear();
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);

    expect(observed === undefined ? 'missing' : driftedFields(provider, desired, observed)).toEqual(
      ['limitAmount', 'subscribers', 'thresholds'],
    );
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateBudget',
      'DeleteNotification',
      'DeleteNotification',
      'CreateNotification',
      'CreateNotification',
    ]);
    expect(updated === undefined ? 'missing' : driftedFields(provider, desired, updated)).toEqual(
      [],
    );
  });

  it('rejects a create over an unmarked budget', async () => {
    const { handler, context, budgets } = await setUp();
    await budgets.send(
      new CreateBudgetCommand({
        ...account,
        Budget: {
          BudgetName: 'monthly',
          BudgetLimit: { Amount: '5', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        },
      }),
    );

    const error = await handler.create(context, budgetResource()).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect((error as ProviderError).vendorCode).toBe('DuplicateRecordException');
  });

  it('deletes and lists owned budgets', async () => {
    const { clock, handler, context, budgets } = await setUp();
    const created = await handler.create(context, budgetResource());
    await handler.create(
      testContext(clock, 'prod'),
      budgetResource({ budgetName: 'prod-monthly' }),
    );
    await budgets.send(
      new CreateBudgetCommand({
        ...account,
        Budget: {
          BudgetName: 'manual',
          BudgetLimit: { Amount: '5', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        },
      }),
    );

    const listed = await handler.list?.(context);
    await handler.delete(context, created);
    await handler.delete(context, created);
    const after = await handler.list?.(context);

    expect(listed?.map((item) => [item.address, item.name])).toEqual([
      ['aws.budgets.monthly', 'monthly'],
    ]);
    expect(after).toEqual([]);
  });
});
