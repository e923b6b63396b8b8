// Retries of vendor calls that failed with a retryable ProviderError: exponential backoff with
// full jitter, never sooner than the vendor's Retry-After.
import type { Logger } from './provider.ts';
import { ProviderError } from './provider.ts';

export interface RetryOptions {
  /** Maximum number of attempts, the first included. */
  readonly maxAttempts: number;
  /** Backoff base in milliseconds: attempt n waits up to `baseDelayMs * 2^(n-1)`. */
  readonly baseDelayMs: number;
  /** Maximum backoff in milliseconds before jitter, whatever the attempt. */
  readonly maxDelayMs: number;
}

export const defaultRetryOptions: RetryOptions = {
  maxAttempts: 5,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
};

export interface RetryDependencies {
  readonly sleep: (milliseconds: number) => Promise<void>;
  /** A number in [0, 1); injectable so tests get fixed delays. */
  readonly random: () => number;
  readonly log: Logger;
}

/**
 * Computes the delay before attempt `attempt + 1`: a random time up to the exponential cap (full
 * jitter), raised to the vendor's `retryAfterMs` when that is longer.
 */
export function backoffDelay(
  attempt: number,
  options: RetryOptions,
  random: () => number,
  retryAfterMs: number | undefined,
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(random() * cap);
  return Math.max(jittered, retryAfterMs ?? 0);
}

/**
 * Runs `operation`, retrying retryable `ProviderError`s. Each retry logs the failure, "attempt N
 * of M" and the delay. `beforeRetry` runs before each new attempt, which is where a create
 * re-observes so that a create the vendor finished despite the error is not repeated.
 */
export async function withRetry<T>(
  label: string,
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
  dependencies: RetryDependencies,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const retryable = error instanceof ProviderError && error.retryable;
      if (!retryable || attempt >= options.maxAttempts) {
        throw error;
      }
      const delay = backoffDelay(attempt, options, dependencies.random, error.retryAfterMs);
      const vendor = error.vendorCode === undefined ? '' : ` (${error.vendorCode})`;
      dependencies.log.warning(
        `${label} failed with ${error.code}${vendor}: ${error.message.replace(/\.$/, '')}. ` +
          `Retrying in ${delay} ms, attempt ${attempt + 1} of ${options.maxAttempts}.`,
      );
      await dependencies.sleep(delay);
    }
  }
}
