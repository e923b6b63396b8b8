// `aws:budgets:Budget`: a monthly cost budget with e-mail or SNS alerts at percentages of its limit.
// Only the notifications this provider writes (actual cost, greater than, percentage) are managed;
// others on the same budget are left alone.
import {
  CreateBudgetCommand,
  CreateNotificationCommand,
  DeleteBudgetCommand,
  DeleteNotificationCommand,
  DescribeBudgetCommand,
  DescribeBudgetsCommand,
  DescribeNotificationsForBudgetCommand,
  DescribeSubscribersForNotificationCommand,
  ListTagsForResourceCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateBudgetCommand,
} from '@aws-sdk/client-budgets';
import type { Budget, Notification, Subscriber } from '@aws-sdk/client-budgets';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../../engine/provider.ts';
import { ProviderError } from '../../../engine/provider.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
import type { AwsRuntime } from '../runtime.ts';
import {
  desiredTags,
  markerKeys,
  ownedByEnvironment,
  ownershipOf,
  tagChanges,
  tagList,
  tagMap,
  userTags,
} from '../tags.ts';
import { adoptExisting } from './adopt.ts';

export interface BudgetSpec {
  budgetName: string;
  limitAmount: number;
  unit: string;
  thresholds: number[];
  subscribers: Array<{ subscriptionType: 'EMAIL' | 'SNS'; address: string }>;
  tags?: Record<string, string>;
}

function specOf(resource: DesiredResource): BudgetSpec {
  return resource.spec as unknown as BudgetSpec;
}

/** Builds the notification this provider writes for one threshold. */
function thresholdNotification(threshold: number): Notification {
  return {
    NotificationType: 'ACTUAL',
    ComparisonOperator: 'GREATER_THAN',
    Threshold: threshold,
    ThresholdType: 'PERCENTAGE',
  };
}

function isManaged(notification: Notification): boolean {
  return (
    notification.NotificationType === 'ACTUAL' &&
    notification.ComparisonOperator === 'GREATER_THAN' &&
    (notification.ThresholdType ?? 'PERCENTAGE') === 'PERCENTAGE'
  );
}

function subscriberKey(subscriber: { SubscriptionType?: string; Address?: string }): string {
  return `${subscriber.SubscriptionType ?? ''}:${subscriber.Address ?? ''}`;
}

function toSubscribers(spec: BudgetSpec): Subscriber[] {
  return spec.subscribers.map((subscriber) => ({
    SubscriptionType: subscriber.subscriptionType,
    Address: subscriber.address,
  }));
}

