// AWS Budgets over awsJson1.1 (`AWSBudgetServiceGateway.*`): cost budgets, their notifications
// with subscribers, and tags. Amounts come back as Budgets writes them (`10` becomes `10.0`), and
// the actual spend of the month is computed from the Cost Explorer amounts of the stand-in.
import { AwsError } from '../errors.ts';
import { optionalField, requiredField } from '../protocols/json.ts';
import type { AccessCheck, Operation, Runtime } from '../runtime.ts';
import type { BudgetNotificationRecord, BudgetRecord, TagRecord } from '../state.ts';
import { costBetween, forecastDailyCost, forecastUnavailable } from './cost-explorer.ts';

type Body = Record<string, unknown>;

const maxNotificationsPerBudget = 10;
const maxEmailSubscribers = 10;
/** Budgets' "no end date": 2087-06-15, in epoch seconds. */
const openEnd = 3_706_473_600;

function invalid(message: string): AwsError {
  return new AwsError('InvalidParameterException', message, 400, { messageMember: 'Message' });
}

function budgetArn(runtime: Runtime, name: string): string {
  return `arn:aws:budgets::${runtime.accountId}:budget/${name}`;
}

function checkAccount(runtime: Runtime, body: Body): void {
  const accountId = requiredField(body, 'AccountId');
  if (accountId !== runtime.accountId) {
    throw new AwsError(
      'AccessDeniedException',
      `Account ${runtime.accountId} is not authorized to access budgets of account ${accountId}.`,
      400,
      { messageMember: 'Message' },
    );
  }
}

function findBudget(runtime: Runtime, name: string): BudgetRecord {
  const budget = runtime.state.budgets.budgets[name];
  if (budget === undefined) {
    throw new AwsError(
      'NotFoundException',
      `Unable to get budget: ${name} - the budget doesn't exist.`,
      400,
      {
        messageMember: 'Message',
      },
    );
  }
  return budget;
}

/** Budgets' decimal form: at least one digit after the point. */
function normalizeAmount(raw: unknown, field: string): string {
  const amount = Number(raw);
  if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(amount) || amount < 0) {
    throw invalid(`${field} must be a non-negative decimal number (got ${JSON.stringify(raw)}).`);
  }
  return Number.isInteger(amount) ? amount.toFixed(1) : String(amount);
}

function startOfMonth(now: number): number {
  const date = new Date(now);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1);
}

/**
 * Completes a budget with the defaults Budgets fills in, as the stand-in stores it: times in epoch
 * milliseconds, so that the state file round-trips.
 */
function completeBudget(
  runtime: Runtime,
  raw: unknown,
  existing?: BudgetRecord,
): BudgetRecord['Budget'] {
  const budget = (raw ?? {}) as Record<string, unknown>;
  const name = budget.BudgetName;
  if (typeof name !== 'string' || !/^[^:\\]{1,100}$/.test(name)) {
    throw invalid(
      `BudgetName must be 1 to 100 characters without ':' or '\\' (got ${JSON.stringify(name)}).`,
    );
  }
  const budgetType = budget.BudgetType;
  if (
    typeof budgetType !== 'string' ||
    ![
      'COST',
      'USAGE',
      'RI_UTILIZATION',
      'RI_COVERAGE',
      'SAVINGS_PLANS_UTILIZATION',
      'SAVINGS_PLANS_COVERAGE',
    ].includes(budgetType)
  ) {
    throw invalid(`BudgetType is invalid (got ${JSON.stringify(budgetType)}).`);
  }
  const timeUnit = budget.TimeUnit;
  if (
    typeof timeUnit !== 'string' ||
    !['DAILY', 'MONTHLY', 'QUARTERLY', 'ANNUALLY'].includes(timeUnit)
  ) {
    throw invalid(`TimeUnit is invalid (got ${JSON.stringify(timeUnit)}).`);
  }
  const limit = budget.BudgetLimit as { Amount?: unknown; Unit?: unknown } | undefined;
  if (budgetType === 'COST' && limit === undefined) {
    throw invalid('A COST budget requires BudgetLimit.');
  }
  return {
    BudgetName: name,
    BudgetLimit:
      limit === undefined
        ? undefined
        : {
            Amount: normalizeAmount(limit.Amount, 'BudgetLimit.Amount'),
            Unit: typeof limit.Unit === 'string' ? limit.Unit : 'USD',
          },
    CostFilters: budget.CostFilters ?? {},
    CostTypes: {
      IncludeTax: true,
      IncludeSubscription: true,
      UseBlended: false,
      IncludeRefund: false,
      IncludeCredit: false,
      IncludeUpfront: true,
      IncludeRecurring: true,
      IncludeOtherSubscription: true,
      IncludeSupport: true,
      IncludeDiscount: true,
      UseAmortized: false,
      ...(budget.CostTypes as object | undefined),
    },
    TimeUnit: timeUnit,
    TimePeriod: existing?.Budget.TimePeriod ?? {
      Start: startOfMonth(runtime.now()),
      End: openEnd * 1000,
    },
    BudgetType: budgetType,
    LastUpdatedTime: runtime.now(),
  };
}

