// The plan action: plans the environment with the plan role, publishes the plan to the job
// summary and the pull request's sticky comment, and sets the outputs. It never writes to a vendor.
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as core from '@actions/core';
import { renderPlanJson } from '../engine/render/json.ts';
import { createGitHubClient, publishPlan, runAction } from '../github/index.ts';
import { planSession, planSummary } from './session.ts';

/** Writes the plan as JSON beside the runner's other temporary files and returns the path. */
export async function writePlanJson(
  json: string,
  environment: string,
  env: Record<string, string | undefined> = process.env,
): Promise<string> {
  const path = join(env.RUNNER_TEMP || tmpdir(), `gitops-plan-${environment}.json`);
  await writeFile(path, json);
  return path;
}

/** Runs the plan action. Every failure ends in the one catch of `runAction`. */
export function run(): Promise<void> {
  return runAction(async () => {
    const session = await planSession('plan');
    try {
      const { plan, inputs, context } = session;
      const client =
        inputs.github_token === undefined
          ? undefined
          : createGitHubClient({ token: inputs.github_token, baseUrl: context.apiUrl });
      await publishPlan({ plan, context, ...(client === undefined ? {} : { client }) });
      core.setOutput('has_changes', String(plan.summary.changes));
      core.setOutput('plan_json', await writePlanJson(renderPlanJson(plan), plan.environment));
      core.setOutput('summary', planSummary(plan));
      if (plan.summary.total.conflict > 0) {
        throw new Error(
          `${plan.summary.total.conflict} resource(s) conflict with existing ones this environment does not own; apply would stop. Import or rename them, then run again.`,
        );
      }
    } finally {
      session.dispose();
    }
  });
}
