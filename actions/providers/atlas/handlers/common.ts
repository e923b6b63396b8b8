// Shared parts of the Atlas handlers: the client and timing options, reading a resource back after a
// create whose outcome is unknown, and the ownership guard on delete.
import {
  isUnknown,
  ProviderError,
  type DesiredResource,
  type Observation,
  type ProviderContext,
  type SpecValue,
} from '../../../engine/provider.ts';
import type { AtlasClient } from '../client.ts';
import { isOutcomeUnknown } from '../errors.ts';

export interface HandlerOptions {
  readonly client: AtlasClient;
  /** Maximum wait for a cluster to reach IDLE or disappear, in milliseconds. */
  readonly clusterTimeoutMs: number;
  /** Time between two cluster polls, in milliseconds. */
  readonly clusterPollIntervalMs: number;
  /** Reads after a create whose response was lost or that reported a duplicate. */
  readonly readBackAttempts: number;
  /** Time between those reads, in milliseconds: Atlas may not show a new resource at once. */
  readonly readBackDelayMs: number;
}

/** Returns the spec as its schema type, because the engine passes the spec the schema validated. */
export function specOf<Spec>(resource: DesiredResource): Spec {
  return resource.spec as unknown as Spec;
}

/** Returns a spec field that contains a string, or an empty string for any other value. */
export function textOf(value: SpecValue | undefined): string {
  return typeof value === 'string' ? value : '';
}

/** Whether any of `fields` is a value that exists only after apply. */
export function hasUnknown(spec: Record<string, SpecValue>, fields: readonly string[]): boolean {
  return fields.some((field) => isUnknown(spec[field]));
}

/** Reads until `read` finds the resource or the attempts run out. */
export async function readBack(
  context: ProviderContext,
  options: HandlerOptions,
  read: () => Promise<Observation | undefined>,
): Promise<Observation | undefined> {
  for (let attempt = 1; attempt <= options.readBackAttempts; attempt += 1) {
    const found = await read();
    if (found !== undefined) return found;
    if (attempt < options.readBackAttempts) await context.sleep(options.readBackDelayMs);
  }
  return undefined;
}

/**
 * Decides what a failed create means. A duplicate (`duplicateCodes`) or a lost response may hide
 * a resource that this very apply created, so the handler reads it back and adopts it only when it
 * carries this environment's marker for this address, which proves it is ours. Anything else is
 * rethrown.
 */
export async function recoverCreate(
  context: ProviderContext,
  options: HandlerOptions,
  resource: DesiredResource,
  error: unknown,
  duplicateCodes: readonly string[],
  read: () => Promise<Observation | undefined>,
): Promise<Observation> {
  const duplicate =
    error instanceof ProviderError &&
    error.vendorCode !== undefined &&
    duplicateCodes.includes(error.vendorCode);
  if (!duplicate && !isOutcomeUnknown(error)) throw error;

  context.log.warning(
    `${resource.address}: ${duplicate ? `Atlas reports ${error.vendorCode}` : 'the create response was lost'}; reading ${resource.name} back to decide whether it is ours`,
  );
  const found = await readBack(context, options, read);
  if (found?.ownership === 'owned') {
    context.log.info(
      `${resource.address}: adopted ${resource.name}, which carries this environment's marker`,
    );
    return found;
  }
  if (found !== undefined) {
    throw new ProviderError(
      'NOT_OWNED',
      `${resource.address}: ${resource.name} already exists in Atlas without the ownership marker of ` +
        `environment ${context.environment}; it was left untouched. Rename the resource in config, or ` +
        `delete or tag the existing one by hand if it should be managed here.`,
      { cause: error, ...(duplicate && { vendorCode: error.vendorCode }) },
    );
  }
  throw error;
}

/** Throws `NOT_OWNED` unless the observation carries this environment's marker. */
export function requireOwned(observed: Observation, address: string, what: string): void {
  if (observed.ownership === 'owned') return;
  throw new ProviderError(
    'NOT_OWNED',
    `${address}: refusing to change ${what} because it lacks this environment's ownership marker`,
  );
}
