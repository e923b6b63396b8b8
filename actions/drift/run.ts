// The drift action: plans one environment read-only with the plan role, writes the plan to the
// job summary and keeps the environment's drift issue in line with it. Drift is a warning, not a
// failure. An error before the plan is complete (inputs, config, credentials, a failed observe)
// fails the step and leaves the issue as it was, because an incomplete plan cannot show drift.
import * as core from '@actions/core';
import type { Plan } from '../engine/plan-model.ts';
import { renderPlanMarkdown } from '../engine/render/markdown.ts';
import { renderPlanText } from '../engine/render/text.ts';
import { checkMarker, reconcileCheckIssue, runUrl } from '../github/check-issues.ts';
import type { CheckIssueResult } from '../github/check-issues.ts';
import { createGitHubClient } from '../github/client.ts';
import { inGroup } from '../github/groups.ts';
import { runAction } from '../github/run.ts';
import { maxCommentCharacters } from '../github/sticky-comment.ts';
import { maxSummaryBytes, writeJobSummary } from '../github/summary.ts';
import { planSession, planSummary } from '../plan/session.ts';

/** Returns whether the cloud differs from the config: apply would write, or a resource conflicts. */
export function hasDrift(plan: Plan): boolean {
  return plan.summary.changes || plan.summary.total.conflict > 0;
}

/**
 * Renders the drift issue's body without its marker: the plan, rendered short enough that the
 * marker, the plan and the closing pointer to the run fit GitHub's body limit together. The
 * renderer decides what to leave out, so the counts stay even when the details do not fit.
 */
export function renderDriftReport(plan: Plan, url: string): string {
  const pointer = `Found by the drift check in ${url}. Apply the config or change it to match, and the next clean check closes this issue.`;
  const reserved = checkMarker('drift', plan.environment).length + 1 + pointer.length + 2;
  const rendered = renderPlanMarkdown(plan, {
    maxLength: maxCommentCharacters - reserved,
    title: `Drift in \`${plan.environment}\``,
  });
  return `${rendered}\n\n${pointer}`;
}

async function writeSummary(plan: Plan, drifted: boolean): Promise<void> {
  await inGroup(`Plan for ${plan.environment}`, () => {
    core.info(renderPlanText(plan, { color: true }));
    return Promise.resolve();
  });
  const verdict = drifted
    ? `The drift check found differences between \`${plan.environment}\` and its config.`
    : `The drift check found \`${plan.environment}\` matching its config.`;
  // The renderer counts UTF-16 code units, and each takes at most 3 bytes in UTF-8.
  const markdown = renderPlanMarkdown(plan, {
    maxLength: Math.floor(maxSummaryBytes / 3) - verdict.length - 2,
    title: `Drift check of \`${plan.environment}\``,
  });
  await writeJobSummary(`${markdown}\n\n${verdict}`, 'The full plan is in the log of this step.');
}

/** Runs the drift action. Every failure ends in the one catch of `runAction`. */
export function run(): Promise<void> {
  return runAction(async () => {
    const session = await planSession('plan');
    try {
      const { plan, inputs, context } = session;
      const drifted = hasDrift(plan);
      await writeSummary(plan, drifted);
      core.setOutput('drifted', String(drifted));

      let issue: CheckIssueResult | undefined;
      if (inputs.github_token === undefined) {
        core.warning(
          'github_token is empty, so the drift issue is not created, updated or closed. Pass ${{ github.token }} with "permissions: issues: write".',
        );
      } else {
        const client = createGitHubClient({ token: inputs.github_token, baseUrl: context.apiUrl });
        issue = await reconcileCheckIssue({
          client,
          repository: context.repository,
          environment: plan.environment,
          kind: 'drift',
          findings: drifted ? renderDriftReport(plan, runUrl(context)) : undefined,
          runUrl: runUrl(context),
        });
        if (issue.action !== 'none')
          core.info(`Drift issue #${issue.issueNumber}: ${issue.action}.`);
      }
      // A closed issue from an earlier drift is not this run's issue.
      const issueNumber = issue?.action === 'none' ? undefined : issue?.issueNumber;
      core.setOutput('issue_number', issueNumber === undefined ? '' : String(issueNumber));

      if (drifted) {
        const where = issueNumber === undefined ? '' : ` and in issue #${issueNumber}`;
        core.warning(
          `${plan.environment} has drifted from its config (${planSummary(plan)}). The plan is in the job summary${where}.`,
          { title: `Drift in ${plan.environment}` },
        );
      } else {
        core.info(`No drift: ${plan.environment} matches its config.`);
      }
    } finally {
      session.dispose();
    }
  });
}
