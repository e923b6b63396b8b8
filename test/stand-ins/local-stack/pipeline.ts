// The reconcile half of `npm start`: the gitops CLI itself (`actions/cli/run.ts` over
// `actions/stack.ts` and the engine), run in this process with the stand-ins' endpoints and
// credentials as its environment and `--target local`. Validate, apply (which prints the plan,
// then the progress of each action), outputs, and a second plan that must show no changes.
import { run } from '../../../actions/cli/run.ts';
import type { CliIo } from '../../../actions/cli/io.ts';

export interface PipelineOptions {
  /** Environment of the CLI: the overlay's credentials and the stand-ins' endpoints, nothing else. */
  readonly env: Readonly<Record<string, string>>;
  /** Working directory: `code.artifact` paths such as dist/service/lambda.zip are relative to it. */
  readonly cwd: string;
  /** Folder of the environment files. */
  readonly configDir: string;
  readonly environment: string;
  /** Where the CLI's output and logs go, in the order they are written. */
  readonly write: (text: string) => void;
  /** Whether the output may carry ANSI colours. */
  readonly color: boolean;
}

/** One CLI command as it ran. */
export interface StepResult {
  readonly command: string;
  readonly exitCode: number;
  /** Everything the command wrote to stdout and stderr, in order. */
  readonly output: string;
}

export interface PipelineResult {
  readonly steps: readonly StepResult[];
  /** True when every step succeeded and the second plan had no changes. */
  readonly ok: boolean;
  /** Exit code of the second plan: 0 means no changes. */
  readonly secondPlanExitCode: number | undefined;
}

/** Formats the command line of a step, as a person would type it. */
export function commandLine(command: string, options: PipelineOptions): string {
  return `gitops ${command} --env ${options.environment} --target local`;
}

async function runStep(command: string, options: PipelineOptions): Promise<StepResult> {
  let output = '';
  const sink = {
    write: (text: string) => {
      output += text;
      options.write(text);
      return true;
    },
    isTTY: options.color,
  };
  const io: CliIo = {
    stdout: sink,
    stderr: sink,
    env: options.color ? options.env : { ...options.env, NO_COLOR: '1' },
    cwd: options.cwd,
  };
  const exitCode = await run(
    [command, '--env', options.environment, '--target', 'local', '--config-dir', options.configDir],
    io,
  );
  return { command, exitCode, output };
}

/**
 * Runs validate, apply, outputs and plan, printing a heading before each. Stops at the first
 * failed step; `ok` is false then, and also when the second plan still has changes.
 */
export async function reconcile(options: PipelineOptions): Promise<PipelineResult> {
  const steps: StepResult[] = [];
  const headings: Record<string, string> = {
    validate: 'Validate',
    apply: 'Plan and apply',
    outputs: 'Outputs',
    plan: 'Plan again: it should have no changes',
  };
  for (const command of ['validate', 'apply', 'outputs', 'plan']) {
    options.write(`\n== ${headings[command]} (${commandLine(command, options)})\n`);
    const step = await runStep(command, options);
    steps.push(step);
    if (step.exitCode !== 0) {
      const secondPlanExitCode = command === 'plan' ? step.exitCode : undefined;
      return { steps, ok: false, secondPlanExitCode };
    }
  }
  return { steps, ok: true, secondPlanExitCode: 0 };
}
