// The CLI commands. Each validates before any API call, logs to stderr, writes its output to
// stdout or --out, and returns the exit code.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
import { environmentFile, environmentForBranch } from '../engine/config/environments.ts';
import { loadConfig } from '../engine/config/load.ts';
import type { LoadedConfig } from '../engine/config/load.ts';
import { formatProblem } from '../engine/config/problems.ts';
import { configJsonSchema } from '../engine/config/schema.ts';
import type { SectionSchema } from '../engine/config/schema.ts';
import { createEngine } from '../engine/engine.ts';
import type { Plan } from '../engine/plan-model.ts';
import type { Logger, Provider } from '../engine/provider.ts';
import {
  renderApplyJson,
  renderOutputsJson,
  renderPlanJson,
  renderProblemsJson,
} from '../engine/render/json.ts';
import { renderApplyMarkdown, renderPlanMarkdown } from '../engine/render/markdown.ts';
import { renderApplyText, renderOutputsText, renderPlanText } from '../engine/render/text.ts';
import type { SecretResolver } from '../engine/secrets.ts';
import type { StackOptions } from '../stack.ts';
import type { CliArguments } from './args.ts';
import type { CliIo } from './io.ts';
import { useColor, writeOutput } from './io.ts';

/** The providers and secret resolver the commands use: `actions/stack.ts`, or fakes in tests. */
export interface Composition {
  readonly sectionSchemas: readonly SectionSchema[];
  createProviders(options: StackOptions): Provider[];
  createSecretResolver(options: StackOptions): SecretResolver;
  /** Releases what the providers hold open, such as SDK sockets. */
  disposeProviders?(providers: readonly Provider[]): void;
}

export interface CommandContext {
  readonly args: CliArguments;
  readonly io: CliIo;
  readonly log: Logger;
  readonly composition: Composition;
  /** Every provider the command created, so the caller can dispose of them. */
  readonly created: Provider[];
  /** Cleanups the caller runs when the command ends, such as closing SDK clients. */
  readonly disposers: Array<() => void>;
  /** Test hooks: frozen clock and sleep for the engine. */
  readonly engineOverrides?: {
    now?: () => Date;
    sleep?: (milliseconds: number) => Promise<void>;
    random?: () => number;
  };
}

export const exitCodes = { ok: 0, error: 1, changes: 2 } as const;

function configDir(context: CommandContext): string {
  return resolve(context.io.cwd, context.args.configDir);
}

/** Reads the environment file without validation, for the values providers are created with. */
async function readRaw(context: CommandContext): Promise<unknown> {
  try {
    const text = await readFile(environmentFile(configDir(context), context.args.env!), 'utf8');
    return parseDocument(text).toJS() as unknown;
  } catch {
    // loadConfig reports a missing or unreadable file with the details.
    return undefined;
  }
}

function createProviders(
  context: CommandContext,
  raw: unknown,
  purpose: StackOptions['purpose'],
): Provider[] {
  const providers = context.composition.createProviders(stackOptions(context, raw, purpose));
  context.created.push(...providers);
  return providers;
}

function stackOptions(
  context: CommandContext,
  raw: unknown,
  purpose: StackOptions['purpose'],
): StackOptions {
  return { env: context.io.env, target: context.args.target, purpose, raw, cwd: context.io.cwd };
}

/**
 * Validates the config, printing every problem to stderr. With `reconcile`, validates again
 * with the providers that hold real credentials, whose checks may compare config with them.
 */
async function validated(
  context: CommandContext,
  purpose: StackOptions['purpose'],
): Promise<{ config: LoadedConfig; providers: Provider[]; raw: unknown } | undefined> {
  const raw = await readRaw(context);
  const load = async (providers: Provider[]) => {
    const result = await loadConfig({
      configDir: configDir(context),
      environment: context.args.env!,
      providers,
      target: context.args.target,
      displayRoot: context.io.cwd,
    });
    for (const problem of result.problems) {
      context.io.stderr.write(`${formatProblem(problem)}\n`);
    }
    return result;
  };

  const first = await load(
    context.composition.createProviders(stackOptions(context, raw, 'validate')),
  );
  if (first.config === undefined) {
    const count = first.problems.filter((problem) => problem.severity === 'error').length;
    context.log.warning(
      `${context.args.env}: ${count} config problem${count === 1 ? '' : 's'}; nothing was sent to any vendor`,
    );
    return undefined;
  }
  if (purpose === 'validate') {
    return { config: first.config, providers: [], raw };
  }
  const providers = createProviders(context, raw, 'reconcile');
  const second = await load(providers);
  return second.config === undefined ? undefined : { config: second.config, providers, raw };
}

