// Translation between an `okta:App` spec (the config's camelCase fields) and the OpenID Connect
// app object of the Management API. Values are copied as they are: redirect URIs are never
// normalised, so the comparison stays byte for byte.
import {
  ProviderError,
  isUnknown,
  type DesiredResource,
  type OwnershipMarker,
  type SpecValue,
} from '../../engine/provider.ts';
import type { AppJson } from './api.ts';
import { profileMarker, profileMarkerKey } from './marker.ts';
import { previewRedirectUris } from './preview-records.ts';
import { redirectUriProblem, type AppConfig } from './schema.ts';

/** A resolved `okta:App` spec. */
export interface AppSpec {
  readonly label: string;
  readonly applicationType: string;
  readonly tokenEndpointAuthMethod: string;
  readonly pkceRequired: boolean;
  readonly grantTypes: readonly string[];
  readonly redirectUris: readonly string[];
  readonly postLogoutRedirectUris: readonly string[];
  readonly refreshToken: { readonly rotationType: string; readonly leeway: number } | undefined;
  readonly federationBroker: boolean;
  readonly accessPolicy: string;
  readonly status: 'ACTIVE' | 'INACTIVE';
  readonly authorizationServerId: string;
}

/**
 * Builds the desired spec of an app from its config. A single-page app is always a `browser`
 * client without a secret (`none`) and with PKCE required. Those fields are in the spec so that a
 * change made in the Admin Console shows up as drift.
 */
export function desiredAppSpec(
  config: AppConfig,
  authorizationServerId: string,
): Record<string, SpecValue> {
  const spec: Record<string, SpecValue> = {
    label: config.label,
    applicationType: 'browser',
    tokenEndpointAuthMethod: 'none',
    pkceRequired: true,
    grantTypes: [...config.grantTypes],
    redirectUris: [...config.redirectUris],
    postLogoutRedirectUris: [...config.postLogoutRedirectUris],
    federationBroker: config.federationBroker,
    accessPolicy: config.accessPolicy,
    status: 'ACTIVE',
    authorizationServerId,
  };
  if (config.grantTypes.includes('refresh_token')) {
    const refresh = config.refreshToken ?? { rotationType: 'ROTATE', leeway: 30 };
    spec.refreshToken = { rotationType: refresh.rotationType, leeway: refresh.leeway };
  }
  return spec;
}

