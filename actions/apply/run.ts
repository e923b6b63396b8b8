// The apply action: plans the environment with the deploy role, applies the plan, writes the
// result to the job summary and sets the outputs. A failed action fails the step.
import * as core from '@actions/core';
import { renderPlanJson } from '../engine/render/json.ts';
import { renderApplyMarkdown } from '../engine/render/markdown.ts';
import { renderApplyText, renderPlanText } from '../engine/render/text.ts';
import { inGroup, runAction, writeJobSummary } from '../github/index.ts';
import { writePlanJson } from '../plan/run.ts';
import { planSession, planSummary } from '../plan/session.ts';

/** Runs the apply action. Every failure ends in the one catch of `runAction`. */
export function run(): Promise<void> {
  return runAction(async () => {
    const session = await planSession();
    try {
      const { plan } = session;
      await inGroup(`Plan for ${plan.environment}`, () => {
        core.info(renderPlanText(plan, { color: true }));
        return Promise.resolve();
      });
      core.setOutput('has_changes', String(plan.summary.changes));
      core.setOutput('plan_json', await writePlanJson(renderPlanJson(plan), plan.environment));
      core.setOutput('summary', planSummary(plan));
      const result = await session.apply();
      core.info(renderApplyText(result, { color: true }));
      await writeJobSummary(
        renderApplyMarkdown(result),
        'The full result is in the log of this step.',
      );
      if (!result.succeeded) {
        throw new Error(
          `Apply of ${plan.environment} did not finish; the log of this step names each failed resource. Fix the cause and push again: apply resumes from what exists.`,
        );
      }
    } finally {
      session.dispose();
    }
  });
}
