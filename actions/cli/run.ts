// The CLI entry: parse the arguments, run one command, turn any error into exit code 1 with a
// message on stderr.
import { UsageError, parseCliArguments, usage } from './args.ts';
import {
  applyCommand,
  environmentCommand,
  exitCodes,
  outputsCommand,
  planCommand,
  schemaCommand,
  validateCommand,
} from './commands.ts';
import type { CommandContext, Composition } from './commands.ts';
import { processIo, stderrLogger } from './io.ts';
import type { CliIo } from './io.ts';
import type { Provider } from '../engine/provider.ts';

async function defaultComposition(): Promise<Composition> {
  const stack = await import('../stack.ts');
  return {
    sectionSchemas: stack.sectionSchemas,
    createProviders: stack.createProviders,
    createSecretResolver: stack.createSecretResolver,
    disposeProviders: stack.disposeProviders,
  };
}

const handlers = {
  validate: validateCommand,
  plan: planCommand,
  apply: applyCommand,
  outputs: outputsCommand,
  schema: schemaCommand,
  environment: environmentCommand,
} as const;

/** Runs the CLI with `argv` (without node and the script) and returns the exit code. */
export async function run(
  argv: readonly string[],
  io: CliIo = processIo(),
  options: { composition?: Composition; engineOverrides?: CommandContext['engineOverrides'] } = {},
): Promise<number> {
  let args;
  try {
    args = parseCliArguments(argv, io.env);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`gitops: ${error.message}\n`);
      return exitCodes.error;
    }
    throw error;
  }
  if (args === undefined) {
    io.stdout.write(usage);
    return exitCodes.ok;
  }

  const log = stderrLogger(io, args.verbose);
  const created: Provider[] = [];
  const disposers: Array<() => void> = [];
  let composition: Composition | undefined;
  try {
    composition = options.composition ?? (await defaultComposition());
    return await handlers[args.command]({
      args,
      io,
      log,
      composition,
      created,
      disposers,
      ...(options.engineOverrides === undefined
        ? {}
        : { engineOverrides: options.engineOverrides }),
    });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const code =
      typeof (error as { code?: unknown }).code === 'string'
        ? ` [${(error as { code: string }).code}]`
        : '';
    io.stderr.write(`gitops ${args.command} failed${code}: ${message}\n`);
    if (args.verbose && error instanceof Error && error.stack !== undefined) {
      io.stderr.write(`${error.stack}\n`);
    }
    return exitCodes.error;
  } finally {
    composition?.disposeProviders?.(created);
    for (const dispose of disposers) {
      dispose();
    }
  }
}
