// Reads the month's spend: AWS month-to-date cost and forecast from Cost Explorer, each budget of
// `aws.budgets` from AWS Budgets, and the Atlas organization's pending invoice. Only reads.
import { DescribeBudgetCommand } from '@aws-sdk/client-budgets';
import type { BudgetsClient } from '@aws-sdk/client-budgets';
import { GetCostAndUsageCommand, GetCostForecastCommand } from '@aws-sdk/client-cost-explorer';
import type { CostExplorerClient } from '@aws-sdk/client-cost-explorer';
import type { Logger } from '../engine/provider.ts';
import { readPendingCharges } from '../providers/atlas/billing.ts';
import type { AtlasClient, PendingCharges } from '../providers/atlas/index.ts';
import type { AwsSection } from '../providers/aws/index.ts';

/** An amount of money in a currency, such as 12.5 USD. */
export interface Amount {
  readonly amount: number;
  readonly unit: string;
}

/** The calendar month of `now` in UTC, as the `YYYY-MM-DD` dates Cost Explorer takes. */
export interface MonthWindow {
  /** First day of the month. */
  readonly start: string;
  /** Today: the exclusive end of the month-to-date period and the start of the forecast. */
  readonly today: string;
  /** First day of the next month: the exclusive end of the forecast. */
  readonly end: string;
}

export interface AwsCosts {
  /** UnblendedCost of the complete days of this month, before today. */
  readonly monthToDate: Amount;
  /** Month-to-date cost plus the forecast of the rest of the month, or undefined without one. */
  readonly forecast: Amount | undefined;
  /** Reason that `forecast` is missing, for the report. */
  readonly forecastMissing?: string;
}

export interface BudgetReading {
  /** Key of the budget in `aws.budgets`. */
  readonly key: string;
  readonly budgetName: string;
  /** The limit the config sets, which the check compares with. */
  readonly limit: Amount;
  /** False when the budget does not exist yet, such as before the first apply. */
  readonly found: boolean;
  /** The limit AWS Budgets has, which differs from `limit` when the budget drifted. */
  readonly reportedLimit?: Amount;
  readonly actualSpend?: Amount;
  readonly forecastedSpend?: Amount;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** Returns the month-to-date and forecast periods of the UTC month of `now`. */
export function monthWindow(now: Date): MonthWindow {
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    start: day(new Date(Date.UTC(year, month, 1))),
    today: day(now),
    end: day(new Date(Date.UTC(year, month + 1, 1))),
  };
}

function parseAmount(raw: { Amount?: string; Unit?: string } | undefined, field: string): Amount {
  const amount = Number(raw?.Amount);
  if (raw?.Amount === undefined || !Number.isFinite(amount)) {
    throw new Error(`${field} is not a number (got ${JSON.stringify(raw?.Amount)}).`);
  }
  return { amount, unit: raw.Unit ?? 'USD' };
}

function isError(error: unknown, name: string): boolean {
  return error instanceof Error && error.name === name;
}

/** Wraps a failed Cost Explorer call with the operation and the permission it needs. */
function costExplorerError(operation: string, error: unknown): Error {
  const action = operation === 'GetCostAndUsage' ? 'ce:GetCostAndUsage' : 'ce:GetCostForecast';
  return new Error(
    `Cost Explorer ${operation} failed: ${(error as Error).message}. Check that the role may call ${action}.`,
    { cause: error },
  );
}

async function readMonthToDate(
  client: CostExplorerClient,
  window: MonthWindow,
  log: Logger,
): Promise<Amount> {
  // Cost Explorer rejects a period whose start equals its end, and on the first day of a month
  // there is no complete day yet, so the month to date is zero.
  if (window.start === window.today) {
    log.info(`Today is the first day of the month, so the AWS month-to-date cost is 0.`);
    return { amount: 0, unit: 'USD' };
  }
  const response = await client
    .send(
      new GetCostAndUsageCommand({
        TimePeriod: { Start: window.start, End: window.today },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
      }),
    )
    .catch((error: unknown) => {
      throw costExplorerError('GetCostAndUsage', error);
    });
  const results = response.ResultsByTime ?? [];
  let total = 0;
  let unit = 'USD';
  for (const result of results) {
    const cost = parseAmount(result.Total?.UnblendedCost, 'GetCostAndUsage UnblendedCost');
    total += cost.amount;
    unit = cost.unit;
  }
  return { amount: total, unit };
}

/** Reads the AWS account's UnblendedCost of this month so far and its forecast to month end. */
export async function readAwsCosts(
  client: CostExplorerClient,
  now: Date,
  log: Logger,
): Promise<AwsCosts> {
  const window = monthWindow(now);
  const monthToDate = await readMonthToDate(client, window, log);
  try {
    const response = await client.send(
      new GetCostForecastCommand({
        TimePeriod: { Start: window.today, End: window.end },
        Granularity: 'MONTHLY',
        Metric: 'UNBLENDED_COST',
      }),
    );
    const rest = parseAmount(response.Total, 'GetCostForecast Total');
    return {
      monthToDate,
      forecast: { amount: monthToDate.amount + rest.amount, unit: rest.unit },
    };
  } catch (error) {
    // AWS has too little cost history early in a month or for a new account. That is a gap in
    // the report, not a failure of the check.
    if (!isError(error, 'DataUnavailableException')) {
      throw costExplorerError('GetCostForecast', error);
    }
    log.info(`Cost Explorer has no forecast yet: ${(error as Error).message}`);
    return {
      monthToDate,
      forecast: undefined,
      forecastMissing: 'Cost Explorer has no forecast yet (too little cost history).',
    };
  }
}

/** Reads each budget of `aws.budgets` with DescribeBudget, sorted by key. */
export async function readBudgets(
  client: BudgetsClient,
  aws: AwsSection,
  log: Logger,
): Promise<BudgetReading[]> {
  const readings: BudgetReading[] = [];
  const entries = Object.entries(aws.budgets ?? {}).sort(([a], [b]) => a.localeCompare(b));
  for (const [key, budget] of entries) {
    const limit = { amount: budget.limitAmount, unit: budget.unit };
    try {
      const response = await client.send(
        new DescribeBudgetCommand({ AccountId: aws.accountId, BudgetName: budget.budgetName }),
      );
      const spend = response.Budget?.CalculatedSpend;
      const reported = response.Budget?.BudgetLimit;
      readings.push({
        key,
        budgetName: budget.budgetName,
        limit,
        found: true,
        ...(reported && { reportedLimit: parseAmount(reported, 'DescribeBudget BudgetLimit') }),
        ...(spend?.ActualSpend && {
          actualSpend: parseAmount(spend.ActualSpend, 'DescribeBudget ActualSpend'),
        }),
        ...(spend?.ForecastedSpend && {
          forecastedSpend: parseAmount(spend.ForecastedSpend, 'DescribeBudget ForecastedSpend'),
        }),
      });
    } catch (error) {
      if (!isError(error, 'NotFoundException')) {
        throw new Error(
          `DescribeBudget of ${budget.budgetName} failed: ${(error as Error).message}. Check that the role may call budgets:ViewBudget.`,
          { cause: error },
        );
      }
      log.warning(
        `AWS budget ${budget.budgetName} (aws.budgets.${key}) does not exist yet; apply the config to create it.`,
      );
      readings.push({ key, budgetName: budget.budgetName, limit, found: false });
    }
  }
  return readings;
}

/** Reads the Atlas organization's pending charges of the current billing period. */
export function readAtlasCharges(
  client: AtlasClient,
  orgId: string,
  log: Logger,
): Promise<PendingCharges> {
  return readPendingCharges(client, orgId, log);
}
