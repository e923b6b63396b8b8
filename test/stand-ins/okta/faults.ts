// Faults a test can queue: throttling (429 E0000047), server errors, and a dropped connection
// after the request took effect, which is what a client sees when a response is lost on the way.

/** Which requests a fault applies to; an empty match applies to every request. */
export interface FaultMatch {
  readonly method?: string;
  /** The exact path, or a pattern tested against it. */
  readonly path?: string | RegExp;
}

export type Fault =
  | { readonly kind: 'throttle'; readonly resetInSeconds: number }
  | { readonly kind: 'fail'; readonly status: number }
  | { readonly kind: 'drop' };

interface QueuedFault {
  readonly fault: Fault;
  readonly match: FaultMatch;
  remaining: number;
}

export class OktaFaults {
  readonly #queue: QueuedFault[] = [];

  /**
   * Responds to the next `times` matching requests with 429 E0000047 and an
   * `X-Rate-Limit-Reset` `resetInSeconds` after the stand-in's clock.
   */
  throttle(options: { times?: number; resetInSeconds?: number; match?: FaultMatch } = {}): void {
    this.#add({ kind: 'throttle', resetInSeconds: options.resetInSeconds ?? 5 }, options);
  }

  /** Responds to the next `times` matching requests with `status` (default 500). */
  fail(options: { times?: number; status?: number; match?: FaultMatch } = {}): void {
    this.#add({ kind: 'fail', status: options.status ?? 500 }, options);
  }

  /** Carries out the next `times` matching requests, then closes the connection unanswered. */
  dropAfterAction(options: { times?: number; match?: FaultMatch } = {}): void {
    this.#add({ kind: 'drop' }, options);
  }

  clear(): void {
    this.#queue.length = 0;
  }

  /** Number of fault uses still queued. */
  pending(): number {
    return this.#queue.reduce((total, queued) => total + queued.remaining, 0);
  }

  /** Takes the first queued fault that matches the request, if any. */
  take(method: string, path: string): Fault | undefined {
    const queued = this.#queue.find((candidate) => matches(candidate.match, method, path));
    if (!queued) {
      return undefined;
    }
    queued.remaining -= 1;
    if (queued.remaining === 0) {
      this.#queue.splice(this.#queue.indexOf(queued), 1);
    }
    return queued.fault;
  }

  #add(fault: Fault, options: { times?: number; match?: FaultMatch }): void {
    const times = options.times ?? 1;
    if (!Number.isInteger(times) || times < 1) {
      throw new RangeError(`times must be a positive integer (got ${times})`);
    }
    this.#queue.push({ fault, match: options.match ?? {}, remaining: times });
  }
}

function matches(match: FaultMatch, method: string, path: string): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== method) {
    return false;
  }
  if (match.path === undefined) {
    return true;
  }
  return typeof match.path === 'string' ? match.path === path : match.path.test(path);
}