export async function validateCommand(context: CommandContext): Promise<number> {
  const result = await validated(context, 'validate');
  if (context.args.format === 'json') {
    const loaded = await loadConfig({
      configDir: configDir(context),
      environment: context.args.env!,
      providers: createProviders(context, await readRaw(context), 'validate'),
      target: context.args.target,
      displayRoot: context.io.cwd,
    });
    await writeOutput(
      context.io,
      context.args.out,
      renderProblemsJson(loaded.problems, loaded.config !== undefined),
    );
  } else if (result !== undefined) {
    context.log.info(
      `${context.args.env}: the config is valid (${result.config.files.join(', ')})`,
    );
  }
  return result === undefined ? exitCodes.error : exitCodes.ok;
}

async function makePlan(
  context: CommandContext,
): Promise<{ plan: Plan; engine: ReturnType<typeof createEngine> } | undefined> {
  const ready = await validated(context, 'reconcile');
  if (ready === undefined) {
    return undefined;
  }
  const options = stackOptions(context, ready.raw, 'reconcile');
  const secrets = context.composition.createSecretResolver(options);
  context.disposers.push(() => secrets.dispose?.());
  const engine = createEngine(ready.providers, {
    log: context.log,
    concurrency: context.args.parallelism,
    secrets,
    ...context.engineOverrides,
  });
  return { plan: await engine.plan(ready.config), engine };
}

function renderPlan(context: CommandContext, plan: Plan): string {
  switch (context.args.format) {
    case 'json':
      return renderPlanJson(plan);
    case 'markdown':
      return renderPlanMarkdown(plan);
    default:
      return renderPlanText(plan, { color: useColor(context.io, context.args.out) });
  }
}

export async function planCommand(context: CommandContext): Promise<number> {
  const planned = await makePlan(context);
  if (planned === undefined) {
    return exitCodes.error;
  }
  const { plan } = planned;
  await writeOutput(context.io, context.args.out, renderPlan(context, plan));
  if (plan.summary.total.conflict > 0) {
    context.log.warning(
      `${plan.summary.total.conflict} resource(s) conflict with existing ones this environment does not own; apply would stop`,
    );
    return exitCodes.error;
  }
  return plan.summary.changes ? exitCodes.changes : exitCodes.ok;
}

export async function applyCommand(context: CommandContext): Promise<number> {
  const planned = await makePlan(context);
  if (planned === undefined) {
    return exitCodes.error;
  }
  context.io.stderr.write(
    renderPlanText(planned.plan, { color: context.io.stderr.isTTY === true }),
  );
  const result = await planned.engine.apply(planned.plan);
  const text =
    context.args.format === 'json'
      ? renderApplyJson(result)
      : context.args.format === 'markdown'
        ? renderApplyMarkdown(result)
        : renderApplyText(result, { color: useColor(context.io, context.args.out) });
  await writeOutput(context.io, context.args.out, text);
  return result.succeeded ? exitCodes.ok : exitCodes.error;
}

export async function outputsCommand(context: CommandContext): Promise<number> {
  const planned = await makePlan(context);
  if (planned === undefined) {
    return exitCodes.error;
  }
  const { plan } = planned;
  const text =
    context.args.format === 'json'
      ? renderOutputsJson(plan.environment, plan.outputs)
      : renderOutputsText(plan.outputs);
  await writeOutput(context.io, context.args.out, text);
  return exitCodes.ok;
}

/** Serialises the JSON schema as `config/schema.json` stores it: two-space indent, final newline. */
export function schemaText(sections: readonly SectionSchema[]): string {
  return `${JSON.stringify(configJsonSchema(sections), null, 2)}\n`;
}

export async function schemaCommand(context: CommandContext): Promise<number> {
  const text = schemaText(context.composition.sectionSchemas);
  if (context.args.check) {
    const path = resolve(context.io.cwd, context.args.out!);
    const current = await readFile(path, 'utf8').catch(() => undefined);
    if (current !== text) {
      context.log.warning(
        `${context.args.out} is stale: regenerate it with npx gitops schema --out ${context.args.out}`,
      );
      return exitCodes.error;
    }
    context.log.info(`${context.args.out} is up to date`);
    return exitCodes.ok;
  }
  await writeOutput(
    context.io,
    context.args.out === undefined ? undefined : resolve(context.io.cwd, context.args.out),
    text,
  );
  return exitCodes.ok;
}

export async function environmentCommand(context: CommandContext): Promise<number> {
  const environment = await environmentForBranch(configDir(context), context.args.branch!);
  if (environment === undefined) {
    context.log.warning(
      `no environment file in ${context.args.configDir} has branch: ${context.args.branch}`,
    );
    return exitCodes.error;
  }
  await writeOutput(context.io, context.args.out, `${environment}\n`);
  return exitCodes.ok;
}
