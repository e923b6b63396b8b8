// `/api/v1/apps`: OpenID Connect apps with Okta's defaults, replace-on-PUT semantics, lifecycle,
// delete-only-when-inactive, and the sign-in (access) policy assignment.
import { idPrefix } from './ids.ts';
import {
  deleteActiveApp,
  invalidSearch,
  malformedBody,
  notFound,
  validationFailed,
} from './errors.ts';
import { validateApp } from './app-validation.ts';
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
import { defaultAccessPolicy, findAccessPolicy, type JsonObject } from './state.ts';

const secretAuthMethods = ['client_secret_basic', 'client_secret_post', 'client_secret_jwt'];

/** Returns the app with this id, or throws Okta's 404 (E0000007). */
export function findApp(org: Org, appId: string): JsonObject {
  const app = org.state.apps.find((candidate) => candidate.id === appId);
  if (!app) {
    throw notFound(appId, 'AppInstance');
  }
  return app;
}

/** Adds the `_links` Okta returns with an app, including the assigned sign-in policy. */
export function renderApp(app: JsonObject, org: Org, base: string): JsonObject {
  const id = text(app.id);
  const appUrl = `${base}/api/v1/apps/${id}`;
  const policyId = org.state.appPolicies[id];
  const lifecycle = lifecycleLinks(appUrl, app.status);
  return {
    ...app,
    _links: {
      self: link(appUrl, ['GET', 'PUT', 'DELETE']),
      ...(policyId ? { accessPolicy: link(`${base}/api/v1/policies/${policyId}`) } : {}),
      groups: link(`${appUrl}/groups`),
      users: link(`${appUrl}/users`),
      ...lifecycle,
    },
  };
}

// Builds the stored app from a create or replace body. Replace keeps only the server-managed
// fields of `existing`: everything else comes from the body or Okta's defaults, because a PUT
// replaces the whole app.
function buildApp(
  body: JsonObject,
  org: Org,
  existing: JsonObject | undefined,
  status: 'ACTIVE' | 'INACTIVE',
): JsonObject {
  const timestamp = timestampOf(org);
  const id = existing ? text(existing.id) : org.ids.next(idPrefix.app);
  const bodyCredentials = valueAt(body, 'credentials.oauthClient');
  const sentCredentials = isObject(bodyCredentials) ? bodyCredentials : {};
  const existingCredentials = existing ? valueAt(existing, 'credentials.oauthClient') : undefined;
  const authMethod = text(sentCredentials.token_endpoint_auth_method ?? 'client_secret_basic');

  const oauthClient: JsonObject = {
    autoKeyRotation: sentCredentials.autoKeyRotation ?? true,
    client_id: isObject(existingCredentials)
      ? text(existingCredentials.client_id)
      : text(sentCredentials.client_id ?? id),
    token_endpoint_auth_method: authMethod,
    pkce_required: sentCredentials.pkce_required ?? true,
  };
  if (secretAuthMethods.includes(authMethod)) {
    oauthClient.client_secret =
      isObject(existingCredentials) && typeof existingCredentials.client_secret === 'string'
        ? existingCredentials.client_secret
        : org.ids.next('', 40);
  }

  const existingSigning = existing ? valueAt(existing, 'credentials.signing') : undefined;
  const userNameTemplate = valueAt(body, 'credentials.userNameTemplate');
  const sentSettings = isObject(body.settings) ? body.settings : {};
  const sentClient = isObject(sentSettings.oauthClient) ? sentSettings.oauthClient : {};
  const grants = Array.isArray(sentClient.grant_types) ? sentClient.grant_types : [];

  const client: JsonObject = {
    issuer_mode: 'DYNAMIC',
    idp_initiated_login: { mode: 'DISABLED', default_scope: [] },
    wildcard_redirect: 'DISABLED',
    response_types: ['code'],
    ...sentClient,
  };
  if (grants.includes('refresh_token')) {
    client.refresh_token = sentClient.refresh_token ?? {
      rotation_type: sentClient.application_type === 'browser' ? 'ROTATE' : 'STATIC',
      leeway: 30,
    };
  } else {
    delete client.refresh_token;
  }

  const app: JsonObject = {
    id,
    orn: `orn:okta:idp:${org.state.orgId}:apps:oidc_client:${id}`,
    name: 'oidc_client',
    label: text(body.label),
    status,
    lastUpdated: timestamp,
    created: existing ? text(existing.created) : timestamp,
    accessibility: isObject(body.accessibility) ? body.accessibility : { selfService: false },
    visibility: isObject(body.visibility)
      ? body.visibility
      : {
          autoLaunch: false,
          autoSubmitToolbar: false,
          hide: { iOS: true, web: true },
          appLinks: { oidc_client_link: true },
        },
    features: [],
    signOnMode: 'OPENID_CONNECT',
    credentials: {
      userNameTemplate: isObject(userNameTemplate)
        ? userNameTemplate
        : { template: '${source.login}', type: 'BUILT_IN' },
      signing: isObject(existingSigning)
        ? existingSigning
        : { kid: org.ids.next(idPrefix.signingKey, 43) },
      oauthClient,
    },
    settings: {
      app: {},
      notifications: { vpn: { network: { connection: 'DISABLED' } } },
      manualProvisioning: false,
      implicitAssignment: false,
      notes: {},
      ...sentSettings,
      oauthClient: client,
    },
  };
  if (isObject(body.profile)) {
    app.profile = body.profile;
  }
  return app;
}

