// The billing report: one row per source of spend compared with its budget, rendered as a
// Markdown table and a Mermaid bar chart for the job summary and the billing issue.
import type { PendingCharges } from '../providers/atlas/index.ts';
import type { Amount, AwsCosts, BudgetReading } from './costs.ts';

/**
 * Result of comparing a row with its budget. A row is `over` when the month to date is above the
 * limit, `forecast over` when only the forecast is, and `under` otherwise. It is `no budget` when
 * none is set, and `not found` when AWS Budgets has no such budget yet.
 */
export type RowStatus = 'over' | 'forecast over' | 'under' | 'no budget' | 'not found';

export interface BillingRow {
  readonly source: string;
  readonly monthToDate: Amount;
  readonly forecast: Amount | undefined;
  readonly limit: Amount | undefined;
  readonly status: RowStatus;
}

export interface BillingReport {
  readonly environment: string;
  /** `YYYY-MM-DD` of the check, in UTC. */
  readonly date: string;
  readonly rows: readonly BillingRow[];
  /** Facts that qualify the numbers, such as a missing forecast or a drifted budget limit. */
  readonly notes: readonly string[];
  /** True when a row is `over` or `forecast over`. */
  readonly overBudget: boolean;
}

/** Formats an amount with 2 decimals and its currency, such as `1,234.50 USD`. */
export function formatAmount(value: Amount): string {
  const number = value.amount.toLocaleString('en-US', {
    minimumFractionDigits: 2,
    maximumFractionDigits: 2,
  });
  return `${number} ${value.unit}`;
}

/**
 * Compares actual and forecast spend with a limit. A forecast above the limit counts, so the
 * issue opens before the money is spent, as the FORECASTED notifications of AWS Budgets do.
 */
function compare(monthToDate: Amount, forecast: Amount | undefined, limit: Amount): RowStatus {
  if (monthToDate.amount > limit.amount) return 'over';
  if (forecast !== undefined && forecast.amount > limit.amount) return 'forecast over';
  return 'under';
}

function atlasRow(charges: PendingCharges, limit: Amount | undefined): BillingRow {
  const monthToDate = { amount: charges.amountBilledUsd, unit: 'USD' };
  return {
    source: 'Atlas organization',
    monthToDate,
    // NOTE: Atlas publishes no forecast, so the Atlas row compares only the pending invoice.
    forecast: undefined,
    limit,
    status: limit === undefined ? 'no budget' : compare(monthToDate, undefined, limit),
  };
}

function budgetRow(reading: BudgetReading, costs: AwsCosts): BillingRow {
  const source = `AWS budget ${reading.budgetName}`;
  if (!reading.found) {
    // Without the budget, the account's Cost Explorer numbers still show the spend, but the
    // limit is not enforced by AWS, so the row is reported and not compared.
    return {
      source,
      monthToDate: costs.monthToDate,
      forecast: costs.forecast,
      limit: reading.limit,
      status: 'not found',
    };
  }
  const monthToDate = reading.actualSpend ?? costs.monthToDate;
  const forecast = reading.forecastedSpend ?? costs.forecast;
  return {
    source,
    monthToDate,
    forecast,
    limit: reading.limit,
    status: compare(monthToDate, forecast, reading.limit),
  };
}

function budgetNotes(readings: readonly BudgetReading[]): string[] {
  const notes: string[] = [];
  for (const reading of readings) {
    const where = `aws.budgets.${reading.key}`;
    if (!reading.found) {
      notes.push(
        `AWS budget \`${reading.budgetName}\` (${where}) does not exist yet; apply the config to create it. Its row shows the account's Cost Explorer numbers.`,
      );
      continue;
    }
    const reported = reading.reportedLimit;
    if (reported !== undefined && reported.amount !== reading.limit.amount) {
      notes.push(
        `AWS budget \`${reading.budgetName}\` has a limit of ${formatAmount(reported)}, but ${where}.limitAmount is ${formatAmount(reading.limit)}; the table uses the config's limit, and the drift check reports the difference.`,
      );
    }
  }
  return notes;
}

