// The billing report as values: how rows compare with their budgets, and the rendered table and
// chart, without any server.
import { describe, expect, it } from 'vitest';
import type { AwsCosts, BudgetReading } from '../../actions/billing/costs.ts';
import { monthWindow } from '../../actions/billing/costs.ts';
import {
  buildReport,
  formatAmount,
  renderChart,
  renderReport,
} from '../../actions/billing/report.ts';
import type { PendingCharges } from '../../actions/providers/atlas/index.ts';

const now = new Date('2026-03-15T12:00:00Z');
const usd = (amount: number) => ({ amount, unit: 'USD' });

const noCharges: PendingCharges = {
  orgId: '000000000000000000000000',
  invoiceIds: [],
  amountBilledCents: 0,
  subtotalCents: 0,
  creditsCents: 0,
  salesTaxCents: 0,
  amountBilledUsd: 0,
  periodStart: undefined,
  periodEnd: undefined,
};

function budget(overrides: Partial<BudgetReading> = {}): BudgetReading {
  return {
    key: 'monthly',
    budgetName: 'example-monthly',
    limit: usd(10),
    found: true,
    reportedLimit: usd(10),
    actualSpend: usd(4),
    forecastedSpend: usd(8),
    ...overrides,
  };
}

function report(
  budgets: BudgetReading[],
  awsCosts: AwsCosts = { monthToDate: usd(4), forecast: usd(8) },
) {
  return buildReport({
    environment: 'dev',
    now,
    awsCosts,
    budgets,
    atlasCharges: noCharges,
    atlasBudget: usd(25),
  });
}

describe('monthWindow', () => {
  it('spans the UTC month', () => {
    expect(monthWindow(now)).toEqual({
      start: '2026-03-01',
      today: '2026-03-15',
      end: '2026-04-01',
    });
  });

  it('ends a December in January', () => {
    expect(monthWindow(new Date('2026-12-31T23:59:59Z')).end).toBe('2027-01-01');
  });
});

describe('formatAmount', () => {
  it('shows two decimals and the currency', () => {
    expect(formatAmount(usd(1234.5))).toBe('1,234.50 USD');
    expect(formatAmount(usd(0))).toBe('0.00 USD');
    expect(formatAmount({ amount: 0.005, unit: 'EUR' })).toBe('0.01 EUR');
  });
});

describe('buildReport', () => {
  it('is under budget below the limits', () => {
    const result = report([budget()]);

    expect(result.overBudget).toBe(false);
    expect(result.rows.map((row) => row.status)).toEqual(['no budget', 'under', 'under']);
  });

  it('counts a forecast over the limit', () => {
    const result = report([budget({ forecastedSpend: usd(11) })]);

    expect(result.overBudget).toBe(true);
    expect(result.rows[1]!.status).toBe('forecast over');
  });

  it('treats the limit itself as under', () => {
    expect(report([budget({ actualSpend: usd(10), forecastedSpend: usd(10) })]).overBudget).toBe(
      false,
    );
  });

  it('reports a missing budget without comparing', () => {
    const result = report([budget({ found: false, actualSpend: usd(50) })], {
      monthToDate: usd(50),
      forecast: usd(90),
    });

    expect(result.rows[1]!.status).toBe('not found');
    expect(result.overBudget).toBe(false);
    expect(result.notes[0]).toContain('does not exist yet; apply the config to create it');
  });

  it('notes a budget limit that drifted', () => {
    const result = report([budget({ reportedLimit: usd(20) })]);

    expect(result.notes[0]).toContain(
      'has a limit of 20.00 USD, but aws.budgets.monthly.limitAmount is 10.00 USD',
    );
  });
});

describe('renderChart', () => {
  it('leaves out rows without a budget', () => {
    const chart = renderChart(report([budget()]))!;

    expect(chart.split('\n')).toEqual([
      '```mermaid',
      'xychart-beta',
      '  title "Spend as percent of budget, 2026-03-15"',
      '  x-axis ["AWS budget example-monthly", "Atlas organization"]',
      '  y-axis "Percent of budget" 0 --> 120',
      '  bar [80, 0]',
      '  bar [40, 0]',
      '  line [100, 100]',
      '```',
    ]);
  });

  it('raises the axis above the largest bar', () => {
    const chart = renderChart(report([budget({ forecastedSpend: usd(31.5) })]))!;

    expect(chart).toContain('0 --> 320');
  });

  it('is absent without budgets', () => {
    const result = buildReport({
      environment: 'dev',
      now,
      awsCosts: { monthToDate: usd(1), forecast: undefined },
      budgets: [],
      atlasCharges: noCharges,
      atlasBudget: undefined,
    });

    expect(renderChart(result)).toBeUndefined();
    expect(renderReport(result)).not.toContain('mermaid');
  });
});
