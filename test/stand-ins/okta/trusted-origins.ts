// `/api/v1/trustedOrigins`: origins allowed for CORS and redirects. Okta keeps both the name and
// the origin unique across the org.
import { idPrefix } from './ids.ts';
import {
  invalidSearch,
  malformedBody,
  notFound,
  validationFailed,
  type FieldProblem,
} from './errors.ts';
import {
  FilterError,
  isObject,
  lifecycleLinks,
  link,
  paginate,
  parseFilter,
  timestampOf,
  valueAt,
  type Org,
  type Route,
  type StandInRequest,
  text,
} from './routing.ts';
import type { JsonObject } from './state.ts';

const scopeTypes = ['CORS', 'IFRAME_EMBED', 'REDIRECT'];
const originSchemes = ['http:', 'https:', 'ftp:', 'ionic:', 'capacitor:'];
// The user that the stand-in records as creator and last editor of every trusted origin.
const adminUserId = '00u1standin0admin001';

function findOrigin(org: Org, id: string): JsonObject {
  const origin = org.state.trustedOrigins.find((candidate) => candidate.id === id);
  if (!origin) {
    throw notFound(id, 'TrustedOrigin');
  }
  return origin;
}

function render(origin: JsonObject, base: string): JsonObject {
  const url = `${base}/api/v1/trustedOrigins/${text(origin.id)}`;
  const lifecycle = lifecycleLinks(url, origin.status);
  return { ...origin, _links: { self: link(url, ['GET', 'PUT', 'DELETE']), ...lifecycle } };
}

function originProblem(origin: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return `'${origin}' is not a valid origin.`;
  }
  if (!originSchemes.includes(parsed.protocol)) {
    return `'${origin}' uses an unsupported scheme; use http, https, ftp, ionic or capacitor.`;
  }
  if (parsed.origin !== 'null' && parsed.origin !== origin) {
    return `'${origin}' must be an origin only: scheme, host and port, without path or slash.`;
  }
  return undefined;
}

// Checks a create or replace body; `self` is the origin being replaced, which may keep its own
// name and origin.
function readBody(request: StandInRequest, org: Org, self?: JsonObject): JsonObject {
  const body = request.body;
  if (body === undefined) {
    throw malformedBody();
  }
  if (!isObject(body)) {
    throw validationFailed([{ field: 'body', message: 'The request body must be a JSON object.' }]);
  }
  const problems: FieldProblem[] = [];
  const others = org.state.trustedOrigins.filter((candidate) => candidate !== self);
  if (typeof body.name !== 'string' || body.name.trim() === '') {
    problems.push({ field: 'name', message: 'The field cannot be left blank.' });
  } else if (body.name.length > 255) {
    problems.push({ field: 'name', message: 'The name must be at most 255 characters.' });
  } else if (others.some((candidate) => candidate.name === body.name)) {
    problems.push({ field: 'name', message: 'A trusted origin with this name already exists.' });
  }
  if (typeof body.origin !== 'string') {
    problems.push({ field: 'origin', message: 'The field cannot be left blank.' });
  } else {
    const problem = originProblem(body.origin);
    if (problem) {
      problems.push({ field: 'origin', message: problem });
    } else if (others.some((candidate) => candidate.origin === body.origin)) {
      problems.push({
        field: 'origin',
        message: 'A trusted origin with this origin already exists.',
      });
    }
  }
  const scopes = body.scopes;
  if (!Array.isArray(scopes) || scopes.length === 0 || scopes.length > 3) {
    problems.push({ field: 'scopes', message: 'Give one to three scopes.' });
  } else {
    for (const scope of scopes) {
      if (!isObject(scope) || typeof scope.type !== 'string' || !scopeTypes.includes(scope.type)) {
        problems.push({
          field: 'scopes',
          message: `Each scope type must be one of ${scopeTypes.join(', ')}.`,
        });
      }
    }
  }
  if (problems.length > 0) {
    throw validationFailed(problems);
  }
  return body;
}

function matches(origin: JsonObject, request: StandInRequest): boolean {
  const q = request.query.get('q');
  if (q !== null && !text(origin.name).startsWith(q) && !text(origin.origin).startsWith(q)) {
    return false;
  }
  const filter = request.query.get('filter');
  if (filter === null) {
    return true;
  }
  try {
    const terms = parseFilter(filter, ['name', 'origin', 'status']);
    return terms.every((term) => valueAt(origin, term.attribute) === term.value);
  } catch (error) {
    if (error instanceof FilterError) {
      throw invalidSearch(error.message);
    }
    throw error;
  }
}

function setStatus(request: StandInRequest, org: Org, status: 'ACTIVE' | 'INACTIVE') {
  const origin = findOrigin(org, request.params[0] ?? '');
  if (origin.status !== status) {
    origin.status = status;
    origin.lastUpdated = timestampOf(org);
    origin.lastUpdatedBy = adminUserId;
  }
  return { status: 200, body: render(origin, request.base) };
}

export const trustedOriginRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/trustedOrigins$/,
    scope: 'okta.trustedOrigins.read',
    handle(request, org) {
      const origins = org.state.trustedOrigins.filter((origin) => matches(origin, request));
      const { page, headers } = paginate(origins, request, org);
      return { status: 200, body: page.map((origin) => render(origin, request.base)), headers };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/trustedOrigins$/,
    scope: 'okta.trustedOrigins.manage',
    handle(request, org) {
      const body = readBody(request, org);
      const timestamp = timestampOf(org);
      const origin: JsonObject = {
        id: org.ids.next(idPrefix.trustedOrigin),
        name: body.name ?? '',
        origin: body.origin ?? '',
        scopes: body.scopes ?? [],
        status: 'ACTIVE',
        created: timestamp,
        createdBy: adminUserId,
        lastUpdated: timestamp,
        lastUpdatedBy: adminUserId,
      };
      org.state.trustedOrigins.push(origin);
      return { status: 200, body: render(origin, request.base) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/trustedOrigins\/([^/]+)$/,
    scope: 'okta.trustedOrigins.read',
    handle(request, org) {
      return { status: 200, body: render(findOrigin(org, request.params[0] ?? ''), request.base) };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/trustedOrigins\/([^/]+)$/,
    scope: 'okta.trustedOrigins.manage',
    handle(request, org) {
      const origin = findOrigin(org, request.params[0] ?? '');
      const body = readBody(request, org, origin);
      origin.name = body.name ?? '';
      origin.origin = body.origin ?? '';
      origin.scopes = body.scopes ?? [];
      origin.lastUpdated = timestampOf(org);
      origin.lastUpdatedBy = adminUserId;
      return { status: 200, body: render(origin, request.base) };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/trustedOrigins\/([^/]+)$/,
    scope: 'okta.trustedOrigins.manage',
    handle(request, org) {
      const origin = findOrigin(org, request.params[0] ?? '');
      org.state.trustedOrigins.splice(org.state.trustedOrigins.indexOf(origin), 1);
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/trustedOrigins\/([^/]+)\/lifecycle\/activate$/,
    scope: 'okta.trustedOrigins.manage',
    handle: (request, org) => setStatus(request, org, 'ACTIVE'),
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/trustedOrigins\/([^/]+)\/lifecycle\/deactivate$/,
    scope: 'okta.trustedOrigins.manage',
    handle: (request, org) => setStatus(request, org, 'INACTIVE'),
  },
];
