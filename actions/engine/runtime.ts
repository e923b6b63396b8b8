// Services that observe, plan and apply share during one run: injected clock, sleep and
// randomness, the retry policy, secret masking, and the per-resource state that references
// resolve against.
import type { GraphResource } from './graph.ts';
import { isOutputScalar } from './plan-model.ts';
import type { OutputValue } from './plan-model.ts';
import type { Logger, Observation, ProviderContext, SpecValue, Unknown } from './provider.ts';
import { isUnknown } from './provider.ts';
import { parseTemplate, resolveReferences } from './references.ts';
import type { Reference } from './references.ts';
import { defaultRetryOptions, withRetry } from './retry.ts';
import type { RetryOptions } from './retry.ts';
import { Redactor } from './secrets.ts';
import type { SecretResolver } from './secrets.ts';

export interface EngineOptions {
  readonly log: Logger;
  readonly now?: () => Date;
  readonly sleep?: (milliseconds: number) => Promise<void>;
  /** Source of jitter for retries, a number in [0, 1). */
  readonly random?: () => number;
  /** Maximum number of vendor calls in flight during observe and apply. Default 4. */
  readonly concurrency?: number;
  readonly retry?: Partial<RetryOptions>;
  /** Resolves `{ secret: ... }` references. Without it, every secret is unresolved. */
  readonly secrets?: SecretResolver;
  /** Called with each secret value the moment it is resolved, to mask it (`core.setSecret`). */
  readonly onSecret?: (value: string) => void;
  readonly signal?: AbortSignal;
}

/** The engine's record of one config resource while it observes, plans and applies. */
export interface ResourceState {
  readonly node: GraphResource;
  readonly provider: string;
  observation?: Observation | undefined;
  /**
   * `exists`: observed (owned, or adoptable) and kept; its outputs are known. `create` and
   * `replace`: outputs are known only after apply. `conflict`: foreign, never touched.
   */
  decision?: 'create' | 'replace' | 'exists' | 'conflict';
}

/** An error from the engine itself, with a stable code. */
export class EngineError extends Error {
  override readonly name = 'EngineError';
  readonly code: string;

  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.code = code;
  }
}

function defaultSleep(milliseconds: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, milliseconds));
}

/** The run-wide services, built once from `EngineOptions`. */
export class Runtime {
  readonly log: Logger;
  readonly now: () => Date;
  readonly sleep: (milliseconds: number) => Promise<void>;
  readonly random: () => number;
  readonly concurrency: number;
  readonly retry: RetryOptions;
  readonly redactor = new Redactor();
  readonly signal: AbortSignal | undefined;
  private readonly secretResolver: SecretResolver | undefined;
  private readonly onSecret: ((value: string) => void) | undefined;

  constructor(
    readonly environment: string,
    options: EngineOptions,
  ) {
    const concurrency = options.concurrency ?? 4;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new RangeError(`concurrency must be a positive integer (got ${concurrency})`);
    }
    this.concurrency = concurrency;
    this.retry = { ...defaultRetryOptions, ...options.retry };
    this.now = options.now ?? (() => new Date());
    this.sleep = options.sleep ?? defaultSleep;
    this.random = options.random ?? Math.random;
    this.signal = options.signal;
    this.secretResolver = options.secrets;
    this.onSecret = options.onSecret;
    const redact = (message: string) => this.redactor.redact(message);
    this.log = {
      info: (message) => options.log.info(redact(message)),
      debug: (message) => options.log.debug(redact(message)),
      warning: (message) => options.log.warning(redact(message)),
    };
  }

  /** The handler context for one resource: its log lines start with the address. */
  context(address: string): ProviderContext {
    const prefix = (message: string) => `${address}: ${message}`;
    return {
      environment: this.environment,
      log: {
        info: (message) => this.log.info(prefix(message)),
        debug: (message) => this.log.debug(prefix(message)),
        warning: (message) => this.log.warning(prefix(message)),
      },
      ...(this.signal === undefined ? {} : { signal: this.signal }),
      now: this.now,
      sleep: this.sleep,
      marker: (markerAddress) => ({
        managedBy: 'gitops',
        environment: this.environment,
        address: markerAddress,
      }),
    };
  }

  /**
   * Calls a handler with retries, and wraps a final failure with the operation and the resource,
   * keeping the original error as `cause` and masking secret values in the message.
   */
  async call<T>(
    operation: string,
    resource: string,
    run: (attempt: number) => Promise<T>,
  ): Promise<T> {
    try {
      return await withRetry(`${operation} ${resource}`, run, this.retry, {
        sleep: this.sleep,
        random: this.random,
        log: this.log,
      });
    } catch (error) {
      if (error instanceof EngineError) {
        throw error;
      }
      const message = error instanceof Error ? error.message : String(error);
      const code =
        typeof (error as { code?: unknown }).code === 'string'
          ? ` [${(error as { code: string }).code}]`
          : '';
      throw new EngineError(
        'ERR_HANDLER_FAILED',
        this.redactor.redact(`${operation} ${resource} failed${code}: ${message}`),
        { cause: error },
      );
    }
  }

  /**
   * Resolves every distinct secret reference once. Failures are returned, not thrown: a plan
   * continues with the value unknown, while apply stops before its first write.
   */
  async resolveSecrets(
    references: Iterable<Reference>,
  ): Promise<{ values: Map<string, string>; failures: Map<string, string> }> {
    const values = new Map<string, string>();
    const failures = new Map<string, string>();
    for (const reference of references) {
      if (
        reference.type !== 'secret' ||
        values.has(reference.text) ||
        failures.has(reference.text)
      ) {
        continue;
      }
      if (this.secretResolver === undefined) {
        failures.set(reference.text, `no secret resolver is configured for ${reference.name}`);
        continue;
      }
      try {
        const value = await this.secretResolver.resolve(reference);
        this.redactor.add(value);
        this.onSecret?.(value);
        values.set(reference.text, value);
      } catch (error) {
        failures.set(
          reference.text,
          this.redactor.redact(error instanceof Error ? error.message : String(error)),
        );
      }
    }
    return { values, failures };
  }
}

