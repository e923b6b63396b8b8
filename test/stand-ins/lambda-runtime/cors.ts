// CORS as a function URL applies it from its `Cors` settings. Lambda responds to preflight
// requests itself and adds the CORS headers to every response, in place of any the function sets.
import type { IncomingHttpHeaders } from 'node:http';
import type { CorsRecord } from '../aws/state.ts';
import type { UrlResponse } from './events.ts';

function allowsOrigin(cors: CorsRecord, origin: string): boolean {
  const allowed = cors.AllowOrigins ?? [];
  return allowed.includes('*') || allowed.includes(origin);
}

function originHeader(cors: CorsRecord, origin: string): string {
  return (cors.AllowOrigins ?? []).includes('*') && cors.AllowCredentials !== true ? '*' : origin;
}

/** Returns the CORS headers of an actual (not preflight) response, none without settings or origin. */
export function corsHeaders(
  cors: CorsRecord | undefined,
  origin: string | undefined,
): [string, string][] {
  if (cors === undefined || origin === undefined || !allowsOrigin(cors, origin)) {
    return [];
  }
  const headers: [string, string][] = [['access-control-allow-origin', originHeader(cors, origin)]];
  if (cors.AllowCredentials === true) {
    headers.push(['access-control-allow-credentials', 'true']);
  }
  if ((cors.ExposeHeaders ?? []).length > 0) {
    headers.push(['access-control-expose-headers', cors.ExposeHeaders!.join(',')]);
  }
  headers.push(['vary', 'Origin']);
  return headers;
}

/**
 * Responds to a preflight request (OPTIONS with `Origin` and `Access-Control-Request-Method`) when the
 * URL has CORS settings. Returns undefined for any other request, which goes to the function.
 */
export function preflightResponse(
  cors: CorsRecord | undefined,
  method: string,
  headers: IncomingHttpHeaders,
): UrlResponse | undefined {
  const origin = headers.origin;
  const requestMethod = headers['access-control-request-method'];
  if (cors === undefined || method !== 'OPTIONS' || origin === undefined) {
    return undefined;
  }
  if (requestMethod === undefined) {
    return undefined;
  }

  const methods = (cors.AllowMethods ?? []).map((name) => name.toUpperCase());
  const allowed =
    allowsOrigin(cors, origin) && (methods.includes('*') || methods.includes(requestMethod));
  if (!allowed) {
    // Lambda responds to a preflight it does not allow without CORS headers, so the browser blocks it.
    return { statusCode: 200, headers: [], body: Buffer.alloc(0) };
  }
  const result: [string, string][] = [
    ['access-control-allow-origin', originHeader(cors, origin)],
    ['access-control-allow-methods', methods.includes('*') ? requestMethod : methods.join(',')],
  ];
  const requestedHeaders = headers['access-control-request-headers'];
  const allowHeaders = (cors.AllowHeaders ?? []).map((name) => name.toLowerCase());
  if (requestedHeaders !== undefined && allowHeaders.length > 0) {
    result.push([
      'access-control-allow-headers',
      allowHeaders.includes('*') ? requestedHeaders : allowHeaders.join(','),
    ]);
  }
  if (cors.AllowCredentials === true) {
    result.push(['access-control-allow-credentials', 'true']);
  }
  if (cors.MaxAge !== undefined) {
    result.push(['access-control-max-age', String(cors.MaxAge)]);
  }
  result.push(['vary', 'Origin']);
  return { statusCode: 200, headers: result, body: Buffer.alloc(0) };
}
