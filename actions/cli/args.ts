// Command-line parsing: one command, then options. Unknown options and bad values are errors that
// name the option and the accepted values.
import { parseArgs } from 'node:util';
import type { Target } from '../engine/config/placeholders.ts';

export const commands = ['validate', 'plan', 'apply', 'outputs', 'schema', 'environment'] as const;
export type Command = (typeof commands)[number];
export const formats = ['text', 'markdown', 'json'] as const;
export type Format = (typeof formats)[number];

export interface CliArguments {
  readonly command: Command;
  readonly env: string | undefined;
  readonly configDir: string;
  readonly format: Format;
  readonly out: string | undefined;
  readonly target: Target;
  readonly parallelism: number;
  readonly verbose: boolean;
  readonly branch: string | undefined;
  readonly check: boolean;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'ERR_USAGE';
}

export const usage = `Usage: gitops <command> [options]

Commands:
  validate      Check the config of an environment; no API call
  plan          Observe every resource and print the plan; never writes
  apply         Plan, then apply the plan
  outputs       Observe and print the outputs of every resource
  schema        Print the JSON schema of the config files
  environment   Print the environment a branch deploys (--branch)

Options:
  --env NAME          Environment, the name of config/NAME.yaml (validate, plan, apply, outputs)
  --config-dir DIR    Folder of the config files (default: config)
  --format FORMAT     text, markdown or json (default: text; schema is always JSON)
  --out FILE          Write the output to FILE instead of stdout
  --target TARGET     local (the stand-ins on this machine) or cloud (default: cloud,
                      or GITOPS_TARGET); cloud rejects the template's placeholder ids
  --parallelism N     Maximum vendor calls in flight, 1 to 32 (default: 4)
  --branch NAME       Branch to look up (environment)
  --check             Compare with --out FILE instead of writing it (schema); exit 1 when stale
  --verbose           Also log debug lines
  --help              Show this help

Exit codes: 0 success (plan: no changes), 2 plan has changes, 1 errors.
`;

function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${option} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}

const optionSpec = {
  env: { type: 'string' },
  'config-dir': { type: 'string' },
  format: { type: 'string' },
  out: { type: 'string' },
  target: { type: 'string' },
  parallelism: { type: 'string' },
  branch: { type: 'string' },
  check: { type: 'boolean' },
  verbose: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

function readArgv(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: optionSpec,
    });
  } catch (error) {
    throw new UsageError(
      `${error instanceof Error ? error.message : String(error)}. Run gitops --help for the options.`,
    );
  }
}

function readCommand(positionals: readonly string[]): Command {
  if (positionals.length > 1) {
    throw new UsageError(
      `expected one command, got ${positionals.map((word) => `"${word}"`).join(' ')}`,
    );
  }
  const word = positionals[0]!;
  if (!(commands as readonly string[]).includes(word)) {
    throw new UsageError(`unknown command "${word}"; commands: ${commands.join(', ')}`);
  }
  return word as Command;
}

function readParallelism(text: string | undefined): number {
  const value = text ?? '4';
  const parallelism = Number(value);
  if (!/^\d+$/.test(value) || parallelism < 1 || parallelism > 32) {
    throw new UsageError(`--parallelism must be a whole number from 1 to 32 (got "${value}")`);
  }
  return parallelism;
}

/** Parses argv (without node and the script). Returns `undefined` for `--help`. */
export function parseCliArguments(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliArguments | undefined {
  const { values, positionals } = readArgv(argv);
  if (values.help === true || positionals.length === 0) {
    return undefined;
  }
  const command = readCommand(positionals);

  const needsEnvironment = command !== 'schema' && command !== 'environment';
  if (needsEnvironment && values.env === undefined) {
    throw new UsageError(`${command} needs --env, such as --env dev`);
  }
  if (command === 'environment' && values.branch === undefined) {
    throw new UsageError('environment needs --branch, such as --branch dev');
  }
  if (values.check === true && values.out === undefined) {
    throw new UsageError('--check needs --out FILE, the file to compare with');
  }

  const fromEnvironment = values.target === undefined && env.GITOPS_TARGET !== undefined;
  const target = oneOf(
    fromEnvironment ? 'target (from GITOPS_TARGET)' : 'target',
    values.target ?? env.GITOPS_TARGET ?? 'cloud',
    ['local', 'cloud'] as const,
  );
  return {
    command,
    env: values.env,
    configDir: values['config-dir'] ?? 'config',
    format: oneOf('format', values.format ?? 'text', formats),
    out: values.out,
    target,
    parallelism: readParallelism(values.parallelism),
    verbose: values.verbose === true,
    branch: values.branch,
    check: values.check === true,
  };
}
