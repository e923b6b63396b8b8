// The billing action's run() end to end under the runner contract. The run is a `schedule`
// event on the default branch, and the role is the config's own plan role, assumed through the
// GitHub stand-in's OIDC endpoint. Costs are seeded in the AWS stand-in's Cost Explorer amounts
// and the Atlas stand-in's pending invoices, and every stand-in is frozen at the same instant.
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BudgetsClient, CreateBudgetCommand } from '@aws-sdk/client-budgets';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parseDocument } from 'yaml';
import type { Document } from 'yaml';
import { run } from '../../actions/billing/run.ts';
import { checkMarker } from '../../actions/github/check-issues.ts';
import { captureStdout, frozenNow } from '../github/helpers.ts';
import {
  addRole,
  atlasAccount,
  configPlanPolicy,
  planPolicy,
  readOutput,
  removeRunnerFiles,
  startWorld,
  stubRunner,
} from '../actions/world.ts';
import type { World } from '../actions/world.ts';
import { pendingInvoice } from '../stand-ins/atlas/invoices.ts';
import type { CostExplorerSettings } from '../stand-ins/aws/services/cost-explorer.ts';

let world: World | undefined;

afterEach(async () => {
  process.exitCode = undefined;
  vi.unstubAllEnvs();
  await world?.remove();
  world = undefined;
});

afterAll(removeRunnerFiles);

const orgId = '000000000000000000000000';

/** The run a daily schedule starts on the default branch. */
const scheduledRun = {
  eventName: 'schedule',
  ref: 'refs/heads/main',
  workflow: 'Billing check',
  workflowPath: '.github/workflows/billing.yml',
};

/** Returns the payload GitHub writes to GITHUB_EVENT_PATH for a `schedule` event. */
function schedulePayload() {
  return {
    schedule: '41 7 * * *',
    workflow: '.github/workflows/billing.yml',
    repository: {
      id: 700_000_001,
      name: 'example-backend',
      full_name: 'octo-org/example-backend',
      private: true,
      owner: { login: 'octo-org', id: 90_000_001, type: 'Organization' },
      default_branch: 'main',
    },
    organization: { login: 'octo-org', id: 90_000_001 },
    sender: { login: 'github-actions[bot]', id: 41_898_282, type: 'Bot' },
  };
}

/** Edits the checkout's `config/dev.yaml` as a YAML document, so its comments and lines stay. */
async function editConfig(current: World, edit: (config: Document) => void): Promise<void> {
  const path = join(current.root, 'config/dev.yaml');
  const config = parseDocument(await readFile(path, 'utf8'));
  edit(config);
  await writeFile(path, config.toString());
}

/**
 * Starts a world frozen at `at` with the config's plan role, an Atlas budget of 25 USD in the
 * checkout's config, and the AWS budget of the config (10 USD) created as apply would.
 */
async function billingWorld(at: Date = frozenNow): Promise<World> {
  const current = await startWorld(
    { name: 'gitops-seed', policy: planPolicy },
    { at, run: scheduledRun },
  );
  await editConfig(current, (config) =>
    config.setIn(['atlas', 'budget'], { limitAmount: 25, unit: 'USD' }),
  );
  const roleArn = await addRole(current, 'gitops-billing', await configPlanPolicy(current));
  const budgets = new BudgetsClient(current.aws.clientConfig());
  await budgets.send(
    new CreateBudgetCommand({
      AccountId: '123456789012',
      Budget: {
        BudgetName: 'example-backend-dev-monthly',
        BudgetLimit: { Amount: '10', Unit: 'USD' },
        BudgetType: 'COST',
        TimeUnit: 'MONTHLY',
      },
    }),
  );
  budgets.destroy();
  return { ...current, roleArn };
}

/** Stubs the runner of a scheduled billing job, runs the action and returns its stdout. */
async function runBillingCheck(current: World, at: Date = frozenNow) {
  const eventPath = join(current.root, 'temp/event.json');
  await writeFile(eventPath, JSON.stringify(schedulePayload()));
  await stubRunner(current, {}, { GITHUB_EVENT_PATH: eventPath });
  const stdout = captureStdout();
  await run({ now: () => at });
  vi.restoreAllMocks();
  return stdout;
}

