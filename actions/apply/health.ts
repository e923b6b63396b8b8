// The smoke test's probe: GET `{function URL}health` over the real HTTP stack, retried with a
// fixed interval until the service returns its health JSON with status 200 or the time is up.
import { z } from 'zod';

/** The service's `GET /health` body, as `service/src/schemas.ts` defines it. */
const healthSchema = z.looseObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  functionVersion: z.string().optional(),
  database: z.enum(['ok', 'unavailable']),
});

export type Health = z.infer<typeof healthSchema>;

/** Maximum length of a body excerpt in logs and messages, in characters. */
const maxExcerptLength = 200;

/** The result of one request: a response (healthy or not, with the reason) or a network error. */
export type Probe =
  | {
      readonly kind: 'response';
      readonly status: number;
      /** The start of the body, on one line, for logs and messages. */
      readonly excerpt: string;
      readonly health?: Health;
      /** The reason the response does not count as healthy; undefined when it does. */
      readonly problem?: string;
    }
  | { readonly kind: 'error'; readonly problem: string };

/** Returns the `/health` URL of a function URL, which AWS reports with a trailing `/`. */
export function healthUrl(functionUrl: string): string {
  return `${functionUrl.endsWith('/') ? functionUrl : `${functionUrl}/`}health`;
}

/** Returns the body as one line of at most 200 characters, for logs and messages. */
export function excerptOf(body: string): string {
  const line = body.replace(/\s+/g, ' ').trim();
  return line.length > maxExcerptLength ? `${line.slice(0, maxExcerptLength)}...` : line;
}

/**
 * Judges a `/health` response. Healthy means status 200 and the service's health JSON; with
 * `requireDatabase`, also `database: "ok"`, because the service returns 200 with
 * `status: "degraded"` when its database ping fails. When the body names the Lambda version that
 * served it, that must be `expectedVersion`: another version means the alias change has not
 * reached the function URL yet.
 */
