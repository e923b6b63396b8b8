// Shared pieces of the Atlas stand-in's resource handlers: the error Atlas sends, pagination,
// tag rules and the read-after-create delay that imitates Atlas's eventual consistency.
import type { ResourceTag, StandInData } from './state.ts';

/** Query string, decoded path parameters and parsed JSON body of one request. */
export interface RouteRequest {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
  /** `http://127.0.0.1:{port}/api/atlas/v2{path}`, for `links`. */
  readonly selfUrl: string;
}

export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
}

/** State and settings every route handler shares. */
export interface StandInContext {
  readonly data: StandInData;
  now(): number;
  readonly baseUrl: string;
  readonly clusterCreateMs: number;
  readonly clusterUpdateMs: number;
  readonly clusterDeleteMs: number;
  /** Connection string that clusters' `connectionStrings.standard` returns, when set. */
  readonly mongoUri?: string;
  /** Makes a just-created resource return 404 to the next GETs, as Atlas sometimes does. */
  hideFromReads(key: string): void;
  /** Returns true, and counts one read, while the resource is still hidden. */
  consumeHiddenRead(key: string): boolean;
}

/** An error in Atlas's shape: `{ detail, error, errorCode, parameters, reason }`. */
export class AtlasApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    readonly detail: string,
    readonly parameters: unknown[] = [],
  ) {
    super(detail);
  }

  toBody(): Record<string, unknown> {
    return {
      detail: this.detail,
      error: this.status,
      errorCode: this.errorCode,
      // NOTE: Atlas lists the values it names in `detail` here as strings, but the specification
      // declares objects, so the stand-in keeps the list empty to stay within the specification.
      parameters: [],
      reason: reasonPhrases[this.status] ?? 'Error',
    };
  }
}

const reasonPhrases: Readonly<Record<number, string>> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  402: 'Payment Required',
  403: 'Forbidden',
  404: 'Not Found',
  406: 'Not Acceptable',
  409: 'Conflict',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

export function invalidAttribute(name: string, detail?: string): AtlasApiError {
  return new AtlasApiError(
    400,
    'INVALID_ATTRIBUTE',
    detail ?? `Invalid attribute ${name} specified.`,
    [name],
  );
}

/**
 * Builds the error Atlas sends when a request body leaves out a required attribute, such as
 * `400 MISSING_ATTRIBUTE: The required attribute regionName was not specified.`
 */
export function missingAttribute(name: string): AtlasApiError {
  return new AtlasApiError(
    400,
    'MISSING_ATTRIBUTE',
    `The required attribute ${name} was not specified.`,
    [name],
  );
}

/** Reads an integer query parameter within bounds, as Atlas validates paging parameters. */
function integerParameter(query: URLSearchParams, name: string, fallback: number, max?: number) {
  const raw = query.get(name);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || (max !== undefined && value > max)) {
    throw invalidAttribute(name, `Invalid value ${raw} for ${name}.`);
  }
  return value;
}

/** Returns one page of `items` with Atlas's `links`, `results` and `totalCount`. */
export function paginate<T>(items: readonly T[], request: RouteRequest): Record<string, unknown> {
  const itemsPerPage = integerParameter(request.query, 'itemsPerPage', 100, 500);
  const pageNum = integerParameter(request.query, 'pageNum', 1);
  const includeCount = request.query.get('includeCount') !== 'false';
  const start = (pageNum - 1) * itemsPerPage;
  const results = items.slice(start, start + itemsPerPage);

  const pageUrl = (page: number) => {
    const url = new URL(request.selfUrl);
    url.searchParams.set('pageNum', String(page));
    url.searchParams.set('itemsPerPage', String(itemsPerPage));
    return url.toString();
  };
  const links = [{ href: pageUrl(pageNum), rel: 'self' }];
  if (pageNum > 1) links.push({ href: pageUrl(pageNum - 1), rel: 'previous' });
  if (start + itemsPerPage < items.length) links.push({ href: pageUrl(pageNum + 1), rel: 'next' });

  return { links, results, ...(includeCount && { totalCount: items.length }) };
}

export function selfLinks(href: string): { href: string; rel: string }[] {
  return [{ href, rel: 'self' }];
}

// Atlas resource tags: at most 50, keys unique, keys and values of 1 to 255 characters drawn from
// letters, numbers, spaces and `; @ _ - . +` (Atlas documentation, "Resource Tags").
const tagCharacters = /^[\p{L}\p{N} ;@_.+-]{1,255}$/u;

/** Validates `tags` from a request body and returns them, or throws Atlas's 400. */
export function validateTags(value: unknown, field = 'tags'): ResourceTag[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw invalidAttribute(field);
  if (value.length > 50) throw invalidAttribute(field, `At most 50 ${field} are allowed.`);
  const keys = new Set<string>();
  return value.map((tag: unknown, index) => {
    const { key, value: tagValue } = (tag ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key !== 'string' || typeof tagValue !== 'string') {
      throw invalidAttribute(`${field}[${index}]`);
    }
    if (!tagCharacters.test(key) || !tagCharacters.test(tagValue)) {
      throw invalidAttribute(
        `${field}[${index}]`,
        `Invalid ${field} key or value "${key}": use 1 to 255 letters, numbers, spaces or ; @ _ - . +`,
      );
    }
    if (keys.has(key)) throw invalidAttribute(field, `Duplicate ${field} key ${key}.`);
    keys.add(key);
    return { key, value: tagValue };
  });
}

export function requireObject(body: unknown): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AtlasApiError(400, 'INVALID_JSON', 'Request body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}

export function isoTime(milliseconds: number): string {
  return new Date(milliseconds).toISOString().replace(/\.\d{3}Z$/, 'Z');
}
