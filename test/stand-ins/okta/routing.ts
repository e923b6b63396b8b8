// What a route of the stand-in receives and returns, and the helpers routes share: `_links`
// objects and `Link`-header pagination.
import type { IncomingHttpHeaders } from 'node:http';
import type { IdGenerator } from './ids.ts';
import { validationFailed } from './errors.ts';
import type { JsonObject, JsonValue, OrgState } from './state.ts';

/** Who made the request: the API token, or a service app's access token with its scopes. */
export type Principal =
  | { readonly kind: 'ssws' }
  | { readonly kind: 'oauth'; readonly clientId: string; readonly scopes: readonly string[] };

/** Switches that change how the stand-in behaves, settable while it runs. */
export interface Behaviours {
  /** `PUT /api/v1/apps/{appId}` reassigns the app to the default sign-in policy. */
  resetPolicyOnUpdate: boolean;
}

export interface Org {
  readonly state: OrgState;
  // NOTE: request ids, error ids and access tokens come from this generator too, so adding a
  // request to a test shifts the ids of the objects created after it.
  readonly ids: IdGenerator;
  readonly behaviours: Behaviours;
  readonly pageSize: number;
  now(): Date;
  /** An access token issued by `/oauth2/v1/token`, by its value. */
  readonly accessTokens: Map<string, { clientId: string; scopes: string[]; expiresAt: number }>;
  /** `jti` values of client assertions already used, which Okta rejects on reuse. */
  readonly usedAssertionIds: Set<string>;
}

export interface StandInRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  /** Path segments captured by the route's pattern. */
  readonly params: readonly string[];
  readonly headers: IncomingHttpHeaders;
  /** Parsed JSON body, or the form fields of an `application/x-www-form-urlencoded` body. */
  readonly body: JsonValue | undefined;
  readonly form: URLSearchParams | undefined;
  /** The org URL as the client addressed it, without a trailing slash. */
  readonly base: string;
  readonly principal: Principal | undefined;
}

export interface StandInResponse {
  readonly status: number;
  readonly body?: JsonValue;
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  readonly pattern: RegExp;
  /**
   * OAuth scope the operation needs (a `.manage` scope also grants the `.read` one). Absent for
   * public endpoints such as `/oauth2/v1/token`, which take no Authorization header.
   */
  readonly scope?: string;
  handle(request: StandInRequest, org: Org): StandInResponse | Promise<StandInResponse>;
}

/** Builds a link object: `{ href, hints: { allow } }`. */
export function link(href: string, allow: readonly string[] = ['GET']): JsonObject {
  return { href, hints: { allow: [...allow] } };
}

/** Builds the `activate` or `deactivate` link, whichever applies to an object with `status`. */
export function lifecycleLinks(url: string, status: JsonValue | undefined): JsonObject {
  return status === 'ACTIVE'
    ? { deactivate: link(`${url}/lifecycle/deactivate`, ['POST']) }
    : { activate: link(`${url}/lifecycle/activate`, ['POST']) };
}

export function timestampOf(org: Org): string {
  return org.now().toISOString();
}

const maxPageSize = 200;

/**
 * Returns one page of `items` after the `after` cursor (an item id), with the `Link` header that
 * Okta sends: `rel="self"` always, `rel="next"` when more items follow.
 */
export function paginate(
  items: readonly JsonObject[],
  request: StandInRequest,
  org: Org,
): { page: JsonObject[]; headers: Record<string, string> } {
  const limitText = request.query.get('limit');
  let limit = org.pageSize;
  if (limitText !== null) {
    limit = Number(limitText);
    if (!Number.isInteger(limit) || (limit < 1 && limit !== -1)) {
      throw validationFailed([
        { field: 'limit', message: `must be a positive integer (got "${limitText}")` },
      ]);
    }
    limit = limit === -1 ? org.pageSize : Math.min(limit, maxPageSize);
  }

  const after = request.query.get('after');
  let start = 0;
  if (after !== null) {
    const index = items.findIndex((item) => item.id === after);
    start = index === -1 ? items.length : index + 1;
  }
  const page = items.slice(start, start + limit);

  const links = [`<${pageUrl(request, undefined, limitText)}>; rel="self"`];
  const last = page.at(-1);
  if (start + limit < items.length && last) {
    links.push(`<${pageUrl(request, text(last.id), text(limit))}>; rel="next"`);
  }
  return { page, headers: { link: links.join(', ') } };
}

function pageUrl(request: StandInRequest, after: string | undefined, limit: string | null): string {
  const query = new URLSearchParams(request.query);
  query.delete('after');
  query.delete('limit');
  if (after !== undefined) {
    query.set('after', after);
  }
  if (limit !== null) {
    query.set('limit', limit);
  }
  const text = query.toString();
  return `${request.base}${request.path}${text ? `?${text}` : ''}`;
}

/** Parses a `filter` expression: `attribute eq "value"` terms joined by `and`. */
export function parseFilter(
  filter: string,
  attributes: readonly string[],
): Array<{ attribute: string; value: string }> {
  const terms = filter.split(/\s+and\s+/i);
  return terms.map((term) => {
    const match = /^\s*([A-Za-z][\w.]*)\s+eq\s+"([^"]*)"\s*$/.exec(term);
    if (!match) {
      throw new FilterError(`"${term}" is not an expression of the form attribute eq "value"`);
    }
    const [, attribute = '', value = ''] = match;
    if (!attributes.includes(attribute)) {
      throw new FilterError(
        `filter attribute "${attribute}" is not supported; use one of ${attributes.join(', ')}`,
      );
    }
    return { attribute, value };
  });
}

export class FilterError extends Error {}

/** Reads a dotted path (`credentials.signing.kid`) from a JSON object. */
export function valueAt(object: JsonObject, path: string): JsonValue | undefined {
  let current: JsonValue | undefined = object;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) {
      return undefined;
    }
    current = current[key];
  }
  return current;
}

/** Returns a JSON value as text: a string as it is, anything else as JSON (`undefined` as ''). */
export function text(value: JsonValue | undefined): string {
  if (typeof value === 'string') {
    return value;
  }
  return value === undefined ? '' : JSON.stringify(value);
}

export function isObject(value: JsonValue | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
