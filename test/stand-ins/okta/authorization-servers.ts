// `/api/v1/authorizationServers` (read-only) and the metadata documents of each authorization
// server and of the org authorization server. Sign-in itself is served by the local OpenID
// Provider, so the endpoints in the metadata point at the issuer, wherever that is.
import { notFound } from './errors.ts';
import { link, paginate, type Org, type Route, type StandInRequest, text } from './routing.ts';
import type { JsonObject } from './state.ts';

/** Returns the issuer of an authorization server: the configured override or `{orgUrl}/oauth2/{id}`. */
export function issuerOf(org: Org, serverId: string, base: string): string {
  return org.state.issuers[serverId] ?? `${base}/oauth2/${serverId}`;
}

function findServer(org: Org, serverId: string): JsonObject {
  const server = org.state.authorizationServers.find((candidate) => candidate.id === serverId);
  if (!server) {
    throw notFound(serverId, 'AuthorizationServer');
  }
  return server;
}

function render(server: JsonObject, org: Org, base: string): JsonObject {
  const id = text(server.id);
  const url = `${base}/api/v1/authorizationServers/${id}`;
  const issuer = issuerOf(org, id, base);
  return {
    ...server,
    issuer,
    _links: {
      self: link(url, ['GET', 'DELETE', 'PUT']),
      claims: link(`${url}/claims`),
      policies: link(`${url}/policies`),
      scopes: link(`${url}/scopes`),
      rotateKey: link(`${url}/credentials/lifecycle/keyRotate`, ['POST']),
      deactivate: link(`${url}/lifecycle/deactivate`, ['POST']),
      metadata: [
        link(`${base}/oauth2/${id}/.well-known/openid-configuration`),
        link(`${base}/oauth2/${id}/.well-known/oauth-authorization-server`),
      ],
    },
  };
}

function metadata(issuer: string, request: StandInRequest): JsonObject {
  return {
    issuer,
    authorization_endpoint: `${issuer}/v1/authorize`,
    token_endpoint: `${issuer}/v1/token`,
    userinfo_endpoint: `${issuer}/v1/userinfo`,
    registration_endpoint: `${request.base}/oauth2/v1/clients`,
    jwks_uri: `${issuer}/v1/keys`,
    response_types_supported: ['code', 'id_token', 'code id_token'],
    response_modes_supported: ['query', 'fragment', 'form_post', 'okta_post_message'],
    grant_types_supported: [
      'authorization_code',
      'implicit',
      'refresh_token',
      'client_credentials',
    ],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: ['RS256'],
    scopes_supported: ['openid', 'profile', 'email', 'address', 'phone', 'offline_access'],
    token_endpoint_auth_methods_supported: [
      'client_secret_basic',
      'client_secret_post',
      'client_secret_jwt',
      'private_key_jwt',
      'none',
    ],
    claims_supported: ['iss', 'sub', 'aud', 'iat', 'exp', 'auth_time', 'email', 'name'],
    code_challenge_methods_supported: ['S256'],
    introspection_endpoint: `${issuer}/v1/introspect`,
    revocation_endpoint: `${issuer}/v1/revoke`,
    end_session_endpoint: `${issuer}/v1/logout`,
    request_parameter_supported: true,
  };
}

function serverMetadata(request: StandInRequest, org: Org) {
  const id = text(findServer(org, request.params[0] ?? '').id);
  return { status: 200, body: metadata(issuerOf(org, id, request.base), request) };
}

export const authorizationServerRoutes: readonly Route[] = [
  {
    method: 'GET',
    pattern: /^\/api\/v1\/authorizationServers$/,
    scope: 'okta.authorizationServers.read',
    handle(request, org) {
      const q = request.query.get('q');
      const servers = org.state.authorizationServers.filter(
        (server) => q === null || text(server.name).startsWith(q),
      );
      const { page, headers } = paginate(servers, request, org);
      return {
        status: 200,
        body: page.map((server) => render(server, org, request.base)),
        headers,
      };
    },
  },
  {
    method: 'GET',
    pattern: /^\/api\/v1\/authorizationServers\/([^/]+)$/,
    scope: 'okta.authorizationServers.read',
    handle(request, org) {
      const server = findServer(org, request.params[0] ?? '');
      return { status: 200, body: render(server, org, request.base) };
    },
  },
  {
    method: 'GET',
    pattern: /^\/oauth2\/([^/]+)\/\.well-known\/openid-configuration$/,
    handle: serverMetadata,
  },
  {
    method: 'GET',
    pattern: /^\/oauth2\/([^/]+)\/\.well-known\/oauth-authorization-server$/,
    handle: serverMetadata,
  },
  {
    method: 'GET',
    pattern: /^\/\.well-known\/openid-configuration$/,
    handle: (request) => ({ status: 200, body: metadata(request.base, request) }),
  },
];
