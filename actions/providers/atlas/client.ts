// A small client for the Atlas Administration API v2 over `fetch`: dated media types per
// operation, service account or Digest authentication, errors classified by `errorCode`, and
// pagination. It never retries on its own except to respond to an authentication challenge or a stale
// Digest nonce; the engine retries what `ProviderError.retryable` allows.
import { ProviderError, type Logger } from '../../engine/provider.ts';
import {
  DigestAuthenticator,
  ServiceAccountAuthenticator,
  type AtlasCredentials,
  type AuthAttempt,
  type Authenticator,
} from './auth.ts';
import { classifyAtlasError, parseAtlasErrorBody, parseRetryAfter } from './errors.ts';
import { mediaTypeOf, type AtlasOperation } from './versions.ts';

export const defaultAtlasBaseUrl = 'https://cloud.mongodb.com';
const apiPrefix = '/api/atlas/v2';

/**
 * Maximum sends of one request, counting the first. A Digest request may need one send to collect
 * the challenge, up to two for stale nonces and one after a new challenge.
 */
const maxSendsPerRequest = 5;

/** Options of `AtlasClient`; only `credentials` is required. */
export interface AtlasClientOptions {
  readonly credentials: AtlasCredentials;
  /** Scheme and host of the API, without a path. Default `https://cloud.mongodb.com`. */
  readonly baseUrl?: string;
  readonly fetch?: typeof fetch;
  /** Clock in milliseconds, for token expiry and `Retry-After` dates. Default `Date.now`. */
  readonly now?: () => number;
  /** Time a single request may take before it fails with `TIMEOUT`, in milliseconds. Default 60 s. */
  readonly requestTimeoutMs?: number;
  /** Page size for list calls: 1 to 500, default 500. */
  readonly itemsPerPage?: number;
  /** Called with every secret the client holds or receives, so a runner can mask it. */
  readonly onSecret?: (value: string) => void;
  /** Fixed Digest client nonce, for tests that compare headers. */
  readonly digestCnonce?: () => string;
}

/** One API call. `path` is below `/api/atlas/v2` with every segment already URL-encoded. */
export interface AtlasRequest {
  readonly operation: AtlasOperation;
  readonly method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  readonly path: string;
  readonly query?: Readonly<Record<string, string | number | boolean>>;
  readonly body?: unknown;
  readonly log?: Logger;
  readonly signal?: AbortSignal;
}

/** A page of a list operation as Atlas returns it. */
export interface AtlasPage<T> {
  readonly results?: T[];
  readonly totalCount?: number;
  readonly links?: { href?: string; rel?: string }[];
}

/** Encodes one path segment: `0.0.0.0/0` becomes `0.0.0.0%2F0`, `$external` becomes `%24external`. */
export function segment(value: string): string {
  return encodeURIComponent(value);
}

/** Checks a base URL and returns it without a trailing slash; names `source` in the error. */
export function validateBaseUrl(value: string, source: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ProviderError(
      'INVALID',
      `${source} must be an absolute URL such as ${defaultAtlasBaseUrl} (got "${value}")`,
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new ProviderError(
      'INVALID',
      `${source} must use https, or http only on a loopback address (got "${value}")`,
    );
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    throw new ProviderError(
      'INVALID',
      `${source} must be a scheme and host without a path, such as ${defaultAtlasBaseUrl} (got "${value}")`,
    );
  }
  return url.origin;
}

export class AtlasClient {
  readonly baseUrl: string;
  private readonly fetch: typeof fetch;
  private readonly now: () => number;
  private readonly requestTimeoutMs: number;
  private readonly itemsPerPage: number;
  private readonly auth: Authenticator;

  constructor(options: AtlasClientOptions) {
    this.baseUrl = validateBaseUrl(options.baseUrl ?? defaultAtlasBaseUrl, 'Atlas base URL');
    this.fetch = options.fetch ?? globalThis.fetch;
    this.now = options.now ?? Date.now;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 60_000;
    this.itemsPerPage = options.itemsPerPage ?? 500;
    if (!Number.isInteger(this.itemsPerPage) || this.itemsPerPage < 1 || this.itemsPerPage > 500) {
      throw new ProviderError(
        'INVALID',
        `Atlas itemsPerPage must be an integer from 1 to 500 (got ${this.itemsPerPage})`,
      );
    }

    const { credentials } = options;
    this.auth =
      credentials.type === 'serviceAccount'
        ? new ServiceAccountAuthenticator(credentials, {
            baseUrl: this.baseUrl,
            fetch: this.fetch,
            now: this.now,
            refreshMarginMs: 60_000,
            ...(options.onSecret && { onSecret: options.onSecret }),
          })
        : new DigestAuthenticator(credentials, options.digestCnonce);
    for (const secret of this.auth.secrets()) options.onSecret?.(secret);
  }

