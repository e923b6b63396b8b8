// Okta counts requests per endpoint bucket in fixed windows and reports the count on every
// response: `X-Rate-Limit-Limit`, `X-Rate-Limit-Remaining`, and `X-Rate-Limit-Reset`, the end of
// the window in epoch seconds. A request over the limit gets 429 E0000047.

export interface RateLimitOptions {
  /** Requests allowed per bucket and window. */
  readonly limit: number;
  /** Window length in seconds. */
  readonly windowSeconds: number;
}

export interface RateLimitState {
  readonly headers: Record<string, string>;
  readonly exceeded: boolean;
}

// The bucket of a path: `/api/v1/apps/0oa.../lifecycle/activate` counts against `/api/v1/apps`.
function bucketOf(path: string): string {
  return path.split('/').slice(0, 4).join('/');
}

export class RateLimiter {
  readonly #options: RateLimitOptions;
  readonly #counts = new Map<string, { windowEnd: number; used: number }>();

  constructor(options: RateLimitOptions) {
    if (!Number.isInteger(options.limit) || options.limit < 1) {
      throw new RangeError(`rateLimit.limit must be a positive integer (got ${options.limit})`);
    }
    if (!Number.isInteger(options.windowSeconds) || options.windowSeconds < 1) {
      throw new RangeError(
        `rateLimit.windowSeconds must be a positive integer (got ${options.windowSeconds})`,
      );
    }
    this.#options = options;
  }

  /** Counts a request against its bucket at `now` and returns the headers to send. */
  count(path: string, now: Date): RateLimitState {
    const seconds = Math.floor(now.getTime() / 1000);
    const bucket = bucketOf(path);
    let entry = this.#counts.get(bucket);
    if (!entry || seconds >= entry.windowEnd) {
      const windowStart = seconds - (seconds % this.#options.windowSeconds);
      entry = { windowEnd: windowStart + this.#options.windowSeconds, used: 0 };
      this.#counts.set(bucket, entry);
    }
    entry.used += 1;
    const exceeded = entry.used > this.#options.limit;
    return {
      exceeded,
      headers: {
        'x-rate-limit-limit': String(this.#options.limit),
        'x-rate-limit-remaining': String(Math.max(0, this.#options.limit - entry.used)),
        'x-rate-limit-reset': String(entry.windowEnd),
      },
    };
  }

  /** Headers for a throttled response whose window ends `resetInSeconds` after `now`. */
  static throttledHeaders(now: Date, resetInSeconds: number, limit: number) {
    const seconds = Math.floor(now.getTime() / 1000);
    return {
      'x-rate-limit-limit': String(limit),
      'x-rate-limit-remaining': '0',
      'x-rate-limit-reset': String(seconds + resetInSeconds),
    };
  }
}
