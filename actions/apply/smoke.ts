// The deploy's smoke test: after a successful apply, each function URL that serves an alias must
// return healthy `/health` JSON within the timeout. When it does not and the apply moved the
// alias, the alias is pointed back at the version recorded before the apply.
import type { AliasClient, SmokeTarget } from './aliases.ts';
import type { HealthResult } from './health.ts';
import { describeProbe, waitForHealth } from './health.ts';

/** The outcome for an alias after its smoke test. */
export type RollbackDecision =
  /** Healthy: the new version stays. */
  | { readonly kind: 'keep' }
  /** Unhealthy, and the apply moved the alias from `version`: point it back there. */
  | { readonly kind: 'restore'; readonly version: string }
  /** Unhealthy, but the alias did not exist before the apply: there is no version to go back to. */
  | { readonly kind: 'first-deploy' }
  /** Unhealthy, but the alias already pointed at this version before the apply. */
  | { readonly kind: 'not-moved' };

/**
 * Decides the rollback of one alias from the smoke test's result, the version recorded before the
 * apply (undefined when the alias did not exist) and the version the apply left it at.
 */
export function decideRollback(
  healthy: boolean,
  previous: string | undefined,
  deployed: string,
): RollbackDecision {
  if (healthy) {
    return { kind: 'keep' };
  }
  if (previous === undefined) {
    return { kind: 'first-deploy' };
  }
  if (previous === deployed) {
    return { kind: 'not-moved' };
  }
  return { kind: 'restore', version: previous };
}

/** The smoke test of one function URL. */
export interface TargetOutcome {
  readonly smoke: SmokeTarget;
  readonly health: HealthResult;
  /** The version the alias pointed at before the apply; undefined on a first deploy. */
  readonly previous: string | undefined;
  /** The version the apply left the alias at. */
  readonly deployed: string;
  readonly decision: RollbackDecision;
  /** For a `restore`: whether UpdateAlias succeeded, or its error. */
  readonly rollback?: { readonly ok: true } | { readonly ok: false; readonly error: string };
  /** For a successful `restore`: the health check of the restored version. */
  readonly restoredHealth?: HealthResult;
}

/** A function URL that was not tested, and why. */
export interface SkippedTarget {
  readonly smoke: SmokeTarget;
  readonly reason: string;
}

export interface SmokeReport {
  readonly outcomes: readonly TargetOutcome[];
  readonly skipped: readonly SkippedTarget[];
  /** True unless an outcome is unhealthy. */
  readonly passed: boolean;
}

export interface SmokeOptions {
  readonly targets: readonly SmokeTarget[];
  /** Versions recorded before the apply, by the alias's qualified ARN. */
  readonly previous: ReadonlyMap<string, string>;
  readonly client: AliasClient;
  /** How long each URL may take to become healthy, in milliseconds; 0 skips the smoke test. */
  readonly timeoutMs: number;
  readonly requireDatabase: boolean;
  /**
   * Tests only URLs on this machine (127.0.0.1, localhost, [::1]) and skips others: a run with
   * `target: local` must send nothing to a real AWS host.
   */
  readonly loopbackOnly: boolean;
  readonly intervalMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly now?: () => number;
  readonly log: (line: string) => void;
}

