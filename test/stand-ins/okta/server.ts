// The request pipeline of the stand-in: faults, rate limits, authentication and scopes, routing,
// the request log, and the state file.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import { appRoutes } from './apps.ts';
import { authorizationServerRoutes } from './authorization-servers.ts';
import {
  OktaError,
  accessDenied,
  internalError,
  invalidToken,
  malformedBody,
  methodNotAllowed,
  notFound,
  rateLimited,
} from './errors.ts';
import type { OktaFaults } from './faults.ts';
import { idPrefix } from './ids.ts';
import { oauthRoutes } from './oauth.ts';
import { policyRoutes } from './policies.ts';
import { RateLimiter } from './rate-limits.ts';
import type { Org, Principal, Route, StandInRequest, StandInResponse } from './routing.ts';
import { saveState, type JsonValue } from './state.ts';
import { trustedOriginRoutes } from './trusted-origins.ts';

const routes: readonly Route[] = [
  ...appRoutes,
  ...policyRoutes,
  ...trustedOriginRoutes,
  ...authorizationServerRoutes,
  ...oauthRoutes,
];

/** One exchange, as the stand-in saw it. Credentials are cut down to their scheme. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Record<string, string>;
  /** Whether the request tried to change the org: a POST, PUT or DELETE under `/api/v1`. */
  readonly write: boolean;
  /** HTTP status sent, or 0 when the connection was dropped unanswered. */
  readonly status: number;
  readonly requestHeaders: Record<string, string>;
  readonly requestBody: JsonValue | undefined;
  readonly responseHeaders: Record<string, string>;
  readonly responseBody: JsonValue | undefined;
  /** The injected fault that shaped the response, if any. */
  readonly fault?: 'throttle' | 'fail' | 'drop';
  /** Message of an unexpected error inside the stand-in (a bug), which got a 500. */
  readonly error?: string;
}

export interface PipelineOptions {
  readonly org: Org;
  readonly faults: OktaFaults;
  readonly rateLimiter: RateLimiter;
  readonly rateLimit: number;
  readonly apiToken: string;
  readonly requests: RecordedRequest[];
  readonly stateFile: string | undefined;
  /** URL of the stand-in, used for links when the Host header is not a loopback address. */
  url(): string;
}

// Secrets that appear in bodies: the client assertion and the issued access token.
const secretFields = ['client_assertion', 'access_token', 'client_secret'];

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function baseUrl(host: string | undefined, fallback: string): string {
  return host && /^(127\.0\.0\.1|localhost|\[::1\]):\d+$/.test(host) ? `http://${host}` : fallback;
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function hasScope(granted: readonly string[], required: string): boolean {
  return (
    granted.includes(required) ||
    (required.endsWith('.read') && granted.includes(required.replace(/\.read$/, '.manage')))
  );
}

function authenticate(header: string | undefined, options: PipelineOptions): Principal | undefined {
  if (!header) {
    return undefined;
  }
  const [scheme = '', value = ''] = header.split(/\s+/, 2);
  if (scheme === 'SSWS') {
    return sameSecret(value, options.apiToken) ? { kind: 'ssws' } : undefined;
  }
  if (scheme === 'Bearer') {
    const token = options.org.accessTokens.get(value);
    if (!token || token.expiresAt <= options.org.now().getTime()) {
      return undefined;
    }
    return { kind: 'oauth', clientId: token.clientId, scopes: token.scopes };
  }
  return undefined;
}

function redacted(value: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(value)) {
    return value.map((item) => redacted(item) ?? null);
  }
  if (value === null || typeof value !== 'object') {
    return value;
  }
  return Object.fromEntries(
    Object.entries(value).map(([key, field]) => [
      key,
      secretFields.includes(key) ? '[redacted]' : (redacted(field) ?? null),
    ]),
  );
}

function headersOf(request: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) {
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
    headers[name] = name === 'authorization' ? (text.split(/\s+/)[0] ?? '') : text;
  }
  return headers;
}

