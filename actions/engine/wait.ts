// Polling for asynchronous vendor states: an Atlas cluster leaving CREATING, a Lambda function
// becoming Active. Handlers own the waiting; this helper gives every wait the same progress lines
// and the same timeout error.
import type { ProviderContext } from './provider.ts';

/** How to poll one asynchronous state. */
export interface WaitOptions<T> {
  /** Description of the awaited state, for logs and errors: `cluster main to become IDLE`. */
  readonly what: string;
  /** Reads the current state. Must not write. */
  poll(): Promise<T>;
  isDone(value: T): boolean;
  /** The state to log and to name on timeout, such as the Atlas `stateName`. */
  describe(value: T): string;
  /**
   * Returns a reason when the state is terminal but not the awaited one (a Lambda function in
   * `Failed`), which stops the wait with an error instead of waiting for the timeout.
   */
  failed?(value: T): string | undefined;
  /** Maximum time to wait, in milliseconds, measured with the context's clock. */
  readonly timeoutMs: number;
  /** Time between polls, in milliseconds. */
  readonly intervalMs: number;
  /** Minimum time between two progress lines for the same state, in milliseconds. */
  readonly progressIntervalMs?: number;
}

export type WaitErrorCode = 'ERR_WAIT_TIMEOUT' | 'ERR_WAIT_FAILED';

/** A wait that timed out or reached a failed state. Not retried by the engine. */
export class WaitError extends Error {
  override readonly name = 'WaitError';
  readonly code: WaitErrorCode;
  /** The state seen by the last poll, or `undefined` when no poll finished. */
  readonly lastState: string | undefined;

  constructor(
    code: WaitErrorCode,
    message: string,
    lastState: string | undefined,
    options: { cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.lastState = lastState;
  }
}

function formatSeconds(milliseconds: number): string {
  return `${Math.round(milliseconds / 1000)} s`;
}

/**
 * Polls until `isDone` returns true and returns the last value. Logs a progress line with the elapsed
 * time and the state whenever the state changes, and at most every `progressIntervalMs` while it
 * stays the same. Throws `WaitError` on timeout (naming the last state) or on a failed state.
 */
export async function waitFor<T>(
  context: Pick<ProviderContext, 'now' | 'sleep' | 'log' | 'signal'>,
  options: WaitOptions<T>,
): Promise<T> {
  if (!(options.timeoutMs > 0) || !(options.intervalMs > 0)) {
    throw new RangeError(
      `waitFor ${options.what}: timeoutMs and intervalMs must be positive numbers (got ${options.timeoutMs} and ${options.intervalMs})`,
    );
  }
  const progressIntervalMs = options.progressIntervalMs ?? 30_000;
  const started = context.now().getTime();
  let lastState: string | undefined;
  let lastLogged = Number.NEGATIVE_INFINITY;

  for (;;) {
    context.signal?.throwIfAborted();
    const value = await options.poll();
    const state = options.describe(value);
    const elapsed = context.now().getTime() - started;

    if (options.isDone(value)) {
      if (lastState !== undefined) {
        context.log.info(`${options.what}: done, state ${state} after ${formatSeconds(elapsed)}`);
      }
      return value;
    }
    const failure = options.failed?.(value);
    if (failure !== undefined) {
      throw new WaitError(
        'ERR_WAIT_FAILED',
        `${options.what} failed after ${formatSeconds(elapsed)}: state ${state}, ${failure}`,
        state,
      );
    }
    if (state !== lastState || elapsed - lastLogged >= progressIntervalMs) {
      context.log.info(
        `waiting for ${options.what}: state ${state}, ${formatSeconds(elapsed)} elapsed`,
      );
      lastLogged = elapsed;
    }
    lastState = state;

    if (elapsed + options.intervalMs > options.timeoutMs) {
      throw new WaitError(
        'ERR_WAIT_TIMEOUT',
        `timed out after ${formatSeconds(elapsed)} waiting for ${options.what}; last state: ${state}. ` +
          'Check the resource in the vendor console, then re-run: the apply continues from what exists.',
        state,
      );
    }
    await context.sleep(options.intervalMs);
  }
}