function billingIssues(current: World) {
  return [...current.github.repository().issues.values()].filter((issue) =>
    issue.labels.some((label) => label.name === 'gitops:billing'),
  );
}

function operations(current: World): string[] {
  return current.aws.requests.entries.map((entry) => entry.operation);
}

function errorLines(stdout: { lines(): string[] }): string[] {
  return stdout.lines().filter((line) => line.startsWith('::error'));
}

describe('billing action', () => {
  it('opens no issue under budget', async () => {
    world = await billingWorld();
    world.aws.costs.daily = 0.2;
    world.atlas.addInvoice(pendingInvoice({ orgId, amountBilledCents: 1234, now: frozenNow }));
    const writesBefore = world.writes();

    const stdout = await runBillingCheck(world);

    expect(errorLines(stdout)).toEqual([]);
    expect(stdout.lines().filter((line) => line.startsWith('::warning'))).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'over_budget')).toBe('false');
    expect(await readOutput(world, 'issue_number')).toBe('');
    expect(billingIssues(world)).toEqual([]);
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain('## Billing check of `dev`, 2026-03-02');
    expect(summary).toContain('| Source | Month to date | Forecast | Budget | Percent | Status |');
    expect(summary).toContain(
      '| AWS account (Cost Explorer) | 0.20 USD | 6.20 USD | — | — | no budget |',
    );
    expect(summary).toContain(
      '| AWS budget example-backend-dev-monthly | 0.40 USD | 6.20 USD | 10.00 USD | 4% | under budget |',
    );
    expect(summary).toContain(
      '| Atlas organization | 12.34 USD | — | 25.00 USD | 49% | under budget |',
    );
    expect(summary).toContain('```mermaid\nxychart-beta\n');
    expect(summary).toContain('  bar [62, 49.4]');
    expect(summary).toContain('  bar [4, 49.4]');
    expect(summary).toContain('  line [100, 100]');
    expect(operations(world)).toEqual(
      expect.arrayContaining(['GetCostAndUsage', 'GetCostForecast', 'DescribeBudget']),
    );
    expect(world.writes()).toEqual(writesBefore);
    for (const secret of [world.github.token, atlasAccount.clientSecret]) {
      // The first line that shows a secret registers it; the runner masks every later one.
      const first = stdout.lines().find((text) => text.includes(secret)) ?? '';
      expect(first.startsWith('::add-mask::'), first.slice(0, 20)).toBe(true);
    }
  });

  it('opens an issue over budget', async () => {
    world = await billingWorld();
    world.aws.costs.daily = 6;

    const stdout = await runBillingCheck(world);

    expect(errorLines(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    const warnings = stdout.lines().filter((line) => line.startsWith('::warning'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /^::warning title=Billing alert for dev::Spend of dev is over budget/,
    );
    expect(await readOutput(world, 'over_budget')).toBe('true');
    const issues = billingIssues(world);
    expect(issues).toHaveLength(1);
    const issue = issues[0]!;
    expect(await readOutput(world, 'issue_number')).toBe(String(issue.number));
    expect(issue.title).toBe('Billing alert for dev');
    expect(issue.body?.startsWith(`${checkMarker('billing', 'dev')}\n## Billing check`)).toBe(true);
    expect(issue.body).toContain(
      '| AWS budget example-backend-dev-monthly | 12.00 USD | 186.00 USD | 10.00 USD | 120% | **over budget** |',
    );
    expect(issue.body).toContain('xychart-beta');
    expect(issue.body).toContain('/octo-org/example-backend/actions/runs/8000000001');
  });

  it('closes the issue back under budget', async () => {
    world = await billingWorld();
    world.aws.costs.daily = 6;
    await runBillingCheck(world);
    const opened = billingIssues(world)[0]!;
    world.aws.costs.daily = 0.2;

    const stdout = await runBillingCheck(world);

    expect(errorLines(stdout)).toEqual([]);
    expect(await readOutput(world, 'over_budget')).toBe('false');
    expect(await readOutput(world, 'issue_number')).toBe(String(opened.number));
    expect(world.github.repository().issues.get(opened.number)!.state).toBe('closed');
    const comments = [...world.github.repository().comments.values()].filter(
      (comment) => comment.issueNumber === opened.number,
    );
    expect(comments).toHaveLength(1);
    expect(comments[0]!.body).toContain('back under its thresholds');
  });

  it('flags a forecast over budget', async () => {
    world = await billingWorld();
    world.aws.costs.daily = 0.2;
    world.aws.costs.forecastDaily = 1;

    await runBillingCheck(world);

    expect(await readOutput(world, 'over_budget')).toBe('true');
    expect(billingIssues(world)[0]!.body).toContain('**forecast over budget**');
  });

  it('flags Atlas spend over budget', async () => {
    world = await billingWorld();
    world.atlas.addInvoice(pendingInvoice({ orgId, amountBilledCents: 3000, now: frozenNow }));

    await runBillingCheck(world);

    expect(await readOutput(world, 'over_budget')).toBe('true');
    expect(billingIssues(world)[0]!.body).toContain(
      '| Atlas organization | 30.00 USD | — | 25.00 USD | 120% | **over budget** |',
    );
  });

  it('skips the cost query on day one', async () => {
    const firstDay = new Date('2026-03-01T08:00:00Z');
    world = await billingWorld(firstDay);
    world.aws.costs.daily = 0.2;

    const stdout = await runBillingCheck(world, firstDay);

    expect(errorLines(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(operations(world)).not.toContain('GetCostAndUsage');
    expect(operations(world)).toContain('GetCostForecast');
    expect(await readFile(world.summaryPath, 'utf8')).toContain(
      '| AWS account (Cost Explorer) | 0.00 USD | 6.20 USD | — | — | no budget |',
    );
  });

  it('reports no forecast yet', async () => {
    world = await billingWorld();
    world.aws.costs.daily = 0.2;
    (world.aws.costs as CostExplorerSettings).forecastUnavailable = true;

    const stdout = await runBillingCheck(world);

    expect(errorLines(stdout)).toEqual([]);
    expect(process.exitCode).toBeUndefined();
    expect(await readOutput(world, 'over_budget')).toBe('false');
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain('| AWS account (Cost Explorer) | 0.20 USD | — | — | — | no budget |');
    expect(summary).toContain('Cost Explorer has no forecast yet');
    const forecast = world.aws.requests.entries.find(
      (entry) => entry.operation === 'GetCostForecast',
    );
    expect(forecast?.errorCode).toBe('DataUnavailableException');
  });

  it('reads an org without invoices', async () => {
    world = await billingWorld();

    const stdout = await runBillingCheck(world);

    expect(errorLines(stdout)).toEqual([]);
    const summary = await readFile(world.summaryPath, 'utf8');
    expect(summary).toContain(
      '| Atlas organization | 0.00 USD | — | 25.00 USD | 0% | under budget |',
    );
    expect(summary).toContain('has no pending invoice this month');
    expect(world.atlas.requests.map((request) => request.operationId)).toContain(
      'listPendingInvoices',
    );
  });

  it('rejects an Atlas budget in euros', async () => {
    world = await billingWorld();
    await editConfig(world, (config) => config.setIn(['atlas', 'budget', 'unit'], 'EUR'));
    const awsRequests = world.aws.requests.entries.length;

    const stdout = await runBillingCheck(world);

    expect(process.exitCode).toBe(1);
    const errors = errorLines(stdout);
    expect(errors[0]).toMatch(
      /^::error file=config\/dev\.yaml,line=\d+,col=\d+::atlas\.budget\.unit: must be "USD" \(got "EUR"\)/,
    );
    expect(world.aws.requests.entries.length).toBe(awsRequests);
    expect(world.atlas.requests).toEqual([]);
  });

  it('fails without Cost Explorer access', async () => {
    world = await billingWorld();
    // The world's seed role may read IAM, Lambda, Logs and Budgets, but not Cost Explorer.
    const seedRole = 'arn:aws:iam::123456789012:role/gitops-seed';
    world = { ...world, roleArn: seedRole };

    const stdout = await runBillingCheck(world);

    expect(process.exitCode).toBe(1);
    expect(errorLines(stdout).at(-1)).toMatch(
      /^::error::Cost Explorer GetCostAndUsage failed: .*Check that the role may call ce:GetCostAndUsage\.$/,
    );
    expect(billingIssues(world)).toEqual([]);
  });
});