/** Builds the report from what the check read. Rows: the AWS account, each budget, then Atlas. */
export function buildReport(options: {
  readonly environment: string;
  readonly now: Date;
  readonly awsCosts: AwsCosts;
  readonly budgets: readonly BudgetReading[];
  readonly atlasCharges: PendingCharges;
  readonly atlasBudget: Amount | undefined;
}): BillingReport {
  const { awsCosts, budgets, atlasCharges } = options;
  const rows: BillingRow[] = [
    {
      source: 'AWS account (Cost Explorer)',
      monthToDate: awsCosts.monthToDate,
      forecast: awsCosts.forecast,
      limit: undefined,
      status: 'no budget',
    },
    ...budgets.map((reading) => budgetRow(reading, awsCosts)),
    atlasRow(atlasCharges, options.atlasBudget),
  ];
  const notes = [...budgetNotes(budgets)];
  if (awsCosts.forecastMissing !== undefined) notes.push(awsCosts.forecastMissing);
  if (atlasCharges.invoiceIds.length === 0) {
    notes.push('The Atlas organization has no pending invoice this month, so its spend is 0.');
  }
  if (options.atlasBudget === undefined) {
    notes.push(
      'Set `atlas.budget.limitAmount` in the config to compare the Atlas spend with a budget.',
    );
  }
  return {
    environment: options.environment,
    date: options.now.toISOString().slice(0, 10),
    rows,
    notes,
    overBudget: rows.some((row) => row.status === 'over' || row.status === 'forecast over'),
  };
}

const statusLabels: Record<RowStatus, string> = {
  over: '**over budget**',
  'forecast over': '**forecast over budget**',
  under: 'under budget',
  'no budget': 'no budget',
  'not found': 'budget not found',
};

function percent(row: BillingRow): string {
  if (row.limit === undefined) return '—';
  return `${((row.monthToDate.amount / row.limit.amount) * 100).toFixed(0)}%`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** Renders the report's table: source, month to date, forecast, budget, percent, status. */
export function renderTable(report: BillingReport): string {
  const lines = [
    '| Source | Month to date | Forecast | Budget | Percent | Status |',
    '| --- | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const row of report.rows) {
    lines.push(
      `| ${cell(row.source)} | ${formatAmount(row.monthToDate)} | ${row.forecast === undefined ? '—' : formatAmount(row.forecast)} | ${row.limit === undefined ? '—' : formatAmount(row.limit)} | ${percent(row)} | ${statusLabels[row.status]} |`,
    );
  }
  return lines.join('\n');
}

function chartLabel(text: string): string {
  return `"${text.replace(/"/g, "'")}"`;
}

function roundPercent(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Renders a Mermaid `xychart-beta` bar chart of each budgeted row's spend as percent of its
 * budget: forecast and month to date as bars, the 100% limit as a line. Percentages let AWS and
 * Atlas share one axis whatever their currency. Returns undefined when no row has a budget.
 */
export function renderChart(report: BillingReport): string | undefined {
  const rows = report.rows.filter((row) => row.limit !== undefined && row.limit.amount > 0);
  if (rows.length === 0) return undefined;
  const share = (amount: Amount | undefined, limit: Amount) =>
    roundPercent(((amount?.amount ?? 0) / limit.amount) * 100);
  const monthToDate = rows.map((row) => share(row.monthToDate, row.limit!));
  const forecast = rows.map((row) => share(row.forecast ?? row.monthToDate, row.limit!));
  const top = Math.max(120, ...monthToDate, ...forecast);
  return [
    '```mermaid',
    'xychart-beta',
    `  title "Spend as percent of budget, ${report.date}"`,
    `  x-axis [${rows.map((row) => chartLabel(row.source)).join(', ')}]`,
    `  y-axis "Percent of budget" 0 --> ${Math.ceil(top / 10) * 10}`,
    `  bar [${forecast.join(', ')}]`,
    `  bar [${monthToDate.join(', ')}]`,
    `  line [${rows.map(() => 100).join(', ')}]`,
    '```',
  ].join('\n');
}

/** Renders the whole report: heading, verdict, table, chart and notes. */
export function renderReport(report: BillingReport): string {
  const verdict = report.overBudget
    ? `**Spend of \`${report.environment}\` is over budget, or forecast to be.**`
    : `**Spend of \`${report.environment}\` is within budget.**`;
  const chart = renderChart(report);
  const parts = [
    `## Billing check of \`${report.environment}\`, ${report.date}`,
    '',
    verdict,
    '',
    renderTable(report),
  ];
  if (chart !== undefined) {
    parts.push(
      '',
      chart,
      '',
      'Each source has two bars, the forecast to month end and the month to date, and the line marks the budget (100%).',
    );
  }
  if (report.notes.length > 0) parts.push('', ...report.notes.map((note) => `- ${note}`));
  return parts.join('\n');
}
