// The contract between the engine and each provider (AWS, Atlas, Okta). The engine imports only
// this file's types, never a concrete provider; the CLI and the actions compose the two.
//
// Vocabulary: observe (read-only), plan (a value), apply (create, update, delete), drift, prune.
import type { z } from 'zod';

/** A JSON value as it appears in config after references are resolved. */
export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

/**
 * A value that exists only after apply, such as the ARN of a role the plan creates. It takes the
 * reference's place in the resolved spec, so a plan can show "known after apply".
 */
export interface Unknown {
  readonly $unknown: string;
}

/** A spec value: JSON, with `Unknown` where a reference could not be resolved yet. */
export type SpecValue =
  string | number | boolean | null | Unknown | SpecValue[] | { [key: string]: SpecValue };

export function isUnknown(value: unknown): value is Unknown {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Partial<Unknown>).$unknown === 'string'
  );
}

/**
 * How the engine compares one field of a spec. Fields absent from the desired spec are never
 * compared, so server-set defaults do not show as drift.
 */
export interface FieldRule {
  /**
   * `ordered` (default for arrays): element by element; `set`: order and duplicates ignored;
   * `json`: a JSON document compared by meaning (IAM policies arrive URL-encoded and reshaped);
   * `ignore`: write-only or server-managed, never compared.
   */
  compare?: 'ordered' | 'set' | 'json' | 'ignore';
  /** A change to this field cannot be applied in place: the plan shows `replace`. */
  replaceOnChange?: boolean;
  /** The value is masked in every rendered plan, log and output. */
  sensitive?: boolean;
  /**
   * The field may be applied in a second step. A reference cycle is allowed when it passes
   * through such a field: the engine creates the resource without it, then updates the field once
   * its references are known. The Lambda environment is one: it needs the Okta client id, while
   * the Okta app needs the function URL.
   */
  deferrable?: boolean;
}

/** The ownership marker that every resource the engine creates carries. */
export interface OwnershipMarker {
  /** Always `gitops`; the AWS tag key is `gitops:managed-by`. */
  readonly managedBy: 'gitops';
  /** Config environment, such as `dev`. */
  readonly environment: string;
  /** Config address of the resource, such as `aws.roles.lambda`. */
  readonly address: string;
}

/** A resource as the config declares it, before references are resolved. */
export interface DesiredResource<Spec = Record<string, SpecValue>> {
  /** Config address: `{provider}.{collection}.{key}`, such as `aws.roles.lambda`. */
  readonly address: string;
  /** Handler kind, such as `aws:iam:Role`. */
  readonly kind: string;
  /** Vendor-facing name or label, for logs and plans. */
  readonly name: string;
  /** Desired fields; string values may contain `${provider.collection.key.output}` references. */
  readonly spec: Spec;
}

/** The result of observing one resource. */
export interface Observation<Spec = Record<string, SpecValue>> {
  /** Vendor id: ARN, Atlas id, Okta id. */
  readonly id: string;
  /** Current values in the config's shape, for comparison with the desired spec. */
  readonly spec: Spec;
  /** Values other resources may reference, such as `arn`, `clientId` or `srvHost`. */
  readonly outputs: Record<string, string | number | boolean>;
  /** `owned`: carries this environment's marker for this address; `foreign`: exists without it. */
  readonly ownership: 'owned' | 'foreign';
  /**
   * For a `foreign` resource: why the provider can prove it is ours anyway, such as "the Atlas
   * project id matches the one the organization's API key created". With a proof the engine
   * adopts the resource (its `update` writes the marker); without one the plan shows a conflict.
   */
  readonly ownershipProof?: string;
}

/** One field that differs between the desired and the observed spec. */
export interface FieldChange {
  /** Dotted path inside the spec, with `[n]` for array items: `redirectUris[1]`. */
  readonly path: string;
  readonly before: SpecValue | undefined;
  readonly after: SpecValue | undefined;
  readonly sensitive?: boolean;
}

export interface Logger {
  info(message: string): void;
  debug(message: string): void;
  warning(message: string): void;
}

/**
 * The context a handler receives on every call. Injected, so tests freeze the clock and sleep. For
 * polling an asynchronous state (a cluster in `CREATING`), use `waitFor` from this module: it logs
 * progress and times out naming the last state seen.
 */
export interface ProviderContext {
  readonly environment: string;
  readonly log: Logger;
  readonly signal?: AbortSignal;
  now(): Date;
  sleep(milliseconds: number): Promise<void>;
  /** Marker for the resource being handled, to write on create and check on observe. */
  marker(address: string): OwnershipMarker;
}