function parseBody(raw: Buffer, contentType: string): Pick<StandInRequest, 'body' | 'form'> {
  if (raw.length === 0) {
    return { body: undefined, form: undefined };
  }
  const text = raw.toString('utf8');
  if (contentType.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    return { body: Object.fromEntries(form), form };
  }
  try {
    return { body: JSON.parse(text) as JsonValue, form: undefined };
  } catch {
    throw malformedBody();
  }
}

function findRoute(method: string, path: string): { route: Route; params: string[] } {
  let pathMatched = false;
  for (const route of routes) {
    const match = route.pattern.exec(path);
    if (!match) {
      continue;
    }
    pathMatched = true;
    if (route.method === method) {
      return { route, params: match.slice(1).map((param) => decodeURIComponent(param)) };
    }
  }
  throw pathMatched ? methodNotAllowed() : notFound(path, 'Path');
}

/** Handles one request from start to finish, recording it. */
export async function handle(
  request: IncomingMessage,
  response: ServerResponse,
  options: PipelineOptions,
): Promise<void> {
  const { org } = options;
  const now = org.now();
  const url = new URL(request.url ?? '/', 'http://stand-in.invalid');
  const method = (request.method ?? 'GET').toUpperCase();
  const path = url.pathname;
  const write = path.startsWith('/api/v1/') && ['POST', 'PUT', 'DELETE', 'PATCH'].includes(method);
  const raw = await readBody(request);
  const headers: Record<string, string> = {
    date: now.toUTCString(),
    'x-okta-request-id': org.ids.next(idPrefix.request, 27),
  };

  let result: StandInResponse;
  let fault: RecordedRequest['fault'];
  let unexpected: string | undefined;
  let requestBody: JsonValue | undefined;
  let drop = false;
  try {
    const parsed = parseBody(raw, String(request.headers['content-type'] ?? ''));
    requestBody = redacted(parsed.body);

    const injected = options.faults.take(method, path);
    if (injected?.kind === 'throttle') {
      fault = 'throttle';
      Object.assign(
        headers,
        RateLimiter.throttledHeaders(now, injected.resetInSeconds, options.rateLimit),
      );
      throw rateLimited();
    }
    if (injected?.kind === 'fail') {
      fault = 'fail';
      throw internalError(injected.status);
    }
    drop = injected?.kind === 'drop';

    const limits = options.rateLimiter.count(path, now);
    Object.assign(headers, limits.headers);
    if (limits.exceeded) {
      throw rateLimited();
    }

    const { route, params } = findRoute(method, path);
    const principal = authenticate(request.headers.authorization, options);
    if (route.scope !== undefined) {
      if (!principal) {
        throw invalidToken();
      }
      if (principal.kind === 'oauth' && !hasScope(principal.scopes, route.scope)) {
        throw accessDenied(route.scope);
      }
    }
    result = await route.handle(
      {
        method,
        path,
        query: url.searchParams,
        params,
        headers: request.headers,
        ...parsed,
        base: baseUrl(request.headers.host, options.url()),
        principal,
      },
      org,
    );
    if (write && result.status < 400 && options.stateFile) {
      org.state.idState = org.ids.state;
      saveState(options.stateFile, org.state);
    }
  } catch (error) {
    const okta =
      error instanceof OktaError
        ? error
        : ((unexpected = error instanceof Error ? error.message : String(error)),
          internalError(500));
    result = {
      status: okta.status,
      body: okta.body(org.ids.next(idPrefix.error, 25)),
      headers: okta.headers,
    };
  }

  const responseHeaders: Record<string, string> = { ...headers, ...result.headers };
  if (result.body !== undefined) {
    responseHeaders['content-type'] = 'application/json';
  }
  options.requests.push({
    method,
    path,
    query: Object.fromEntries(url.searchParams),
    write,
    status: drop ? 0 : result.status,
    requestHeaders: headersOf(request),
    requestBody,
    responseHeaders,
    responseBody: redacted(result.body),
    ...(drop ? { fault: 'drop' as const } : fault ? { fault } : {}),
    ...(unexpected ? { error: unexpected } : {}),
  });

  if (drop) {
    request.socket.destroy();
    return;
  }
  response.writeHead(result.status, responseHeaders);
  response.end(result.body === undefined ? undefined : JSON.stringify(result.body));
}
