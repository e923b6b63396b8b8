// The apply action: plans the environment with the deploy role, applies the plan, smoke-tests the
// function URLs and rolls an alias back when its new version is unhealthy, writes the result to the
// job summary and sets the outputs. A failed action fails the step.
import * as core from '@actions/core';
import type { ApplyResult } from '../engine/plan-model.ts';
import { renderPlanJson } from '../engine/render/json.ts';
import { renderApplyMarkdown } from '../engine/render/markdown.ts';
import { renderApplyText, renderPlanText } from '../engine/render/text.ts';
import {
  createOidcCredentialProvider,
  inGroup,
  input,
  readInputs,
  runAction,
  writeJobSummary,
} from '../github/index.ts';
import type { InputValues } from '../github/index.ts';
import { writePlanJson } from '../plan/run.ts';
import { planSession, planSummary, reconcileInputs } from '../plan/session.ts';
import type { Session } from '../plan/session.ts';
import type { AliasClient, SmokeTarget } from './aliases.ts';
import {
  aliasTargets,
  createLambdaAliasClient,
  recordAliasVersions,
  smokeTargets,
} from './aliases.ts';
import { failureMessage, liveVersion, runSmokeTest, summaryLines } from './smoke.ts';
import type { SmokeReport } from './smoke.ts';

/** Inputs of the smoke test, besides the inputs every reconcile action has. */
export const smokeInputs = {
  smoke_timeout_seconds: input.integer({
    default: 60,
    min: 0,
    max: 900,
    fix: 'Use the seconds a new version may take to answer /health, such as 60, or 0 to skip the smoke test.',
  }),
  smoke_require_database: input.boolean({
    default: true,
    fix: 'Use true to require "database": "ok" in the /health answer, or false to accept "unavailable".',
  }),
};

/** Test doubles: the pause between smoke test attempts and the clock that times them. */
export interface ApplyDependencies {
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
}

type Environment = Readonly<Record<string, string | undefined>>;

/**
 * Returns the Lambda client of the smoke test and rollback. It assumes the deploy role through
 * GitHub OIDC again on first use, because the session's credentials may expire during a long
 * apply, such as one that waits for an Atlas cluster.
 */
function aliasClientFor(session: Session, env: Environment): AliasClient {
  const endpoint = env.AWS_ENDPOINT_URL?.trim() || undefined;
  const credentials = createOidcCredentialProvider({
    roleArn: session.roleArn,
    region: session.region,
    context: session.context,
    env,
    ...(endpoint === undefined ? {} : { stsEndpoint: endpoint }),
  });
  return createLambdaAliasClient({
    credentials,
    ...(endpoint === undefined ? {} : { endpoint }),
  });
}

/** Sets `function_url`, `function_version` and `rolled_back`; the first two from the first target. */
function setSmokeOutputs(targets: readonly SmokeTarget[], report: SmokeReport): void {
  const first = targets[0];
  const outcome = report.outcomes.find((item) => item.smoke === first);
  core.setOutput('function_url', first?.url ?? '');
  core.setOutput(
    'function_version',
    outcome === undefined ? (first?.target.version ?? '') : liveVersion(outcome),
  );
  const rolledBack = report.outcomes.some((item) => item.rollback?.ok === true);
  core.setOutput('rolled_back', String(rolledBack));
}

/**
 * Smoke-tests every function URL that serves an alias after a successful apply, rolls back each
 * alias that fails, sets the outputs and adds a line per URL to the job summary. Throws the failure
 * message when a URL is not healthy.
 */
async function smokeTestApply(options: {
  session: Session;
  result: ApplyResult;
  previous: ReadonlyMap<string, string>;
  aliases: AliasClient;
  settings: InputValues<typeof smokeInputs>;
  dependencies: ApplyDependencies;
}): Promise<void> {
  const { session, result, settings } = options;
  const { plan } = session;
  const targets = smokeTargets(plan, result.outputs, aliasTargets(plan, result.outputs));
  const report = await inGroup('Smoke test', async () => {
    if (targets.length === 0) {
      core.info('No function URL serves an alias of a function, so there is no smoke test.');
    }
    return runSmokeTest({
      targets,
      previous: options.previous,
      client: options.aliases,
      timeoutMs: settings.smoke_timeout_seconds * 1000,
      requireDatabase: settings.smoke_require_database,
      loopbackOnly: session.inputs.target === 'local',
      log: (line) => core.info(line),
      ...options.dependencies,
    });
  });

  setSmokeOutputs(targets, report);
  const lines = summaryLines(report);
  if (lines.length > 0) {
    await writeJobSummary(lines.join('\n\n'));
  }
  if (!report.passed) {
    throw new Error(failureMessage(report));
  }
}

/** Runs the apply action. Every failure ends in the one catch of `runAction`. */
export function run(dependencies: ApplyDependencies = {}): Promise<void> {
  return runAction(async () => {
    // Every input is checked before the first request; the session reads its own again.
    const smokeSettings = readInputs({ ...reconcileInputs, ...smokeInputs });
    const session = await planSession('deploy');
    const aliases = aliasClientFor(session, process.env);
    try {
      const { plan } = session;
      await inGroup(`Plan for ${plan.environment}`, () => {
        core.info(renderPlanText(plan, { color: true }));
        return Promise.resolve();
      });
      core.setOutput('has_changes', String(plan.summary.changes));
      core.setOutput('plan_json', await writePlanJson(renderPlanJson(plan), plan.environment));
      core.setOutput('summary', planSummary(plan));

      // The version each alias points at now is what a failed smoke test restores.
      const previous = await recordAliasVersions(aliases, aliasTargets(plan, plan.outputs));
      const result = await session.apply();
      core.info(renderApplyText(result, { color: true }));
      await writeJobSummary(
        renderApplyMarkdown(result),
        'The full result is in the log of this step.',
      );
      if (!result.succeeded) {
        core.setOutput('rolled_back', 'false');
        throw new Error(
          `Apply of ${plan.environment} did not finish; the log of this step names each failed resource. Fix the cause and push again: apply resumes from what exists.`,
        );
      }

      await smokeTestApply({
        session,
        result,
        previous,
        aliases,
        settings: smokeSettings,
        dependencies,
      });
    } finally {
      aliases.destroy();
      session.dispose();
    }
  });
}
