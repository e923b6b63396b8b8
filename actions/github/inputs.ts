// Typed action inputs: each input declares its rule once, `readInputs` reads and checks them all
// before any cloud call, and reports every invalid one together, naming the input, the rule, the
// value received (masked when secret) and the fix.
//
// Input names use underscores (`aws_role_arn`), never hyphens. The runner passes inputs as
// `INPUT_<NAME>` environment variables, and a hyphenated name such as `INPUT_AWS-ROLE-ARN` is
// not a valid shell identifier: dash, the `/bin/sh` of Ubuntu runners, drops such variables from
// the environment it hands to child processes. An action whose entry passes through `sh` (a
// composite step, a wrapper script, a local run with `env`) then reads the input as empty.
import * as core from '@actions/core';
import { ActionError } from './errors.ts';
import type { InputProblem } from './errors.ts';

/** The outcome of checking one raw input value. */
export type InputCheck<T> = { ok: true; value: T } | { ok: false };

/** The reading and checking rules of one input. Build it with the functions of `input`. */
export interface InputDefinition<T> {
  readonly required: boolean;
  /** Registered with the runner as a secret the moment it is read; never shown in messages. */
  readonly secret: boolean;
  /** The rule in words, for messages: `an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME)`. */
  readonly rule: string;
  /** Advice for a value that breaks the rule. */
  readonly fix: string;
  /** Value when the input is empty and not required. */
  readonly fallback: T | undefined;
  check(raw: string): InputCheck<T>;
}

type Common = {
  /** Advice for a value that is invalid or missing, shown after the rule. */
  fix: string;
  secret?: boolean;
};

function define<T>(
  options: Common & { default?: T },
  rule: string,
  check: (raw: string) => InputCheck<T>,
): InputDefinition<T> {
  return {
    required: options.default === undefined,
    secret: options.secret ?? false,
    rule,
    fix: options.fix,
    fallback: options.default,
    check,
  };
}

const ok = <T>(value: T): InputCheck<T> => ({ ok: true, value });
const invalid = { ok: false } as const;