export function judgeHealth(
  status: number,
  body: string,
  requireDatabase: boolean,
  expectedVersion?: string,
): { health?: Health; problem?: string } {
  if (status !== 200) {
    return { problem: `HTTP ${status}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { problem: 'HTTP 200, but the body is not JSON' };
  }
  const parsed = healthSchema.safeParse(json);
  if (!parsed.success) {
    return {
      problem:
        'HTTP 200, but the body is not the service health JSON ({"status","version","database"})',
    };
  }
  const health = parsed.data;
  if (
    expectedVersion !== undefined &&
    health.functionVersion !== undefined &&
    health.functionVersion !== expectedVersion
  ) {
    return {
      health,
      problem: `HTTP 200 from Lambda version ${health.functionVersion}, not the deployed version ${expectedVersion}`,
    };
  }
  if (requireDatabase && health.database !== 'ok') {
    return { health, problem: `HTTP 200, but database is "${health.database}"` };
  }
  return { health };
}

/** Describes a failed fetch: the timeout, or the system error code such as ECONNREFUSED. */
function describeFetchError(error: unknown, requestTimeoutMs: number): string {
  if (error instanceof DOMException && error.name === 'TimeoutError') {
    return `no response within ${requestTimeoutMs / 1000} s`;
  }
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  if (typeof cause?.code === 'string') {
    return `network error ${cause.code}`;
  }
  const message = typeof cause?.message === 'string' ? cause.message : (error as Error).message;
  return `network error: ${message}`;
}

/** Sends one `GET` to `url` and judges the response. Redirects count as unhealthy. */
export async function probeHealth(
  url: string,
  options: { requireDatabase: boolean; requestTimeoutMs: number; expectedVersion?: string },
): Promise<Probe> {
  let response: Response;
  try {
    // `manual` keeps the probe on the function URL's host: a redirect is a failure, not followed.
    response = await fetch(url, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(options.requestTimeoutMs),
    });
  } catch (error) {
    return { kind: 'error', problem: describeFetchError(error, options.requestTimeoutMs) };
  }
  let body: string;
  try {
    body = await response.text();
  } catch (error) {
    return {
      kind: 'error',
      problem: `HTTP ${response.status}, then the body failed: ${describeFetchError(error, options.requestTimeoutMs)}`,
    };
  }
  const judged = judgeHealth(
    response.status,
    body,
    options.requireDatabase,
    options.expectedVersion,
  );
  return {
    kind: 'response',
    status: response.status,
    excerpt: excerptOf(body),
    ...(judged.health === undefined ? {} : { health: judged.health }),
    ...(judged.problem === undefined ? {} : { problem: judged.problem }),
  };
}

export interface WaitForHealthOptions {
  /** The function URL, such as `https://abc.lambda-url.us-east-1.on.aws/`. */
  readonly functionUrl: string;
  /** How long to keep trying, in milliseconds, counted from the first request. */
  readonly timeoutMs: number;
  readonly requireDatabase: boolean;
  /** The Lambda version expected to serve the request, when the health JSON names one. */
  readonly expectedVersion?: string;
  /** Pause between attempts, in milliseconds. Default 2000. */
  readonly intervalMs?: number;
  /** Maximum wait for one response, in milliseconds. Default 10,000. */
  readonly requestTimeoutMs?: number;
  /** Waits between attempts; tests pass one that advances a manual clock. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Clock in epoch milliseconds. */
  readonly now?: () => number;
  /** Receives one line per attempt. */
  readonly log?: (line: string) => void;
}

export interface HealthResult {
  readonly url: string;
  readonly healthy: boolean;
  readonly attempts: number;
  /** Milliseconds from the first request to the last response, on the `now` clock. */
  readonly elapsedMs: number;
  /** The last attempt: the healthy one, or what was last seen. */
  readonly last: Probe;
}

/** Describes a probe in one line: what was seen, with a body excerpt when unhealthy. */
export function describeProbe(probe: Probe): string {
  if (probe.kind === 'error') {
    return probe.problem;
  }
  if (probe.problem === undefined) {
    return `HTTP ${probe.status}, status "${probe.health?.status}", database "${probe.health?.database}", service version ${probe.health?.version}`;
  }
  return probe.excerpt === '' ? probe.problem : `${probe.problem}: ${probe.excerpt}`;
}

/**
 * Requests `{functionUrl}health` until it is healthy or `timeoutMs` has passed, with a fixed
 * pause between attempts, and logs each attempt.
 */
export async function waitForHealth(options: WaitForHealthOptions): Promise<HealthResult> {
  const url = healthUrl(options.functionUrl);
  const intervalMs = options.intervalMs ?? 2000;
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? Date.now;
  const log = options.log ?? (() => {});
  const started = now();
  for (let attempt = 1; ; attempt += 1) {
    const probe = await probeHealth(url, {
      requireDatabase: options.requireDatabase,
      requestTimeoutMs,
      ...(options.expectedVersion === undefined
        ? {}
        : { expectedVersion: options.expectedVersion }),
    });
    const elapsedMs = now() - started;
    const healthy = probe.kind === 'response' && probe.problem === undefined;
    if (healthy) {
      log(`GET ${url}: attempt ${attempt}: healthy (${describeProbe(probe)})`);
      return { url, healthy, attempts: attempt, elapsedMs, last: probe };
    }
    if (elapsedMs + intervalMs > options.timeoutMs) {
      log(
        `GET ${url}: attempt ${attempt}: ${describeProbe(probe)}; giving up after ${seconds(elapsedMs)} s (timeout ${seconds(options.timeoutMs)} s)`,
      );
      return { url, healthy, attempts: attempt, elapsedMs, last: probe };
    }
    log(
      `GET ${url}: attempt ${attempt}: ${describeProbe(probe)}; retrying in ${seconds(intervalMs)} s (${seconds(elapsedMs)} s of ${seconds(options.timeoutMs)} s elapsed)`,
    );
    await sleep(intervalMs);
  }
}

function seconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