function unknownFor(text: string): Unknown {
  return { $unknown: text };
}

function containsSecretReference(value: SpecValue): boolean {
  if (typeof value === 'string') {
    return parseTemplate(value).parts.some(
      (part) => 'reference' in part && part.reference.type === 'secret',
    );
  }
  if (Array.isArray(value)) {
    return value.some(containsSecretReference);
  }
  if (value !== null && typeof value === 'object' && !isUnknown(value)) {
    return Object.values(value).some(containsSecretReference);
  }
  return false;
}

/**
 * Builds the function that gives references their values from the current state. An output is,
 * in order: the target's top-level spec field of that name when it resolves to a scalar without
 * secrets (so `${aws.functions.api.functionName}` is known before apply), then the output of the
 * observed resource when it is kept, else `Unknown`. Secrets come from `secrets`, or are unknown.
 */
export function createLookup(
  states: ReadonlyMap<string, ResourceState>,
  secrets: ReadonlyMap<string, string>,
  onSensitive?: (value: string) => void,
): (reference: Reference) => OutputValue {
  const lookup = (reference: Reference, visiting: ReadonlySet<string>): OutputValue => {
    if (reference.type === 'secret') {
      return secrets.get(reference.text) ?? unknownFor(reference.text);
    }
    const state = states.get(reference.address);
    const key = `${reference.address}.${reference.output}`;
    if (state === undefined || visiting.has(key)) {
      return unknownFor(reference.text);
    }
    const field = state.node.resource.spec[reference.output];
    if (field !== undefined && !containsSecretReference(field)) {
      const inner = new Set([...visiting, key]);
      const value = resolveReferences(field, (next) => lookup(next, inner));
      if (isOutputScalar(value)) {
        return value;
      }
    }
    const observation = state.observation;
    if (state.decision === 'exists' && observation !== undefined) {
      const output = observation.outputs[reference.output];
      if (output !== undefined) {
        if (
          typeof output === 'string' &&
          state.node.handler.sensitiveOutputs?.includes(reference.output)
        ) {
          onSensitive?.(output);
        }
        return output;
      }
      if (reference.output === 'id') {
        return observation.id;
      }
    }
    return unknownFor(reference.text);
  };
  return (reference) => lookup(reference, new Set());
}

/** Outputs of a resource as far as they are known, sensitive ones masked. */
export function knownOutputs(state: ResourceState, masked: string): Record<string, OutputValue> {
  const handler = state.node.handler;
  const sensitive = new Set(handler.sensitiveOutputs ?? []);
  const result: Record<string, OutputValue> = {};
  const observation = state.decision === 'exists' ? state.observation : undefined;
  const names = new Set([
    'id',
    ...(handler.outputs ?? []),
    ...Object.keys(observation?.outputs ?? {}),
  ]);
  for (const name of [...names].sort()) {
    const value = observation?.outputs[name] ?? (name === 'id' ? observation?.id : undefined);
    if (value === undefined) {
      result[name] = unknownFor(`\${${state.node.resource.address}.${name}}`);
    } else {
      result[name] = sensitive.has(name) ? masked : value;
    }
  }
  return result;
}
