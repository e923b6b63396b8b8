// Fault switches of the Atlas stand-in: answer with a 5xx, answer with a 429, or perform the
// request and then drop the connection without a response, for the next N matching requests.

/** Which requests a fault applies to; every field given must match. */
export interface FaultMatch {
  readonly method?: string;
  /** Atlas operationId, such as `createCluster`. */
  readonly operationId?: string;
  /** Path below `/api/atlas/v2` as sent (encoded), or a pattern tested against it. */
  readonly path?: string | RegExp;
}

export type Fault =
  | { kind: 'status'; status: number; errorCode: string }
  | { kind: 'throttle'; retryAfterSeconds: number }
  | { kind: 'drop' };

interface ArmedFault {
  readonly fault: Fault;
  readonly match: FaultMatch;
  remaining: number;
}

export interface MatchedRequest {
  readonly method: string;
  readonly operationId: string;
  readonly path: string;
}

export class Faults {
  private readonly armed: ArmedFault[] = [];

  /** Answers the next `count` matching requests with `status` and Atlas's error body. */
  failNext(
    count: number,
    options: { status?: number; errorCode?: string; match?: FaultMatch } = {},
  ): void {
    const status = options.status ?? 500;
    const errorCode =
      options.errorCode ?? (status === 503 ? 'SERVICE_UNAVAILABLE' : 'UNEXPECTED_ERROR');
    this.arm({ kind: 'status', status, errorCode }, count, options.match);
  }

  /** Answers the next `count` matching requests with 429 RATE_LIMITED and `Retry-After`. */
  throttleNext(count: number, options: { retryAfterSeconds?: number; match?: FaultMatch } = {}) {
    this.arm(
      { kind: 'throttle', retryAfterSeconds: options.retryAfterSeconds ?? 1 },
      count,
      options.match,
    );
  }

  /** Performs the next `count` matching requests, then closes the socket without answering. */
  dropResponseOfNext(count: number, options: { match?: FaultMatch } = {}): void {
    this.arm({ kind: 'drop' }, count, options.match);
  }

  clear(): void {
    this.armed.length = 0;
  }

  /** Takes the first armed fault that matches the request, counting it down. */
  take(request: MatchedRequest): Fault | undefined {
    const index = this.armed.findIndex((armed) => matches(armed.match, request));
    if (index < 0) return undefined;
    const armed = this.armed[index]!;
    armed.remaining -= 1;
    if (armed.remaining <= 0) this.armed.splice(index, 1);
    return armed.fault;
  }

  private arm(fault: Fault, count: number, match: FaultMatch = {}): void {
    if (!Number.isInteger(count) || count < 1) {
      throw new Error(`fault count must be a positive integer (got ${count})`);
    }
    this.armed.push({ fault, match, remaining: count });
  }
}

function matches(match: FaultMatch, request: MatchedRequest): boolean {
  if (match.method !== undefined && match.method.toUpperCase() !== request.method) return false;
  if (match.operationId !== undefined && match.operationId !== request.operationId) return false;
  if (match.path === undefined) return true;
  return typeof match.path === 'string'
    ? match.path === request.path
    : match.path.test(request.path);
}