/**
 * Returns the month's forecast spend as Budgets reports it: the actual spend plus the forecast of
 * the days left, or undefined when Cost Explorer has no forecast, as Budgets then leaves it out.
 */
function forecastedSpend(runtime: Runtime, spent: number): number | undefined {
  if (forecastUnavailable(runtime)) return undefined;
  const now = new Date(runtime.now());
  const nextMonth = Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1);
  // The actual spend already counts today, so the forecast adds the days after it.
  const tomorrow = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  const daysLeft = (nextMonth - tomorrow) / 86_400_000;
  return spent + forecastDailyCost(runtime) * daysLeft;
}

/** The budget as DescribeBudget returns it, with the month's actual and forecast spend computed now. */
function budgetResponse(runtime: Runtime, record: BudgetRecord): Record<string, unknown> {
  const budget = record.Budget;
  const period = budget.TimePeriod as { Start: number; End: number };
  const unit = (budget.BudgetLimit as { Unit: string } | undefined)?.Unit ?? 'USD';
  const spent = costBetween(runtime, startOfMonth(runtime.now()), runtime.now());
  const forecast = forecastedSpend(runtime, spent);
  return {
    ...budget,
    TimePeriod: { Start: new Date(period.Start), End: new Date(period.End) },
    CalculatedSpend: {
      ActualSpend: { Amount: normalizeAmount(spent.toFixed(2), 'ActualSpend'), Unit: unit },
      ...(forecast === undefined
        ? {}
        : {
            ForecastedSpend: {
              Amount: normalizeAmount(forecast.toFixed(2), 'ForecastedSpend'),
              Unit: unit,
            },
          }),
    },
    LastUpdatedTime: new Date(budget.LastUpdatedTime as number),
  };
}

function checkNotification(raw: unknown): BudgetNotificationRecord['Notification'] {
  const notification = (raw ?? {}) as Record<string, unknown>;
  const type = notification.NotificationType;
  const operator = notification.ComparisonOperator;
  const threshold = notification.Threshold;
  const thresholdType = notification.ThresholdType ?? 'PERCENTAGE';
  if (type !== 'ACTUAL' && type !== 'FORECASTED') {
    throw invalid(`NotificationType must be ACTUAL or FORECASTED (got ${JSON.stringify(type)}).`);
  }
  if (operator !== 'GREATER_THAN' && operator !== 'LESS_THAN' && operator !== 'EQUAL_TO') {
    throw invalid(`ComparisonOperator is invalid (got ${JSON.stringify(operator)}).`);
  }
  if (typeof threshold !== 'number' || threshold < 0 || threshold > 1_000_000_000) {
    throw invalid(
      `Threshold must be a number between 0 and 1000000000 (got ${JSON.stringify(threshold)}).`,
    );
  }
  if (thresholdType !== 'PERCENTAGE' && thresholdType !== 'ABSOLUTE_VALUE') {
    throw invalid(`ThresholdType is invalid (got ${JSON.stringify(thresholdType)}).`);
  }
  if (thresholdType === 'PERCENTAGE' && threshold > 1000) {
    throw invalid(`A percentage threshold must not exceed 1000 (got ${threshold}).`);
  }
  return {
    NotificationType: type,
    ComparisonOperator: operator,
    Threshold: threshold,
    ThresholdType: thresholdType,
    NotificationState: 'OK',
  };
}

function checkSubscribers(raw: unknown): BudgetNotificationRecord['Subscribers'] {
  if (!Array.isArray(raw) || raw.length === 0) {
    throw invalid('A notification needs at least one subscriber.');
  }
  const subscribers = raw as Array<{ SubscriptionType?: unknown; Address?: unknown }>;
  for (const subscriber of subscribers) {
    if (subscriber.SubscriptionType === 'EMAIL') {
      if (
        typeof subscriber.Address !== 'string' ||
        !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(subscriber.Address)
      ) {
        throw invalid(`Invalid email address: ${JSON.stringify(subscriber.Address)}`);
      }
    } else if (subscriber.SubscriptionType === 'SNS') {
      if (
        typeof subscriber.Address !== 'string' ||
        !subscriber.Address.startsWith('arn:aws:sns:')
      ) {
        throw invalid(`Invalid SNS topic ARN: ${JSON.stringify(subscriber.Address)}`);
      }
    } else {
      throw invalid(
        `SubscriptionType must be EMAIL or SNS (got ${JSON.stringify(subscriber.SubscriptionType)}).`,
      );
    }
  }
  if (
    subscribers.filter((subscriber) => subscriber.SubscriptionType === 'EMAIL').length >
    maxEmailSubscribers
  ) {
    throw invalid(`A notification can have at most ${maxEmailSubscribers} email subscribers.`);
  }
  return subscribers.map((subscriber) => ({
    SubscriptionType: String(subscriber.SubscriptionType),
    Address: String(subscriber.Address),
  }));
}