function requireBody(request: StandInRequest): JsonObject {
  if (request.body === undefined) {
    throw malformedBody();
  }
  const problems = validateApp(request.body);
  if (problems.length > 0) {
    throw validationFailed(problems);
  }
  return request.body as JsonObject;
}

function matchesQuery(app: JsonObject, request: StandInRequest): boolean {
  const q = request.query.get('q');
  if (q !== null) {
    const prefix = q.toLowerCase();
    const label = text(app.label).toLowerCase();
    const name = text(app.name).toLowerCase();
    if (!label.startsWith(prefix) && !name.startsWith(prefix)) {
      return false;
    }
  }
  const filter = request.query.get('filter');
  if (filter !== null) {
    let terms;
    try {
      terms = parseFilter(filter, ['id', 'status', 'name', 'credentials.signing.kid']);
    } catch (error) {
      if (error instanceof FilterError) {
        throw invalidSearch(error.message);
      }
      throw error;
    }
    return terms.every((term) => valueAt(app, term.attribute) === term.value);
  }
  return true;
}

function setStatus(org: Org, appId: string, status: 'ACTIVE' | 'INACTIVE') {
  const app = findApp(org, appId);
  if (app.status !== status) {
    app.status = status;
    app.lastUpdated = timestampOf(org);
  }
  // The spec declares no body for the lifecycle operations' 200.
  return { status: 200 };
}

export const appRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/apps$/,
    scope: 'okta.apps.read',
    handle(request, org) {
      const apps = org.state.apps.filter((app) => matchesQuery(app, request));
      const { page, headers } = paginate(apps, request, org);
      return { status: 200, body: page.map((app) => renderApp(app, org, request.base)), headers };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/apps$/,
    scope: 'okta.apps.manage',
    handle(request, org) {
      const body = requireBody(request);
      const clientId = valueAt(body, 'credentials.oauthClient.client_id');
      if (
        typeof clientId === 'string' &&
        org.state.apps.some((app) => valueAt(app, 'credentials.oauthClient.client_id') === clientId)
      ) {
        throw validationFailed([
          { field: 'client_id', message: `'${clientId}' is already used by another app.` },
        ]);
      }
      const activate = request.query.get('activate') !== 'false';
      const app = buildApp(body, org, undefined, activate ? 'ACTIVE' : 'INACTIVE');
      org.state.apps.push(app);
      org.state.appPolicies[text(app.id)] = text(defaultAccessPolicy(org.state).id);
      return { status: 200, body: renderApp(app, org, request.base) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/apps\/([^/]+)$/,
    scope: 'okta.apps.read',
    handle(request, org) {
      const app = findApp(org, request.params[0] ?? '');
      return { status: 200, body: renderApp(app, org, request.base) };
    },
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/apps\/([^/]+)$/,
    scope: 'okta.apps.manage',
    handle(request, org) {
      const existing = findApp(org, request.params[0] ?? '');
      const body = requireBody(request);
      const clientId = valueAt(body, 'credentials.oauthClient.client_id');
      const existingClientId = valueAt(existing, 'credentials.oauthClient.client_id');
      if (clientId !== undefined && clientId !== existingClientId) {
        throw validationFailed([
          { field: 'client_id', message: 'The client id of an app cannot be changed.' },
        ]);
      }
      const status = existing.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE';
      const app = buildApp(body, org, existing, status);
      org.state.apps[org.state.apps.indexOf(existing)] = app;
      if (org.behaviours.resetPolicyOnUpdate) {
        org.state.appPolicies[text(app.id)] = text(defaultAccessPolicy(org.state).id);
      }
      return { status: 200, body: renderApp(app, org, request.base) };
    },
  },
  {
    method: 'DELETE',
    pattern: /^\/api\/v1\/apps\/([^/]+)$/,
    scope: 'okta.apps.manage',
    handle(request, org) {
      const app = findApp(org, request.params[0] ?? '');
      if (app.status === 'ACTIVE') {
        throw deleteActiveApp();
      }
      org.state.apps.splice(org.state.apps.indexOf(app), 1);
      delete org.state.appPolicies[text(app.id)];
      return { status: 204 };
    },
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/apps\/([^/]+)\/lifecycle\/activate$/,
    scope: 'okta.apps.manage',
    handle: (request, org) => setStatus(org, request.params[0] ?? '', 'ACTIVE'),
  },
  {
    method: 'POST',
    pattern: /^\/api\/v1\/apps\/([^/]+)\/lifecycle\/deactivate$/,
    scope: 'okta.apps.manage',
    handle: (request, org) => setStatus(org, request.params[0] ?? '', 'INACTIVE'),
  },
  {
    method: 'PUT',
    pattern: /^\/api\/v1\/apps\/([^/]+)\/policies\/([^/]+)$/,
    scope: 'okta.apps.manage',
    handle(request, org) {
      const app = findApp(org, request.params[0] ?? '');
      const policyId = request.params[1] ?? '';
      if (!findAccessPolicy(org.state, policyId)) {
        throw notFound(policyId, 'Policy');
      }
      if (org.state.appPolicies[text(app.id)] !== policyId) {
        org.state.appPolicies[text(app.id)] = policyId;
        app.lastUpdated = timestampOf(org);
      }
      return { status: 204 };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/apps\/([^/]+)\/groups$/,
    scope: 'okta.apps.read',
    handle(request, org) {
      findApp(org, request.params[0] ?? '');
      const { page, headers } = paginate([], request, org);
      return { status: 200, body: page, headers };
    },
  },
];
