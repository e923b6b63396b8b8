// Routing, errors and pagination for the GitHub stand-in, in the shapes GitHub's REST API uses:
// `{ message, documentation_url, status }` error bodies, `Validation Failed` with an `errors` list,
// and RFC 8288 `Link` headers with `first`, `prev`, `next` and `last` relations.

/** An error response in GitHub's shape. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly errors?: readonly Record<string, string>[],
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
  }
}

/** A 422 `Validation Failed` naming the resource, field and GitHub's error code. */
export function validationFailed(
  resource: string,
  field: string,
  code: 'missing_field' | 'invalid' | 'already_exists' | 'custom',
  message?: string,
): HttpError {
  return new HttpError(422, 'Validation Failed', [
    { resource, field, code, ...(message === undefined ? {} : { message }) },
  ]);
}

export function errorBody(error: HttpError): Record<string, unknown> {
  return {
    message: error.message,
    ...(error.errors ? { errors: error.errors } : {}),
    documentation_url: 'https://docs.github.com/rest',
    status: String(error.status),
  };
}

export interface RouteRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly params: Readonly<Record<string, string>>;
  readonly body: unknown;
}

export interface RouteResponse {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: RouteRequest) => RouteResponse;

interface Route {
  readonly method: string;
  readonly pattern: RegExp;
  readonly names: readonly string[];
  readonly handler: RouteHandler;
}

/** A method-and-path router over `:name` segments; no route matched throws a 404. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: string, path: string, handler: RouteHandler): this {
    const names: string[] = [];
    const source = path.replace(/:([a-z_]+)/g, (_match, name: string) => {
      names.push(name);
      return '([^/]+)';
    });
    this.routes.push({ method, pattern: new RegExp(`^${source}$`), names, handler });
    return this;
  }

  dispatch(method: string, path: string, query: URLSearchParams, body: unknown): RouteResponse {
    let pathMatched = false;
    for (const route of this.routes) {
      const match = route.pattern.exec(path);
      if (!match) continue;
      pathMatched = true;
      if (route.method !== method) continue;
      const params: Record<string, string> = {};
      route.names.forEach((name, index) => {
        params[name] = decodeURIComponent(match[index + 1] ?? '');
      });
      return route.handler({ method, path, query, params, body });
    }
    // GitHub returns 404 for an unsupported method on a known path too; this message adds the method.
    throw new HttpError(404, pathMatched ? `Not Found (no ${method} on this path)` : 'Not Found');
  }
}

/** Reads an integer query parameter, rejecting what GitHub rejects. */
export function integerParameter(
  query: URLSearchParams,
  name: string,
  fallback: number,
  { min, max }: { min: number; max: number },
): number {
  const raw = query.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value)) {
    throw new HttpError(422, `Invalid value for parameter ${name}: ${JSON.stringify(raw)}`);
  }
  return Math.min(Math.max(value, min), max);
}

/**
 * Returns one page of `items` and the `Link` header that points at the others. GitHub's default
 * page size is 30 and its maximum 100; a page past the end is an empty list.
 */
export function paginate<T>(
  items: readonly T[],
  request: RouteRequest,
  apiUrl: string,
): { page: T[]; headers: Record<string, string> } {
  const perPage = integerParameter(request.query, 'per_page', 30, { min: 1, max: 100 });
  const pageNumber = integerParameter(request.query, 'page', 1, { min: 1, max: 1_000_000 });
  const lastPage = Math.max(1, Math.ceil(items.length / perPage));
  const page = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);

  const link = (target: number, rel: string): string => {
    const query = new URLSearchParams(request.query);
    query.set('per_page', String(perPage));
    query.set('page', String(target));
    return `<${apiUrl}${request.path}?${query.toString()}>; rel="${rel}"`;
  };
  const links: string[] = [];
  if (pageNumber > 1) links.push(link(pageNumber - 1, 'prev'));
  if (pageNumber < lastPage) links.push(link(pageNumber + 1, 'next'), link(lastPage, 'last'));
  if (pageNumber > 1) links.push(link(1, 'first'));
  return { page, headers: links.length > 0 ? { link: links.join(', ') } : {} };
}

/** Reads a JSON object body field as a string, or throws GitHub's 422 for the resource. */
export function stringField(
  body: unknown,
  field: string,
  resource: string,
  { required }: { required: boolean },
): string | undefined {
  const value = (body as Record<string, unknown> | null)?.[field];
  if (value === undefined || value === null) {
    if (required) throw validationFailed(resource, field, 'missing_field');
    return undefined;
  }
  if (typeof value !== 'string') {
    throw new HttpError(
      422,
      `Invalid request.\n\nFor '${field}', ${JSON.stringify(value)} is not a string.`,
    );
  }
  return value;
}

/** Length as GitHub counts it for its 65,536-character body limit: Unicode code points. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _character of text) count += 1;
  return count;
}