function isLoopback(url: string): boolean {
  try {
    const host = new URL(url).hostname;
    return host === '127.0.0.1' || host === 'localhost' || host === '[::1]';
  } catch {
    return false;
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

async function testOne(smoke: SmokeTarget, options: SmokeOptions): Promise<TargetOutcome> {
  const { target } = smoke;
  // The service names the Lambda version that served each request, so a response from the
  // previous version, before the alias change reached the URL, counts as not healthy yet.
  const health = await waitForHealth({
    functionUrl: smoke.url,
    timeoutMs: options.timeoutMs,
    requireDatabase: options.requireDatabase,
    expectedVersion: target.version,
    log: options.log,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const previous = options.previous.get(target.qualifiedArn);
  const decision = decideRollback(health.healthy, previous, target.version);
  const outcome = { smoke, health, previous, deployed: target.version, decision };
  if (decision.kind !== 'restore') {
    return outcome;
  }

  options.log(
    `Rolling back alias ${target.alias} of Lambda function ${target.functionName} from version ${target.version} to ${decision.version}`,
  );
  try {
    await options.client.updateAlias(target, decision.version);
  } catch (error) {
    options.log(`Rollback of alias ${target.alias} failed: ${describeError(error)}`);
    return { ...outcome, rollback: { ok: false, error: describeError(error) } };
  }
  options.log(
    `Rolled back alias ${target.alias} of Lambda function ${target.functionName} to version ${decision.version}`,
  );
  // The restored version is checked too, so the message reports whether the service is back.
  const restoredHealth = await waitForHealth({
    functionUrl: smoke.url,
    timeoutMs: options.timeoutMs,
    requireDatabase: options.requireDatabase,
    expectedVersion: decision.version,
    log: options.log,
    ...(options.intervalMs === undefined ? {} : { intervalMs: options.intervalMs }),
    ...(options.sleep === undefined ? {} : { sleep: options.sleep }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  return { ...outcome, rollback: { ok: true }, restoredHealth };
}

/** Runs the smoke test of every target in turn, rolling back each alias that fails it. */
export async function runSmokeTest(options: SmokeOptions): Promise<SmokeReport> {
  const outcomes: TargetOutcome[] = [];
  const skipped: SkippedTarget[] = [];
  for (const smoke of options.targets) {
    if (options.timeoutMs === 0) {
      skipped.push({ smoke, reason: 'smoke_timeout_seconds is 0' });
    } else if (options.loopbackOnly && !isLoopback(smoke.url)) {
      skipped.push({
        smoke,
        reason: `target is local and ${smoke.url} is not on this machine`,
      });
    } else {
      outcomes.push(await testOne(smoke, options));
    }
  }
  for (const { smoke, reason } of skipped) {
    options.log(`Smoke test of ${smoke.url} skipped: ${reason}`);
  }
  return { outcomes, skipped, passed: outcomes.every((outcome) => outcome.health.healthy) };
}

/** Returns the version the alias points at after the smoke test and any rollback. */
export function liveVersion(outcome: TargetOutcome): string {
  return outcome.decision.kind === 'restore' && outcome.rollback?.ok === true
    ? outcome.decision.version
    : outcome.deployed;
}

function seconds(ms: number): string {
  return String(Math.round(ms / 1000));
}

/** Says what happened to the alias of a failed outcome and what to do next. */
function rollbackSentence(outcome: TargetOutcome): string {
  const { target } = outcome.smoke;
  const name = `Lambda function ${target.functionName}`;
  const logs = `the log group /aws/lambda/${target.functionName}`;
  switch (outcome.decision.kind) {
    case 'restore': {
      const restored = outcome.decision.version;
      if (outcome.rollback?.ok === true) {
        const back =
          outcome.restoredHealth === undefined
            ? ''
            : outcome.restoredHealth.healthy
              ? ` Version ${restored} is healthy again.`
              : ` Version ${restored} is not healthy either (${describeProbe(outcome.restoredHealth.last)}), so the cause may be outside the code, such as the database or the configuration.`;
        return `Alias ${target.alias} of ${name} was rolled back from version ${outcome.deployed} to version ${restored}.${back} Read ${logs} for version ${outcome.deployed}, fix the cause and push again; rerunning this commit deploys the same version again.`;
      }
      return `Rolling alias ${target.alias} of ${name} back from version ${outcome.deployed} to version ${restored} failed, so version ${outcome.deployed} is still live: ${outcome.rollback?.error ?? 'not attempted'}. Point it back now: aws lambda update-alias --region ${target.region} --function-name ${target.functionName} --name ${target.alias} --function-version ${restored}`;
    }
    case 'first-deploy':
      return `This was the first deploy of alias ${target.alias} of ${name}, so there is no earlier version to roll back to and version ${outcome.deployed} stays. Read ${logs}, fix the cause and push again.`;
    case 'not-moved':
      return `Alias ${target.alias} of ${name} already pointed at version ${outcome.deployed} before this apply, so nothing was rolled back. Read ${logs} and check what the function depends on (database, configuration), then run again.`;
    case 'keep':
      return '';
  }
}

/** Builds the message of a failed smoke test: URL, what was last seen, the versions, the next step. */
export function failureMessage(report: SmokeReport): string {
  const failed = report.outcomes.filter((outcome) => !outcome.health.healthy);
  return failed
    .map((outcome) => {
      const { health } = outcome;
      return `Smoke test failed: GET ${health.url} was not healthy after ${health.attempts} attempt(s) in ${seconds(health.elapsedMs)} s; last seen: ${describeProbe(health.last)}. ${rollbackSentence(outcome)}`;
    })
    .join('\n');
}

/** Builds the job summary's line for each tested or skipped URL. */
export function summaryLines(report: SmokeReport): string[] {
  const lines = report.outcomes.map((outcome) => {
    const { health } = outcome;
    const { alias, functionName } = outcome.smoke.target;
    if (health.healthy) {
      return `**Smoke test passed:** \`GET ${health.url}\` is healthy; alias \`${alias}\` of \`${functionName}\` serves version ${outcome.deployed}.`;
    }
    const rolledBack = outcome.decision.kind === 'restore' && outcome.rollback?.ok === true;
    const after = rolledBack
      ? `alias \`${alias}\` rolled back from version ${outcome.deployed} to ${liveVersion(outcome)}`
      : `alias \`${alias}\` stays at version ${outcome.deployed}, not rolled back`;
    return `**Smoke test failed:** \`GET ${health.url}\` returned ${describeProbe(health.last)}; ${after}.`;
  });
  for (const { smoke, reason } of report.skipped) {
    lines.push(`**Smoke test skipped:** \`${smoke.url}\`: ${reason}.`);
  }
  return lines;
}