function at(object: unknown, path: string): unknown {
  let current = object;
  for (const key of path.split('.')) {
    if (typeof current !== 'object' || current === null || Array.isArray(current)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function record(value: unknown): Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function strings(value: unknown): string[] {
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

/** Returns the id of the sign-in policy assigned to an app, from `_links.accessPolicy.href`. */
export function accessPolicyIdOf(app: AppJson): string | undefined {
  const href = at(app, '_links.accessPolicy.href');
  if (typeof href !== 'string') {
    return undefined;
  }
  return href.slice(href.lastIndexOf('/') + 1) || undefined;
}

export function clientIdOf(app: AppJson): string {
  const clientId = at(app, 'credentials.oauthClient.client_id');
  return typeof clientId === 'string' ? clientId : String(app.id);
}

/**
 * Reads an app into the spec's shape. `accessPolicy` is the assigned policy's name, or null.
 * Redirect URIs that a pull-request preview added (listed in `profile.gitopsPreviews`) are left
 * out, so a preview never shows up as drift.
 */
export function observedAppSpec(
  app: AppJson,
  accessPolicy: string | undefined,
  authorizationServerId: string | undefined,
): Record<string, SpecValue> {
  const client = record(at(app, 'settings.oauthClient'));
  const credentials = record(at(app, 'credentials.oauthClient'));
  const previewUris = previewRedirectUris(app.profile);
  const spec: Record<string, SpecValue> = {
    label: typeof app.label === 'string' ? app.label : '',
    applicationType: typeof client.application_type === 'string' ? client.application_type : null,
    tokenEndpointAuthMethod:
      typeof credentials.token_endpoint_auth_method === 'string'
        ? credentials.token_endpoint_auth_method
        : null,
    pkceRequired: credentials.pkce_required === true,
    grantTypes: strings(client.grant_types),
    redirectUris: strings(client.redirect_uris).filter((uri) => !previewUris.has(uri)),
    postLogoutRedirectUris: strings(client.post_logout_redirect_uris),
    federationBroker: at(app, 'settings.implicitAssignment') === true,
    accessPolicy: accessPolicy ?? null,
    status: app.status === 'ACTIVE' ? 'ACTIVE' : 'INACTIVE',
  };
  const refresh = record(client.refresh_token);
  if (typeof refresh.rotation_type === 'string') {
    spec.refreshToken = {
      rotationType: refresh.rotation_type,
      leeway: typeof refresh.leeway === 'number' ? refresh.leeway : 30,
    };
  }
  if (authorizationServerId !== undefined) {
    spec.authorizationServerId = authorizationServerId;
  }
  return spec;
}

function readRefreshToken(value: SpecValue | undefined): AppSpec['refreshToken'] {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || isUnknown(value)) {
    return undefined;
  }
  const { rotationType, leeway } = value;
  return {
    rotationType: typeof rotationType === 'string' ? rotationType : 'ROTATE',
    leeway: typeof leeway === 'number' ? leeway : 30,
  };
}

/**
 * Reads the resolved spec that create and update receive, rejecting values that are still
 * unknown or invalid after references were resolved (a redirect URI built from a function URL,
 * say) before anything is sent.
 */
export function readAppSpec(resource: DesiredResource): AppSpec {
  const problems: string[] = [];
  const spec = resource.spec;
  const field = (name: string): SpecValue | undefined => {
    const value = spec[name];
    if (isUnknown(value) || (Array.isArray(value) && value.some(isUnknown))) {
      problems.push(`${name} is not known yet (${JSON.stringify(value)})`);
      return undefined;
    }
    return value;
  };
  const text = (name: string): string => {
    const value = field(name);
    if (typeof value !== 'string') {
      if (value !== undefined)
        problems.push(`${name} must be a string (got ${JSON.stringify(value)})`);
      return '';
    }
    return value;
  };
  const list = (name: string, check?: (value: string) => string | undefined): string[] => {
    const value = field(name) ?? [];
    if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
      problems.push(`${name} must be a list of strings (got ${JSON.stringify(value)})`);
      return [];
    }
    value.forEach((item, index) => {
      const problem = check?.(item);
      if (problem) problems.push(`${name}[${index}] ${problem}`);
    });
    return value;
  };

  const refresh = field('refreshToken');
  const result: AppSpec = {
    label: text('label'),
    applicationType: text('applicationType'),
    tokenEndpointAuthMethod: text('tokenEndpointAuthMethod'),
    pkceRequired: field('pkceRequired') === true,
    grantTypes: list('grantTypes'),
    redirectUris: list('redirectUris', redirectUriProblem),
    postLogoutRedirectUris: list('postLogoutRedirectUris', redirectUriProblem),
    refreshToken: readRefreshToken(refresh),
    federationBroker: field('federationBroker') === true,
    accessPolicy: text('accessPolicy'),
    status: field('status') === 'INACTIVE' ? 'INACTIVE' : 'ACTIVE',
    authorizationServerId: text('authorizationServerId') || 'default',
  };
  if (problems.length > 0) {
    throw new ProviderError(
      'INVALID',
      `${resource.address} (app "${result.label || resource.name}"): ${problems.join('; ')}. Fix the config or the value it references and run again.`,
    );
  }
  return result;
}

/**
 * Builds the full app object to send on create (no `observed`) or replace. A replace starts from the
 * observed app and changes only the fields the spec owns, because a PUT replaces the whole app
 * and anything left out would be reset. Hypermedia (`_links`, `_embedded`) is read-only and
 * dropped. The redirect URIs of pull-request previews that the observed app has are kept after the
 * spec's own.
 */
export function appRequestBody(
  spec: AppSpec,
  marker: OwnershipMarker,
  observed?: AppJson,
): AppJson {
  const body: AppJson = observed ? structuredClone(observed) : {};
  delete body._links;
  delete body._embedded;

  const credentials = record(body.credentials);
  const settings = record(body.settings);
  const previewUris = previewRedirectUris(body.profile);
  const keptPreviewUris = strings(record(settings.oauthClient).redirect_uris).filter(
    (uri) => previewUris.has(uri) && !spec.redirectUris.includes(uri),
  );
  const client: Record<string, unknown> = {
    ...record(settings.oauthClient),
    application_type: spec.applicationType,
    grant_types: [...spec.grantTypes],
    redirect_uris: [...spec.redirectUris, ...keptPreviewUris],
    post_logout_redirect_uris: [...spec.postLogoutRedirectUris],
  };
  const responseTypes = strings(client.response_types);
  client.response_types = responseTypes.includes('code') ? responseTypes : ['code'];
  if (spec.refreshToken) {
    client.refresh_token = {
      rotation_type: spec.refreshToken.rotationType,
      leeway: spec.refreshToken.leeway,
    };
  } else {
    delete client.refresh_token;
  }

  return {
    ...body,
    name: 'oidc_client',
    label: spec.label,
    signOnMode: 'OPENID_CONNECT',
    credentials: {
      ...credentials,
      oauthClient: {
        ...record(credentials.oauthClient),
        token_endpoint_auth_method: spec.tokenEndpointAuthMethod,
        pkce_required: spec.pkceRequired,
      },
    },
    settings: { ...settings, implicitAssignment: spec.federationBroker, oauthClient: client },
    profile: { ...record(body.profile), [profileMarkerKey]: profileMarker(marker) },
  };
}