/** IAM role ARN in any partition; the path may contain slashes. */
const roleArnPattern = /^arn:aws(?:-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/;
/** AWS region names such as `us-east-1`, `eu-central-2` or `us-gov-west-1`. */
const regionPattern = /^[a-z]{2}(?:-[a-z]+)+-\d$/;

/**
 * Builders for input definitions. An input is required unless it has a `default` or is wrapped
 * in `input.optional`.
 */
export const input = {
  /** Makes `definition` optional without a default: an empty input reads as `undefined`. */
  optional<T>(definition: InputDefinition<T>): InputDefinition<T | undefined> {
    return { ...definition, required: false, fallback: undefined };
  },

  /** Free text, optionally matching `pattern` (described by `rule`). */
  text(
    options: Common & { default?: string; pattern?: RegExp; rule?: string },
  ): InputDefinition<string> {
    const rule =
      options.rule ??
      (options.pattern === undefined
        ? 'a non-empty string'
        : `text matching ${String(options.pattern)}`);
    return define(options, rule, (raw) =>
      options.pattern === undefined || options.pattern.test(raw) ? ok(raw) : invalid,
    );
  },

  /** One of `values`, compared exactly. */
  choice<const V extends string>(
    values: readonly V[],
    options: Common & { default?: V },
  ): InputDefinition<V> {
    const rule = `one of ${values.map((value) => `"${value}"`).join(', ')}`;
    return define(options, rule, (raw) =>
      (values as readonly string[]).includes(raw) ? ok(raw as V) : invalid,
    );
  },

  /** `true` or `false` in the spellings YAML 1.2 core schema allows, as `core.getBooleanInput`. */
  boolean(options: Common & { default?: boolean }): InputDefinition<boolean> {
    return define(options, 'true or false', (raw) => {
      if (['true', 'True', 'TRUE'].includes(raw)) return ok(true);
      if (['false', 'False', 'FALSE'].includes(raw)) return ok(false);
      return invalid;
    });
  },

  /** A whole number in [min, max]; junk is rejected, never replaced by the default. */
  integer(
    options: Common & { default?: number; min: number; max: number },
  ): InputDefinition<number> {
    const rule = `a whole number from ${options.min} to ${options.max}`;
    return define(options, rule, (raw) => {
      if (!/^-?\d+$/.test(raw)) return invalid;
      const value = Number(raw);
      return value >= options.min && value <= options.max ? ok(value) : invalid;
    });
  },

  /** Defines an IAM role ARN input. */
  roleArn(options: Common & { default?: string }): InputDefinition<string> {
    const rule = 'an IAM role ARN (arn:aws:iam::ACCOUNT_ID:role/NAME)';
    return define(options, rule, (raw) => (roleArnPattern.test(raw) ? ok(raw) : invalid));
  },

  /** Defines an AWS region name input. */
  region(options: Common & { default?: string }): InputDefinition<string> {
    const rule = 'an AWS region name such as us-east-1';
    return define(options, rule, (raw) => (regionPattern.test(raw) ? ok(raw) : invalid));
  },
};

export type InputSpec = Readonly<Record<string, InputDefinition<unknown>>>;

/** The typed values of a spec; only `input.optional` inputs may be undefined. */
export type InputValues<S extends InputSpec> = {
  -readonly [K in keyof S]: S[K] extends InputDefinition<infer T> ? T : never;
};

/** Source of input values: the runner's `INPUT_*` variables unless a test passes its own. */
export interface InputSource {
  getInput(name: string): string;
  /** The environment, searched for hyphenated `INPUT_*` names to point at the typo. */
  readonly env: Readonly<Record<string, string | undefined>>;
}

const inputNamePattern = /^[a-z][a-z0-9_]*$/;

function quote(value: string): string {
  return JSON.stringify(value.length > 200 ? `${value.slice(0, 200)}...` : value);
}

/** Describes a received value for a message, hiding a secret one. */
function describeReceived(raw: string, secret: boolean): string {
  if (raw === '') return 'an empty value';
  if (secret) return `a masked value of ${raw.length} characters`;
  return quote(raw);
}

/** Returns the runner variable for the same input spelt with hyphens, which a `sh` step would lose. */
function hyphenatedVariable(name: string, env: InputSource['env']): string | undefined {
  const hyphenated = `INPUT_${name.toUpperCase().replace(/_/g, '-')}`;
  return hyphenated !== `INPUT_${name.toUpperCase()}` && env[hyphenated] !== undefined
    ? hyphenated
    : undefined;
}

function checkOne(
  name: string,
  definition: InputDefinition<unknown>,
  source: InputSource,
): { value: unknown } | { problem: InputProblem } {
  const raw = source.getInput(name);
  // Mask first, so nothing below, nor anything the caller logs later, can show the value.
  if (definition.secret && raw !== '') core.setSecret(raw);

  if (raw === '') {
    if (!definition.required) return { value: definition.fallback };
    const hyphenated = hyphenatedVariable(name, source.env);
    const fix = hyphenated
      ? `The environment has ${hyphenated}: name the input "${name}" with underscores in the workflow's "with:" block. ${definition.fix}`
      : definition.fix;
    return {
      problem: { input: name, rule: definition.rule, received: 'nothing', fix },
    };
  }

  const result = definition.check(raw);
  if (result.ok) return { value: result.value };
  return {
    problem: {
      input: name,
      rule: definition.rule,
      received: describeReceived(raw, definition.secret),
      fix: definition.fix,
    },
  };
}

/** Formats one problem as a line: input, rule, value received and fix. */
export function formatInputProblem(problem: InputProblem): string {
  return `Input "${problem.input}" must be ${problem.rule} (got ${problem.received}). ${problem.fix}`;
}

/**
 * Reads every input of `spec`, masking secret ones as they are read, and returns their typed
 * values. Throws `ActionError` `ERR_INPUT_INVALID` listing every invalid input when any is.
 */
export function readInputs<S extends InputSpec>(
  spec: S,
  source: InputSource = { getInput: (name) => core.getInput(name), env: process.env },
): InputValues<S> {
  for (const name of Object.keys(spec)) {
    if (!inputNamePattern.test(name)) {
      throw new TypeError(
        `Input name "${name}" must be lower-case letters, digits and underscores: a hyphenated INPUT_* variable is lost when the step runs through /bin/sh.`,
      );
    }
  }

  const values: Record<string, unknown> = {};
  const problems: InputProblem[] = [];
  for (const [name, definition] of Object.entries(spec)) {
    const result = checkOne(name, definition, source);
    if ('problem' in result) problems.push(result.problem);
    else values[name] = result.value;
  }

  if (problems.length > 0) {
    const noun = problems.length === 1 ? 'input is' : 'inputs are';
    throw new ActionError(
      'ERR_INPUT_INVALID',
      `${problems.length} ${noun} invalid:\n${problems.map(formatInputProblem).join('\n')}`,
      { problems },
    );
  }
  return values as InputValues<S>;
}