export function createBudgetHandler(runtime: AwsRuntime): ResourceHandler {
  const budgets = () => runtime.clients.budgets;
  const arnOf = (name: string) => `arn:aws:budgets::${runtime.accountId}:budget/${name}`;

  const describe = async (context: ProviderContext, name: string): Promise<Budget | undefined> => {
    try {
      const output = await runtime.call(
        context,
        'budgets:DescribeBudget',
        `budget ${name}`,
        (options) =>
          budgets().send(
            new DescribeBudgetCommand({ AccountId: runtime.accountId, BudgetName: name }),
            options,
          ),
      );
      return output.Budget;
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  };

  const tagsOf = async (
    context: ProviderContext,
    name: string,
  ): Promise<Record<string, string>> => {
    const output = await runtime.call(
      context,
      'budgets:ListTagsForResource',
      `budget ${name}`,
      (options) =>
        budgets().send(new ListTagsForResourceCommand({ ResourceARN: arnOf(name) }), options),
    );
    return tagMap(output.ResourceTags);
  };

  /** Reads the managed notifications of a budget with their subscribers. */
  const notificationsOf = async (context: ProviderContext, name: string) => {
    const output = await runtime.call(
      context,
      'budgets:DescribeNotificationsForBudget',
      `budget ${name}`,
      (options) =>
        budgets().send(
          new DescribeNotificationsForBudgetCommand({
            AccountId: runtime.accountId,
            BudgetName: name,
          }),
          options,
        ),
    );
    const managed = (output.Notifications ?? []).filter(isManaged);
    const result: Array<{ notification: Notification; subscribers: Subscriber[] }> = [];
    for (const notification of managed) {
      const subscribers = await runtime.call(
        context,
        'budgets:DescribeSubscribersForNotification',
        `budget ${name}`,
        (options) =>
          budgets().send(
            new DescribeSubscribersForNotificationCommand({
              AccountId: runtime.accountId,
              BudgetName: name,
              Notification: notification,
            }),
            options,
          ),
      );
      result.push({ notification, subscribers: subscribers.Subscribers ?? [] });
    }
    return result.sort(
      (left, right) => (left.notification.Threshold ?? 0) - (right.notification.Threshold ?? 0),
    );
  };

  const observe = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation | undefined> => {
    await runtime.guard(context);
    const desired = specOf(resource);
    const budget = await describe(context, desired.budgetName);
    if (budget === undefined) {
      return undefined;
    }
    const notifications = await notificationsOf(context, desired.budgetName);
    const tags = await tagsOf(context, desired.budgetName);

    // One subscriber list stands for all notifications: the desired one when every notification
    // has exactly it, else the first list that differs, so the plan shows the change.
    const wantedKeys = JSON.stringify(toSubscribers(desired).map(subscriberKey).sort());
    const differing = notifications.find(
      (item) => JSON.stringify(item.subscribers.map(subscriberKey).sort()) !== wantedKeys,
    );
    const subscribers: SpecValue =
      differing === undefined
        ? desired.subscribers
        : differing.subscribers.map((subscriber) => ({
            subscriptionType: subscriber.SubscriptionType ?? '',
            address: subscriber.Address ?? '',
          }));

    const arn = arnOf(desired.budgetName);
    return {
      id: arn,
      spec: {
        budgetName: budget.BudgetName ?? desired.budgetName,
        // Budgets returns amounts as decimal strings such as "10.0".
        limitAmount: Number(budget.BudgetLimit?.Amount ?? '0'),
        unit: budget.BudgetLimit?.Unit ?? '',
        thresholds: notifications.map((item) => item.notification.Threshold ?? 0),
        subscribers,
        tags: userTags(tags),
      },
      outputs: { budgetName: desired.budgetName, arn },
      ownership: ownershipOf(tags, context.marker(resource.address)),
    };
  };

  const converge = async (
    context: ProviderContext,
    resource: DesiredResource,
    budget: Budget,
  ): Promise<void> => {
    const desired = specOf(resource);
    const name = desired.budgetName;
    if (
      Number(budget.BudgetLimit?.Amount ?? 'NaN') !== desired.limitAmount ||
      budget.BudgetLimit?.Unit !== desired.unit
    ) {
      await runtime.call(context, 'budgets:UpdateBudget', `budget ${name}`, (options) =>
        budgets().send(
          new UpdateBudgetCommand({
            AccountId: runtime.accountId,
            NewBudget: {
              BudgetName: name,
              BudgetLimit: { Amount: String(desired.limitAmount), Unit: desired.unit },
              TimeUnit: budget.TimeUnit ?? 'MONTHLY',
              BudgetType: budget.BudgetType ?? 'COST',
              CostTypes: budget.CostTypes,
              TimePeriod: budget.TimePeriod,
            },
          }),
          options,
        ),
      );
      context.log.info(`set the limit of budget ${name} to ${desired.limitAmount} ${desired.unit}`);
    }

    const wantedSubscribers = toSubscribers(desired);
    const wantedKeys = JSON.stringify(wantedSubscribers.map(subscriberKey).sort());
    const existing = await notificationsOf(context, name);
    for (const item of existing) {
      const keep =
        desired.thresholds.includes(item.notification.Threshold ?? -1) &&
        JSON.stringify(item.subscribers.map(subscriberKey).sort()) === wantedKeys;
      if (!keep) {
        await runtime.call(context, 'budgets:DeleteNotification', `budget ${name}`, (options) =>
          budgets().send(
            new DeleteNotificationCommand({
              AccountId: runtime.accountId,
              BudgetName: name,
              Notification: item.notification,
            }),
            options,
          ),
        );
        context.log.info(
          `deleted the ${item.notification.Threshold ?? ''}% alert of budget ${name}`,
        );
      }
    }
    const kept = new Set(
      existing
        .filter((item) => JSON.stringify(item.subscribers.map(subscriberKey).sort()) === wantedKeys)
        .map((item) => item.notification.Threshold),
    );
    for (const threshold of [...desired.thresholds].sort((left, right) => left - right)) {
      if (!kept.has(threshold)) {
        await runtime.call(context, 'budgets:CreateNotification', `budget ${name}`, (options) =>
          budgets().send(
            new CreateNotificationCommand({
              AccountId: runtime.accountId,
              BudgetName: name,
              Notification: thresholdNotification(threshold),
              Subscribers: wantedSubscribers,
            }),
            options,
          ),
        );
        context.log.info(`created the ${threshold}% alert of budget ${name}`);
      }
    }

    const tags = await tagsOf(context, name);
    const changes = tagChanges(
      tags,
      desiredTags(desired.tags, tags, context.marker(resource.address)),
    );
    if (Object.keys(changes.set).length > 0) {
      await runtime.call(context, 'budgets:TagResource', `budget ${name}`, (options) =>
        budgets().send(
          new TagResourceCommand({ ResourceARN: arnOf(name), ResourceTags: tagList(changes.set) }),
          options,
        ),
      );
      context.log.info(`tagged budget ${name}: ${Object.keys(changes.set).sort().join(', ')}`);
    }
    if (changes.remove.length > 0) {
      await runtime.call(context, 'budgets:UntagResource', `budget ${name}`, (options) =>
        budgets().send(
          new UntagResourceCommand({ ResourceARN: arnOf(name), ResourceTagKeys: changes.remove }),
          options,
        ),
      );
      context.log.info(`removed tags from budget ${name}: ${changes.remove.join(', ')}`);
    }
  };

  const observeAfterChange = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation> => {
    const observed = await observe(context, resource);
    if (observed === undefined) {
      throw new ProviderError(
        'NOT_FOUND',
        `Budget ${resource.name} disappeared during the apply; plan again.`,
      );
    }
    return observed;
  };

  const handler: ResourceHandler = {
    kind: 'aws:budgets:Budget',
    fields: {
      budgetName: { replaceOnChange: true },
      thresholds: { compare: 'set' },
      subscribers: { compare: 'set' },
    },
    outputs: ['budgetName', 'arn'],
    identity: ['budgetName'],
    observe,

    async create(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      try {
        await runtime.call(
          context,
          'budgets:CreateBudget',
          `budget ${desired.budgetName}`,
          (options) =>
            budgets().send(
              new CreateBudgetCommand({
                AccountId: runtime.accountId,
                Budget: {
                  BudgetName: desired.budgetName,
                  BudgetLimit: { Amount: String(desired.limitAmount), Unit: desired.unit },
                  TimeUnit: 'MONTHLY',
                  BudgetType: 'COST',
                },
                NotificationsWithSubscribers: [...desired.thresholds]
                  .sort((left, right) => left - right)
                  .map((threshold) => ({
                    Notification: thresholdNotification(threshold),
                    Subscribers: toSubscribers(desired),
                  })),
                ResourceTags: tagList(
                  desiredTags(desired.tags, {}, context.marker(resource.address)),
                ),
              }),
              options,
            ),
        );
      } catch (error) {
        if (hasVendorCode(error, 'DuplicateRecordException')) {
          return adoptExisting(handler, context, resource, 'Budget', error as ProviderError);
        }
        throw error;
      }
      context.log.info(
        `created budget ${desired.budgetName}: ${desired.limitAmount} ${desired.unit} a month`,
      );
      return observeAfterChange(context, resource);
    },

    async update(context, resource) {
      await runtime.guard(context);
      const budget = await describe(context, specOf(resource).budgetName);
      if (budget === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `Budget ${resource.name} no longer exists; plan again to create it.`,
        );
      }
      await converge(context, resource, budget);
      return observeAfterChange(context, resource);
    },

    async delete(context, observed) {
      await runtime.guard(context);
      const name = String(observed.outputs.budgetName);
      try {
        await runtime.call(context, 'budgets:DeleteBudget', `budget ${name}`, (options) =>
          budgets().send(
            new DeleteBudgetCommand({ AccountId: runtime.accountId, BudgetName: name }),
            options,
          ),
        );
        context.log.info(`deleted budget ${name}`);
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
    },

    async list(context) {
      await runtime.guard(context);
      const all: Budget[] = [];
      let nextToken: string | undefined;
      try {
        do {
          const page = await runtime.call(
            context,
            'budgets:DescribeBudgets',
            'the account',
            (options) =>
              budgets().send(
                new DescribeBudgetsCommand({ AccountId: runtime.accountId, NextToken: nextToken }),
                options,
              ),
          );
          all.push(...(page.Budgets ?? []));
          nextToken = page.NextToken;
        } while (nextToken !== undefined);
      } catch (error) {
        // Budgets has returned NotFoundException for an account without budgets.
        if (!isNotFound(error)) {
          throw error;
        }
      }
      const owned: Array<Observation & { address: string; name: string }> = [];
      for (const budget of all) {
        const name = budget.BudgetName ?? '';
        const tags = await tagsOf(context, name);
        if (!ownedByEnvironment(tags, context)) {
          continue;
        }
        const arn = arnOf(name);
        owned.push({
          id: arn,
          spec: {
            budgetName: name,
            limitAmount: Number(budget.BudgetLimit?.Amount ?? '0'),
            unit: budget.BudgetLimit?.Unit ?? '',
            tags: userTags(tags),
          },
          outputs: { budgetName: name, arn },
          ownership: 'owned',
          address: tags[markerKeys.address] ?? '',
          name,
        });
      }
      return owned.sort((left, right) => left.address.localeCompare(right.address));
    },
  };
  return handler;
}
