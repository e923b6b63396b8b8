// The one catch of an action: every failure becomes annotations where they help (each invalid
// input, each config problem at its line) and one `setFailed` with the message.
import * as core from '@actions/core';
import { ConfigError } from '../engine/config/problems.ts';
import { annotateProblems } from './annotations.ts';
import { ActionError, StepSkipped } from './errors.ts';
import { formatInputProblem } from './inputs.ts';
import { writeJobSummary } from './summary.ts';

/** Reports a failure on the runner and marks the step failed. */
export function reportFailure(error: unknown): void {
  if (error instanceof ActionError && error.code === 'ERR_INPUT_INVALID') {
    for (const problem of error.problems) core.error(formatInputProblem(problem));
    core.setFailed(error.message.split('\n')[0] ?? error.message);
    return;
  }
  if (error instanceof ConfigError) {
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
 * Runs an action's main function and reports any failure. A `StepSkipped` ends the step with a
 * notice and a job summary instead. The entry file calls only this, so the action's logic stays a
 * plain async function that tests call directly.
 */
export async function runAction(main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof StepSkipped) {
      core.notice(error.message);
      await writeJobSummary(`## ${error.title}\n\n${error.message}\n`);
      return;
    }
    reportFailure(error);
  }
}