/**
 * One kind of resource. `observe` and `list` never write: the engine checks this in tests against
 * the stand-ins' request logs. `create`, `update` and `delete` are idempotent, so re-running an
 * apply that crashed half-way converges.
 *
 * `observe` receives the spec with references resolved as far as they are known: a value that
 * exists only after apply is an `Unknown`. `create` and `update` receive fully resolved specs,
 * except that a deferred field (see `FieldRule.deferrable`) is left out of `create` and sent later
 * through `update`. `update` also writes the ownership marker when `observed.ownership` is
 * `foreign`, which is how the engine adopts a resource.
 */
export interface ResourceHandler<Spec = Record<string, SpecValue>> {
  readonly kind: string;
  /**
   * Comparison rules by spec path (`assumeRolePolicyDocument`, `redirectUris`,
   * `cors.allowOrigins`). A rule applies to its path and everything below it; array indices are
   * not part of the key.
   */
  readonly fields?: Readonly<Record<string, FieldRule>>;
  /**
   * Output names that observe, create and update return (`arn`, `clientId`). When declared, a
   * reference to any other name that is not a top-level spec field is a validation error.
   */
  readonly outputs?: readonly string[];
  /** Outputs masked in every plan, log and `outputs` listing, such as a client secret. */
  readonly sensitiveOutputs?: readonly string[];
  /**
   * Top-level spec fields that observe needs to find the resource (`projectId`, `name`). When one
   * of them is still `Unknown`, the resource cannot exist yet: the engine skips `observe` and plans
   * a create.
   */
  readonly identity?: readonly string[];
  observe(
    context: ProviderContext,
    resource: DesiredResource<Spec>,
  ): Promise<Observation<Spec> | undefined>;
  create(context: ProviderContext, resource: DesiredResource<Spec>): Promise<Observation<Spec>>;
  update(
    context: ProviderContext,
    resource: DesiredResource<Spec>,
    observed: Observation<Spec>,
    changes: readonly FieldChange[],
  ): Promise<Observation<Spec>>;
  delete(context: ProviderContext, observed: Observation<Spec>): Promise<void>;
  /**
   * Owned resources of this kind that exist, so the engine can prune those that left the config.
   * Kinds without it are never pruned.
   */
  list?(
    context: ProviderContext,
  ): Promise<Array<Observation<Spec> & { address: string; name: string }>>;
}

/** A problem found by validation, reported with the others before any API call. */
export interface ConfigProblem {
  /** Path inside the provider's section, such as `['roles', 'lambda', 'roleName']`. */
  readonly path: readonly (string | number)[];
  /** The problem and its fix, naming the value received. */
  readonly message: string;
  /** Stable rule id, such as `atlas.one-m0-per-project`. */
  readonly rule: string;
}

/**
 * A provider: one config section (`aws`, `atlas`, `okta`), the resources it declares, and the
 * handlers that reconcile them.
 */
export interface Provider<Section = unknown> {
  /** Config section key and address prefix. */
  readonly name: string;
  /** Schema of the section, used for validation and for `config/schema.json`. */
  readonly schema: z.ZodType<Section>;
  /** Cross-field rules that the schema cannot express. */
  check?(section: Section): ConfigProblem[];
  /** The resources the section declares, in config order. */
  resources(section: Section): DesiredResource[];
  readonly handlers: Readonly<Record<string, ResourceHandler>>;
}

export { waitFor, WaitError } from './wait.ts';
export type { WaitOptions } from './wait.ts';

/** Error codes that decide what the engine does with a failed call. */
export type ProviderErrorCode =
  | 'THROTTLED'
  | 'UNAVAILABLE'
  | 'TIMEOUT'
  | 'CONFLICT'
  | 'NOT_FOUND'
  | 'INVALID'
  | 'FORBIDDEN'
  | 'UNAUTHORIZED'
  | 'NOT_OWNED';

const retryableCodes: ReadonlySet<ProviderErrorCode> = new Set([
  'THROTTLED',
  'UNAVAILABLE',
  'TIMEOUT',
  'CONFLICT',
]);

/**
 * A vendor call that failed, classified. Providers throw it with the vendor's own error code in
 * `vendorCode` (`NoSuchEntity`, `DUPLICATE_CLUSTER_NAME`, `E0000001`) and the original error as
 * `cause`, with any credential already stripped from the message.
 */
export class ProviderError extends Error {
  override readonly name = 'ProviderError';
  readonly code: ProviderErrorCode;
  readonly vendorCode: string | undefined;
  /** Delay the vendor asked for (`Retry-After`, rate-limit reset), in milliseconds. */
  readonly retryAfterMs: number | undefined;

  constructor(
    code: ProviderErrorCode,
    message: string,
    options: { vendorCode?: string; retryAfterMs?: number; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.vendorCode = options.vendorCode;
    this.retryAfterMs = options.retryAfterMs;
  }

  /** Whether the engine may retry the call with backoff. */
  get retryable(): boolean {
    return retryableCodes.has(this.code);
  }
}