  /**
   * Sends one request and returns the parsed JSON body, or undefined for an empty body (202,
   * 204). Throws `ProviderError` classified by the Atlas `errorCode`.
   */
  async request<T>(request: AtlasRequest): Promise<T | undefined> {
    const uri = this.uriOf(request);
    const mediaType = mediaTypeOf(request.operation);
    const headers: Record<string, string> = { accept: mediaType };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] = mediaType;
      body = JSON.stringify(request.body);
    }

    const attempt = this.auth.begin();
    let response: Response;
    let text: string;
    try {
      response = await this.send(request, uri, headers, body, attempt, 0);
      for (let retry = 1; response.status === 401 && retry < maxSendsPerRequest; retry += 1) {
        const reason = await this.retryReasonOf(attempt, response);
        if (reason === undefined) break;
        request.log?.debug(`atlas ${request.method} ${uri} -> 401, sending again: ${reason}`);
        await response.body?.cancel();
        response = await this.send(request, uri, headers, body, attempt, retry);
      }
      text = await response.text();
    } finally {
      attempt.finish();
    }

    request.log?.debug(`atlas ${request.method} ${uri} -> ${response.status}`);
    if (!response.ok) throw this.errorOf(request, uri, response, text);
    if (text.trim() === '') return undefined;
    return JSON.parse(text) as T;
  }

  /** Fetches every page of a list operation and returns all `results` in Atlas's order. */
  async listAll<T>(request: Omit<AtlasRequest, 'method' | 'body'>): Promise<T[]> {
    const items: T[] = [];
    for (let pageNum = 1; ; pageNum += 1) {
      const page = await this.request<AtlasPage<T>>({
        ...request,
        method: 'GET',
        query: { ...request.query, itemsPerPage: this.itemsPerPage, pageNum },
      });
      const results = page?.results ?? [];
      items.push(...results);

      const hasNext =
        page?.links === undefined
          ? results.length === this.itemsPerPage
          : page.links.some((link) => link.rel === 'next');
      const reachedTotal = page?.totalCount !== undefined && items.length >= page.totalCount;
      if (results.length === 0 || !hasNext || reachedTotal) return items;
    }
  }

  private uriOf(request: AtlasRequest): string {
    const query = new URLSearchParams();
    for (const [name, value] of Object.entries(request.query ?? {})) query.set(name, String(value));
    const search = query.size > 0 ? `?${query.toString()}` : '';
    return `${apiPrefix}${request.path}${search}`;
  }

  /** Asks `attempt` whether to retry after a 401, and frees the connection if that throws. */
  private async retryReasonOf(attempt: AuthAttempt, response: Response) {
    try {
      return attempt.retryReason(response);
    } catch (error) {
      await response.body?.cancel();
      throw error;
    }
  }

  private async send(
    request: AtlasRequest,
    uri: string,
    headers: Record<string, string>,
    body: string | undefined,
    attempt: AuthAttempt,
    retry: number,
  ): Promise<Response> {
    const timeout = AbortSignal.timeout(this.requestTimeoutMs);
    const signal = request.signal ? AbortSignal.any([request.signal, timeout]) : timeout;
    const description = `Atlas ${request.operation} (${request.method} ${uri})${retry > 0 ? ` attempt ${retry + 1}` : ''}`;

    try {
      const authorization = await attempt.authorization(request.method, uri, signal);
      if (authorization === undefined) delete headers.authorization;
      else headers.authorization = authorization;

      return await this.fetch(`${this.baseUrl}${uri}`, {
        method: request.method,
        headers,
        ...(body !== undefined && { body }),
        signal,
      });
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      const timedOut = timeout.aborted && !(request.signal?.aborted ?? false);
      throw new ProviderError(
        timedOut ? 'TIMEOUT' : 'UNAVAILABLE',
        this.redact(
          timedOut
            ? `${description} timed out after ${this.requestTimeoutMs} ms without a response`
            : `${description} failed without a response: ${(error as Error).message}`,
        ),
        { cause: error },
      );
    }
  }

  private errorOf(request: AtlasRequest, uri: string, response: Response, text: string) {
    const body = parseAtlasErrorBody(text);
    const code = classifyAtlasError(response.status, body.errorCode);
    const retryAfterMs = parseRetryAfter(response.headers.get('retry-after'), this.now());
    const detail = body.detail ?? body.reason ?? response.statusText;
    const hint =
      code === 'UNAUTHORIZED'
        ? ` Atlas rejected ${this.auth.principal}: check that the credentials are right and not ` +
          `deleted, and that their access list allows this address.`
        : code === 'FORBIDDEN'
          ? ` ${this.auth.principal} lacks the role this call needs.`
          : '';
    const message =
      `Atlas ${request.operation} (${request.method} ${uri}) failed: ${response.status} ` +
      `${body.errorCode ?? 'no errorCode'}: ${detail.replace(/\.$/, '')}.${hint}`;
    return new ProviderError(code, this.redact(message), {
      ...(body.errorCode !== undefined && { vendorCode: body.errorCode }),
      ...(retryAfterMs !== undefined && { retryAfterMs }),
    });
  }

  private redact(text: string): string {
    let result = text;
    for (const secret of this.auth.secrets()) {
      if (secret.length >= 4) result = result.split(secret).join('***');
    }
    return result;
  }
}
