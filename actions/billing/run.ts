// The billing action: reads this month's AWS and Atlas spend of one environment with the plan
// role and compares it with the budgets of the config. It writes a table and a chart to the job
// summary, and keeps the environment's billing issue open while spend is over budget.
import * as core from '@actions/core';
import { reconcileCheckIssue, runUrl } from '../github/check-issues.ts';
import type { CheckIssueResult } from '../github/check-issues.ts';
import { createGitHubClient } from '../github/client.ts';
import { runnerLogger } from '../github/groups.ts';
import { runAction } from '../github/run.ts';
import { writeJobSummary } from '../github/summary.ts';
import { readAtlasCharges, readAwsCosts, readBudgets } from './costs.ts';
import { buildReport, renderReport } from './report.ts';
import type { BillingReport } from './report.ts';
import { billingSession } from './session.ts';

export interface BillingRunOptions {
  /** Clock of the check; the month it reads is the UTC month of this instant. Default: now. */
  readonly now?: () => Date;
}

function logReport(report: BillingReport): void {
  for (const row of report.rows) {
    core.info(
      `${row.source}: ${row.monthToDate.amount.toFixed(2)} ${row.monthToDate.unit} so far, status ${row.status}.`,
    );
  }
}

/** Runs the billing action. Every failure ends in the one catch of `runAction`. */
export function run(options: BillingRunOptions = {}): Promise<void> {
  return runAction(async () => {
    const session = await billingSession();
    try {
      const { inputs, context } = session;
      const now = (options.now ?? (() => new Date()))();
      const awsCosts = await readAwsCosts(session.costExplorer, now, runnerLogger);
      const budgets = await readBudgets(session.budgets, session.aws, runnerLogger);
      const atlasCharges = await readAtlasCharges(
        session.atlasClient,
        session.atlas.orgId,
        runnerLogger,
      );
      const report = buildReport({
        environment: inputs.environment,
        now,
        awsCosts,
        budgets,
        atlasCharges,
        atlasBudget:
          session.atlas.budget === undefined
            ? undefined
            : { amount: session.atlas.budget.limitAmount, unit: session.atlas.budget.unit },
      });
      logReport(report);
      const markdown = renderReport(report);
      await writeJobSummary(markdown);
      core.setOutput('over_budget', String(report.overBudget));

      let issue: CheckIssueResult | undefined;
      if (inputs.github_token === undefined) {
        core.warning(
          'github_token is empty, so the billing issue is not created, updated or closed. Pass ${{ github.token }} with "permissions: issues: write".',
        );
      } else {
        const client = createGitHubClient({ token: inputs.github_token, baseUrl: context.apiUrl });
        const url = runUrl(context);
        issue = await reconcileCheckIssue({
          client,
          repository: context.repository,
          environment: inputs.environment,
          kind: 'billing',
          findings: report.overBudget
            ? `${markdown}\n\nFound by the billing check in ${url}.`
            : undefined,
          runUrl: url,
        });
        if (issue.action !== 'none')
          core.info(`Billing issue #${issue.issueNumber}: ${issue.action}.`);
      }
      // A closed issue from an earlier month is not this run's issue.
      const issueNumber = issue?.action === 'none' ? undefined : issue?.issueNumber;
      core.setOutput('issue_number', issueNumber === undefined ? '' : String(issueNumber));

      if (report.overBudget) {
        const where = issueNumber === undefined ? '' : ` and in issue #${issueNumber}`;
        core.warning(
          `Spend of ${inputs.environment} is over budget or forecast to be. The table is in the job summary${where}.`,
          { title: `Billing alert for ${inputs.environment}` },
        );
      }
    } finally {
      session.dispose();
    }
  });
}