function sameNotification(
  left: BudgetNotificationRecord['Notification'],
  right: BudgetNotificationRecord['Notification'],
): boolean {
  return (
    left.NotificationType === right.NotificationType &&
    left.ComparisonOperator === right.ComparisonOperator &&
    left.Threshold === right.Threshold &&
    left.ThresholdType === right.ThresholdType
  );
}

function findNotification(budget: BudgetRecord, raw: unknown): BudgetNotificationRecord {
  const wanted = checkNotification(raw);
  const found = budget.Notifications.find((candidate) =>
    sameNotification(candidate.Notification, wanted),
  );
  if (found === undefined) {
    throw new AwsError(
      'NotFoundException',
      'Unable to find the notification for this budget.',
      400,
      {
        messageMember: 'Message',
      },
    );
  }
  return found;
}

function addNotification(budget: BudgetRecord, notification: BudgetNotificationRecord): void {
  if (
    budget.Notifications.some((existing) =>
      sameNotification(existing.Notification, notification.Notification),
    )
  ) {
    throw new AwsError(
      'DuplicateRecordException',
      'Error creating notification: the notification already exists.',
      400,
      {
        messageMember: 'Message',
      },
    );
  }
  if (budget.Notifications.length >= maxNotificationsPerBudget) {
    throw new AwsError(
      'CreationLimitExceededException',
      `A budget can have at most ${maxNotificationsPerBudget} notifications.`,
      400,
      {
        messageMember: 'Message',
      },
    );
  }
  budget.Notifications.push(notification);
}

function checkTags(raw: unknown): TagRecord[] {
  const tags = (Array.isArray(raw) ? raw : []) as Array<{ Key?: unknown; Value?: unknown }>;
  return tags.map((tag) => {
    if (
      typeof tag.Key !== 'string' ||
      !/^(?!aws:)[a-zA-Z+\-=._:/]+$/.test(tag.Key) ||
      typeof tag.Value !== 'string'
    ) {
      throw invalid(`Invalid resource tag: ${JSON.stringify(tag)}`);
    }
    return { Key: tag.Key, Value: tag.Value };
  });
}

