// Cost Explorer over awsJson1.1 (`AWSInsightsIndexService.*`): actual and forecast cost from
// amounts the test or the local stack sets, for the billing check.
import { AwsError } from '../errors.ts';
import type { CostSettings, Operation, Runtime } from '../runtime.ts';

/** The stand-in's cost settings with the switches of Cost Explorer alone. */
export interface CostExplorerSettings extends CostSettings {
  /**
   * When true, GetCostForecast fails with DataUnavailableException, as AWS does when an account
   * has too little cost history, such as early in its first month.
   */
  forecastUnavailable?: boolean;
}

/** Returns whether GetCostForecast has no data to forecast from. */
export function forecastUnavailable(runtime: Runtime): boolean {
  return (runtime.costs as CostExplorerSettings).forecastUnavailable === true;
}

/** Returns the forecast cost of one UTC day. */
export function forecastDailyCost(runtime: Runtime): number {
  return (
    runtime.costs.forecastDaily ??
    (typeof runtime.costs.daily === 'number' ? runtime.costs.daily : 0)
  );
}

type Body = Record<string, unknown>;

const dayMs = 86_400_000;
const usageMetrics = new Set(['UsageQuantity', 'NormalizedUsageAmount']);
const costMetrics = new Set([
  'AmortizedCost',
  'BlendedCost',
  'NetAmortizedCost',
  'NetUnblendedCost',
  'UnblendedCost',
]);
const forecastMetrics = new Set([
  'AMORTIZED_COST',
  'BLENDED_COST',
  'NET_AMORTIZED_COST',
  'NET_UNBLENDED_COST',
  'UNBLENDED_COST',
]);

function validation(message: string): AwsError {
  return new AwsError('ValidationException', message, 400, { messageMember: 'Message' });
}

function day(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 10);
}

/** Returns the configured actual cost of one UTC day. */
function dailyCost(runtime: Runtime, date: string): number {
  const daily = runtime.costs.daily;
  return typeof daily === 'number' ? daily : (daily[date] ?? 0);
}

/** Sums the actual cost of the UTC days that start in `[startMs, endMs)`. */
export function costBetween(runtime: Runtime, startMs: number, endMs: number): number {
  let total = 0;
  for (let time = startMs; time < endMs; time += dayMs) {
    total += dailyCost(runtime, day(time));
  }
  return total;
}

function formatAmount(amount: number): string {
  return String(Number(amount.toFixed(10)));
}

function parsePeriod(body: Body): { start: number; end: number } {
  const period = (body.TimePeriod ?? {}) as { Start?: unknown; End?: unknown };
  const parse = (value: unknown, name: string) => {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) {
      throw validation(
        `${name} must be a date in the form YYYY-MM-DD (got ${JSON.stringify(value)}).`,
      );
    }
    return Date.parse(`${value}T00:00:00Z`);
  };
  const start = parse(period.Start, 'TimePeriod.Start');
  const end = parse(period.End, 'TimePeriod.End');
  if (start >= end) {
    throw validation('Start date (and hour) should be before end date (and hour)');
  }
  return { start, end };
}

/** Splits a period at day or month boundaries, following the granularity. */
function periods(
  start: number,
  end: number,
  granularity: unknown,
): Array<{ start: number; end: number }> {
  if (granularity !== 'DAILY' && granularity !== 'MONTHLY') {
    throw validation(
      `Granularity must be DAILY or MONTHLY in the AWS stand-in (got ${JSON.stringify(granularity)}).`,
    );
  }
  const output: Array<{ start: number; end: number }> = [];
  let current = start;
  while (current < end) {
    let next: number;
    if (granularity === 'DAILY') {
      next = current + dayMs;
    } else {
      const date = new Date(current);
      next = Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + 1, 1);
    }
    output.push({ start: current, end: Math.min(next, end) });
    current = next;
  }
  return output;
}

export const costExplorerOperations: Record<string, Operation<Body>> = {
  GetCostAndUsage: {
    write: false,
    run(body, runtime) {
      const { start, end } = parsePeriod(body);
      const metrics = Array.isArray(body.Metrics) ? (body.Metrics as string[]) : [];
      if (metrics.length === 0) {
        throw validation('Metrics is required.');
      }
      for (const metric of metrics) {
        if (!costMetrics.has(metric) && !usageMetrics.has(metric)) {
          throw validation(`Unsupported metric: ${metric}`);
        }
      }
      if (body.GroupBy !== undefined) {
        throw validation('The AWS stand-in does not implement GroupBy; request totals instead.');
      }
      const today = Date.parse(`${day(runtime.now())}T00:00:00Z`);
      return {
        GroupDefinitions: [],
        ResultsByTime: periods(start, end, body.Granularity).map((period) => {
          const amount = costBetween(runtime, period.start, period.end);
          return {
            TimePeriod: { Start: day(period.start), End: day(period.end) },
            Total: Object.fromEntries(
              metrics.map((metric) => [
                metric,
                usageMetrics.has(metric)
                  ? { Amount: '0', Unit: 'N/A' }
                  : { Amount: formatAmount(amount), Unit: runtime.costs.unit },
              ]),
            ),
            Groups: [],
            Estimated: period.end > today,
          };
        }),
        DimensionValueAttributes: [],
      };
    },
  },
  GetCostForecast: {
    write: false,
    run(body, runtime) {
      const { start, end } = parsePeriod(body);
      const today = Date.parse(`${day(runtime.now())}T00:00:00Z`);
      if (start < today) {
        throw validation(
          `Start date must be equal to or later than the current date (${day(today)}).`,
        );
      }
      if (typeof body.Metric !== 'string' || !forecastMetrics.has(body.Metric)) {
        throw validation(
          `Metric must be one of ${[...forecastMetrics].join(', ')} (got ${JSON.stringify(body.Metric)}).`,
        );
      }
      if (forecastUnavailable(runtime)) {
        throw new AwsError(
          'DataUnavailableException',
          'Insufficient amount of historical data to generate forecast.',
          400,
          { messageMember: 'Message' },
        );
      }
      const daily = forecastDailyCost(runtime);
      const results = periods(start, end, body.Granularity).map((period) => {
        const amount = (daily * (period.end - period.start)) / dayMs;
        return {
          TimePeriod: { Start: day(period.start), End: day(period.end) },
          MeanValue: formatAmount(amount),
        };
      });
      const total = (daily * (end - start)) / dayMs;
      return {
        Total: { Amount: formatAmount(total), Unit: runtime.costs.unit },
        ForecastResultsByTime: results,
      };
    },
  },
};
