// The one catch of an action: every failure becomes annotations where they help (each invalid
// input, each config problem at its line) and one `setFailed` with the message.
import * as core from '@actions/core';
import { annotateProblems } from './annotations.ts';
import type { LocatedProblem } from './annotations.ts';
import { ActionError } from './errors.ts';
import { formatInputProblem } from './inputs.ts';

/** Whether an error carries config problems with positions, as the engine's `ConfigError` does. */
function hasLocatedProblems(error: unknown): error is Error & { problems: LocatedProblem[] } {
  const problems = (error as { problems?: unknown }).problems;
  return (
    error instanceof Error &&
    Array.isArray(problems) &&
    problems.every(
      (problem) =>
        typeof problem === 'object' &&
        problem !== null &&
        typeof (problem as LocatedProblem).message === 'string' &&
        typeof (problem as LocatedProblem).rule === 'string',
    )
  );
}

/** Reports a failure on the runner and marks the step failed. */
export function reportFailure(error: unknown): void {
  if (error instanceof ActionError && error.code === 'ERR_INPUT_INVALID') {
    for (const problem of error.problems) core.error(formatInputProblem(problem));
    core.setFailed(error.message.split('\n')[0] ?? error.message);
    return;
  }
  if (hasLocatedProblems(error)) {
    const { errors } = annotateProblems(error.problems);
    core.setFailed(
      `The config has ${errors} problem${errors === 1 ? '' : 's'}; each is annotated at its line.`,
    );
    return;
  }
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof Error && error.stack) core.debug(error.stack);
  core.setFailed(message);
}

/**
 * Runs an action's main function and reports any failure. The entry file calls only this, so the
 * action's logic stays a plain async function that tests call directly.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    reportFailure(error);
  }
}
