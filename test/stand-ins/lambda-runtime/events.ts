// The translation a Lambda function URL performs: an HTTP request becomes an event in payload
// format 2.0, and the function's result becomes the HTTP response. Field names and rules follow the
// AWS Lambda developer guide, "Invoking Lambda function URLs" (request and response payloads).
import { createHash } from 'node:crypto';

/** An HTTP request as the function URL receives it. */
export interface UrlRequest {
  readonly method: string;
  /** Path and query string as sent, such as `/messages?limit=5&tag=a&tag=b`. */
  readonly target: string;
  /** Node's `rawHeaders`: names and values alternating, in arrival order. */
  readonly rawHeaders: readonly string[];
  readonly body: Buffer;
  readonly sourceIp: string;
  /** `HTTP/1.1`. */
  readonly protocol: string;
}

/** The function URL's own settings and the invocation's id and time. */
export interface EventContext {
  readonly requestId: string;
  /** The URL id, the first label of `{UrlId}.lambda-url.{region}.on.aws`. */
  readonly urlId: string;
  readonly region: string;
  readonly now: Date;
  /** The scheme and port the client used, sent as `x-forwarded-proto` and `x-forwarded-port`. */
  readonly scheme: 'http' | 'https';
  readonly port: number;
}

/** A function URL event, payload format 2.0. */
export interface FunctionUrlEvent {
  version: '2.0';
  routeKey: '$default';
  rawPath: string;
  rawQueryString: string;
  cookies?: string[];
  headers: Record<string, string>;
  queryStringParameters?: Record<string, string>;
  requestContext: {
    accountId: 'anonymous';
    apiId: string;
    domainName: string;
    domainPrefix: string;
    http: { method: string; path: string; protocol: string; sourceIp: string; userAgent: string };
    requestId: string;
    routeKey: '$default';
    stage: '$default';
    time: string;
    timeEpoch: number;
  };
  body?: string;
  isBase64Encoded: boolean;
}

/** An HTTP response to write: status, headers in order (repeated names allowed) and body bytes. */
export interface UrlResponse {
  readonly statusCode: number;
  readonly headers: ReadonlyArray<readonly [string, string]>;
  readonly body: Buffer;
}

// Request bodies of these media types reach the function as text; all others as base64.
const textMediaType =
  /^(?:text\/[^;]+|application\/(?:json|[^;]+\+json|xml|[^;]+\+xml|javascript|x-www-form-urlencoded|graphql))\s*(?:;|$)/i;

const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** Formats a time as `requestContext.time` does: `15/Jan/2026:10:00:00 +0000`. */
export function formatRequestTime(time: Date): string {
  const two = (value: number) => String(value).padStart(2, '0');
  return (
    `${two(time.getUTCDate())}/${months[time.getUTCMonth()]}/${time.getUTCFullYear()}:` +
    `${two(time.getUTCHours())}:${two(time.getUTCMinutes())}:${two(time.getUTCSeconds())} +0000`
  );
}

/** Derives an X-Ray style trace id from the request id, so the same request id gives the same trace. */
function traceId(requestId: string, now: Date): string {
  const epochHex = Math.floor(now.getTime() / 1000)
    .toString(16)
    .padStart(8, '0');
  const random = createHash('sha256').update(requestId).digest('hex').slice(0, 24);
  return `Root=1-${epochHex}-${random}`;
}

/**
 * Collects the headers the way function URLs pass them: lower-case names, repeated headers joined
 * with commas, and `Cookie` moved to the `cookies` array.
 */
function collectHeaders(rawHeaders: readonly string[]): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  const cookies: string[] = [];
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const name = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    if (name === 'cookie') {
      cookies.push(
        ...value
          .split(';')
          .map((cookie) => cookie.trim())
          .filter((cookie) => cookie !== ''),
      );
      continue;
    }
    headers[name] = name in headers ? `${headers[name]},${value}` : value;
  }
  return { headers, cookies };
}

/** Builds the event for one request. */
export function toFunctionUrlEvent(request: UrlRequest, context: EventContext): FunctionUrlEvent {
  const queryStart = request.target.indexOf('?');
  const rawPath = queryStart === -1 ? request.target : request.target.slice(0, queryStart);
  const rawQueryString = queryStart === -1 ? '' : request.target.slice(queryStart + 1);
  const { headers, cookies } = collectHeaders(request.rawHeaders);

  // Lambda adds these for every request; the client cannot set them.
  headers['x-amzn-trace-id'] = traceId(context.requestId, context.now);
  headers['x-forwarded-for'] = request.sourceIp;
  headers['x-forwarded-proto'] = context.scheme;
  headers['x-forwarded-port'] = String(context.port);

  // Repeated keys are joined with commas here; `rawQueryString` keeps them apart.
  const queryStringParameters: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQueryString)) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }

  const domainName = `${context.urlId}.lambda-url.${context.region}.on.aws`;
  const event: FunctionUrlEvent = {
    version: '2.0',
    routeKey: '$default',
    rawPath,
    rawQueryString,
    ...(cookies.length === 0 ? {} : { cookies }),
    headers,
    ...(rawQueryString === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: 'anonymous',
      apiId: context.urlId,
      domainName,
      domainPrefix: context.urlId,
      http: {
        method: request.method,
        path: rawPath,
        protocol: request.protocol,
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: context.requestId,
      routeKey: '$default',
      stage: '$default',
      time: formatRequestTime(context.now),
      timeEpoch: context.now.getTime(),
    },
    isBase64Encoded: false,
  };
  if (request.body.length > 0) {
    const text = textMediaType.test(headers['content-type'] ?? '');
    event.body = request.body.toString(text ? 'utf8' : 'base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Maps the function's result to the HTTP response. A result with `statusCode` is a full response;
 * any other JSON value is sent as a 200 `application/json` body, as Lambda infers it.
 */
export function toUrlResponse(result: unknown): UrlResponse {
  if (!isRecord(result) || typeof result.statusCode !== 'number') {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return {
      statusCode: 200,
      headers: [['content-type', 'application/json']],
      body: Buffer.from(body, 'utf8'),
    };
  }

  const headers: Array<[string, string]> = [];
  if (isRecord(result.headers)) {
    for (const [name, value] of Object.entries(result.headers)) {
      // Lambda accepts string, number and boolean header values.
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        headers.push([name.toLowerCase(), String(value)]);
      }
    }
  }
  if (Array.isArray(result.cookies)) {
    for (const cookie of result.cookies) {
      headers.push(['set-cookie', String(cookie)]);
    }
  }
  const text = typeof result.body === 'string' ? result.body : '';
  const body = Buffer.from(text, result.isBase64Encoded === true ? 'base64' : 'utf8');
  return { statusCode: result.statusCode, headers, body };
}