function mergeTags(existing: TagRecord[], added: TagRecord[]): TagRecord[] {
  const merged = new Map(existing.map((tag) => [tag.Key, tag.Value]));
  for (const tag of added) {
    merged.set(tag.Key, tag.Value);
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

function budgetFromArn(runtime: Runtime, body: Body): BudgetRecord {
  const arn = requiredField(body, 'ResourceARN');
  const prefix = `arn:aws:budgets::${runtime.accountId}:budget/`;
  if (!arn.startsWith(prefix)) {
    throw new AwsError('NotFoundException', `Unable to find resource ${arn}.`, 400, {
      messageMember: 'Message',
    });
  }
  return findBudget(runtime, arn.slice(prefix.length));
}

function budgetCheck(action: string, nameField: 'BudgetName' | 'NewBudget' | 'Budget') {
  return (body: Body, runtime: Runtime): AccessCheck[] => {
    const value = body[nameField];
    const name =
      typeof value === 'string'
        ? value
        : String((value as { BudgetName?: unknown } | undefined)?.BudgetName);
    return [{ action, resource: budgetArn(runtime, name) }];
  };
}

export const budgetsOperations: Record<string, Operation<Body>> = {
  CreateBudget: {
    write: true,
    authorize(body, runtime) {
      const checks = budgetCheck('budgets:ModifyBudget', 'Budget')(body, runtime);
      if (Array.isArray(body.ResourceTags) && body.ResourceTags.length > 0) {
        checks.push({ action: 'budgets:TagResource', resource: checks[0]?.resource ?? '*' });
      }
      return checks;
    },
    run(body, runtime) {
      checkAccount(runtime, body);
      const budget = completeBudget(runtime, body.Budget);
      if (runtime.state.budgets.budgets[budget.BudgetName] !== undefined) {
        throw new AwsError(
          'DuplicateRecordException',
          `Error creating budget: ${budget.BudgetName} - the budget already exists.`,
          400,
          {
            messageMember: 'Message',
          },
        );
      }
      const record: BudgetRecord = {
        Budget: budget,
        Notifications: [],
        Tags: mergeTags([], checkTags(body.ResourceTags)),
      };
      const withSubscribers = Array.isArray(body.NotificationsWithSubscribers)
        ? body.NotificationsWithSubscribers
        : [];
      for (const item of withSubscribers as Array<{
        Notification?: unknown;
        Subscribers?: unknown;
      }>) {
        addNotification(record, {
          Notification: checkNotification(item.Notification),
          Subscribers: checkSubscribers(item.Subscribers),
        });
      }
      runtime.state.budgets.budgets[budget.BudgetName] = record;
      return {};
    },
  },
  DescribeBudget: {
    write: false,
    authorize: budgetCheck('budgets:ViewBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      return { Budget: budgetResponse(runtime, record) };
    },
  },
  UpdateBudget: {
    write: true,
    authorize: budgetCheck('budgets:ModifyBudget', 'NewBudget'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const name = String((body.NewBudget as { BudgetName?: unknown } | undefined)?.BudgetName);
      const record = findBudget(runtime, name);
      record.Budget = completeBudget(runtime, body.NewBudget, record);
      return {};
    },
  },
  DeleteBudget: {
    write: true,
    authorize: budgetCheck('budgets:ModifyBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      delete runtime.state.budgets.budgets[record.Budget.BudgetName];
      return {};
    },
  },
  DescribeBudgets: {
    write: false,
    authorize: (_body, runtime) => [
      { action: 'budgets:ViewBudget', resource: budgetArn(runtime, '*') },
    ],
    run(body, runtime) {
      checkAccount(runtime, body);
      const maxResults = typeof body.MaxResults === 'number' ? body.MaxResults : 100;
      const token = optionalField(body, 'NextToken');
      const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'));
      const records = Object.values(runtime.state.budgets.budgets).sort((left, right) =>
        left.Budget.BudgetName.localeCompare(right.Budget.BudgetName),
      );
      const slice = records.slice(start, start + maxResults);
      const end = start + slice.length;
      return {
        Budgets: slice.map((record) => budgetResponse(runtime, record)),
        NextToken: end < records.length ? Buffer.from(String(end)).toString('base64') : undefined,
      };
    },
  },
  CreateNotification: {
    write: true,
    authorize: budgetCheck('budgets:ModifyBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      addNotification(record, {
        Notification: checkNotification(body.Notification),
        Subscribers: checkSubscribers(body.Subscribers),
      });
      return {};
    },
  },
  DescribeNotificationsForBudget: {
    write: false,
    authorize: budgetCheck('budgets:ViewBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      return { Notifications: record.Notifications.map((item) => item.Notification) };
    },
  },
  DeleteNotification: {
    write: true,
    authorize: budgetCheck('budgets:ModifyBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      const found = findNotification(record, body.Notification);
      record.Notifications = record.Notifications.filter((item) => item !== found);
      return {};
    },
  },
  DescribeSubscribersForNotification: {
    write: false,
    authorize: budgetCheck('budgets:ViewBudget', 'BudgetName'),
    run(body, runtime) {
      checkAccount(runtime, body);
      const record = findBudget(runtime, requiredField(body, 'BudgetName'));
      return { Subscribers: findNotification(record, body.Notification).Subscribers };
    },
  },
  TagResource: {
    write: true,
    authorize: (body) => [{ action: 'budgets:TagResource', resource: String(body.ResourceARN) }],
    run(body, runtime) {
      const record = budgetFromArn(runtime, body);
      record.Tags = mergeTags(record.Tags, checkTags(body.ResourceTags));
      return {};
    },
  },
  UntagResource: {
    write: true,
    authorize: (body) => [{ action: 'budgets:UntagResource', resource: String(body.ResourceARN) }],
    run(body, runtime) {
      const record = budgetFromArn(runtime, body);
      const keys = new Set(
        Array.isArray(body.ResourceTagKeys) ? (body.ResourceTagKeys as string[]) : [],
      );
      record.Tags = record.Tags.filter((tag) => !keys.has(tag.Key));
      return {};
    },
  },
  ListTagsForResource: {
    write: false,
    authorize: (body) => [
      { action: 'budgets:ListTagsForResource', resource: String(body.ResourceARN) },
    ],
    run(body, runtime) {
      return { ResourceTags: budgetFromArn(runtime, body).Tags };
    },
  },
};
