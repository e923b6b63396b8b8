// A loopback server that speaks the part of Okta's Management API that the Okta provider and the
// Okta SDK use: apps and their sign-in policy, policies, trusted origins, authorization servers,
// and `/oauth2/v1/token` for service apps. It keeps Okta's error bodies, `Link` pagination and
// rate-limit headers, and lets a test inject faults and read every exchange back.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync } from 'node:fs';
import type { JWK } from 'jose';
import { OktaFaults } from './faults.ts';
import { IdGenerator } from './ids.ts';
import { RateLimiter } from './rate-limits.ts';
import type { Behaviours, Org } from './routing.ts';
import { isObject, valueAt, text } from './routing.ts';
import { handle, type RecordedRequest } from './server.ts';
import {
  loadState,
  saveState,
  seedOrg,
  type AuthorizationServerSeed,
  type JsonObject,
  type ServiceApp,
} from './state.ts';

export type { RecordedRequest } from './server.ts';
export type { FaultMatch } from './faults.ts';
export type { AuthorizationServerSeed, JsonObject, JsonValue, ServiceApp } from './state.ts';
export { defaultAccessPolicyName } from './state.ts';

/** A started server: its URL and how to stop it. `startServer` in the test helpers fits. */
export interface Listener {
  readonly url: string;
  close(): Promise<void>;
}

export interface OktaStandInOptions {
  /** API token accepted as `Authorization: SSWS {token}`; a fixed one is made when absent. */
  readonly apiToken?: string;
  /** Service apps that may get access tokens with private_key_jwt. */
  readonly serviceApps?: ReadonlyArray<{ clientId?: string; keys: JWK[]; scopes: string[] }>;
  /** Authorization servers to serve; default: `default` with audience `api://default`. */
  readonly authorizationServers?: readonly AuthorizationServerSeed[];
  /** Page size of list endpoints when the request has no `limit` (default 20). */
  readonly pageSize?: number;
  /** Requests per endpoint bucket and window (default 600 per 60 seconds). */
  readonly rateLimit?: { limit: number; windowSeconds?: number };
  /** Start with "an app update resets its sign-in policy to the default" switched on. */
  readonly resetPolicyOnUpdate?: boolean;
  /** Clock for timestamps, rate-limit windows, token expiry and the `Date` header. */
  readonly now?: () => Date;
  /** Seed of the id generator (default 1), so ids repeat from run to run. */
  readonly seed?: number;
  /** JSON file that keeps the org between runs: read at start when present, written after each write. */
  readonly stateFile?: string;
  /** Starts the server; default: 127.0.0.1 on `port`. Tests pass `startServer`. */
  readonly listen?: (server: Server) => Promise<Listener>;
  /** Port for the default listener (default 0: the system picks one). */
  readonly port?: number;
}

/**
 * What the local OpenID Provider needs to know about a registered OpenID Connect app. It fits the
 * OpenID Provider stand-in's `ClientRegistration`, so `findAppByClientId` can serve as its
 * `findClient` (wrapped in a promise).
 */
export interface RegisteredClient {
  readonly id: string;
  readonly clientId: string;
  readonly label: string;
  readonly status: string;
  readonly applicationType: string;
  readonly tokenEndpointAuthMethod: string;
  readonly pkceRequired: boolean;
  /** Fresh copies, so the caller may keep or change them. */
  readonly grantTypes: string[];
  /** Login redirect URIs, byte for byte and in order, as Okta stores them. */
  readonly redirectUris: string[];
  readonly postLogoutRedirectUris: string[];
}

export interface OktaStandIn {
  /** The org URL: `http://127.0.0.1:{port}`, without a trailing slash. */
  readonly url: string;
  readonly apiToken: string;
  readonly faults: OktaFaults;
  /** Every exchange so far, oldest first. Clear it with `requests.length = 0`. */
  readonly requests: RecordedRequest[];
  readonly behaviours: Behaviours;
  /** Copies of the stored apps, without `_links`. */
  apps(): JsonObject[];
  /** The app whose `credentials.oauthClient.client_id` is `clientId`. */
  findAppByClientId(clientId: string): RegisteredClient | undefined;
  /** The name of the sign-in policy assigned to an app. */
  assignedPolicyName(appId: string): string | undefined;
  /** Copies of the stored trusted origins. */
  trustedOrigins(): JsonObject[];
  /** Changes an app as an admin would in the Admin Console, bypassing the API. */
  editApp(appId: string, edit: (app: JsonObject) => void): void;
  /** Registers a service app for `/oauth2/v1/token` and returns it with its client id. */
  registerServiceApp(app: { clientId?: string; keys: JWK[]; scopes: string[] }): ServiceApp;
  close(): Promise<void>;
}

function listenOn(port: number): (server: Server) => Promise<Listener> {
  return (server) =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', reject);
        const address = server.address() as AddressInfo;
        resolve({
          url: `http://127.0.0.1:${address.port}`,
          close: () =>
            new Promise<void>((done, fail) => {
              server.close((error) => (error ? fail(error) : done()));
              server.closeAllConnections();
            }),
        });
      });
    });
}

function toRegisteredClient(app: JsonObject): RegisteredClient {
  const strings = (path: string) => {
    const value = valueAt(app, path);
    return Array.isArray(value) ? value.map((item) => text(item)) : [];
  };
  return {
    id: text(app.id),
    clientId: text(valueAt(app, 'credentials.oauthClient.client_id')),
    label: text(app.label),
    status: text(app.status),
    applicationType: text(valueAt(app, 'settings.oauthClient.application_type')),
    tokenEndpointAuthMethod: text(
      valueAt(app, 'credentials.oauthClient.token_endpoint_auth_method'),
    ),
    pkceRequired: valueAt(app, 'credentials.oauthClient.pkce_required') === true,
    grantTypes: strings('settings.oauthClient.grant_types'),
    redirectUris: strings('settings.oauthClient.redirect_uris'),
    postLogoutRedirectUris: strings('settings.oauthClient.post_logout_redirect_uris'),
  };
}

/** Starts the Okta stand-in on 127.0.0.1. */
export async function startOktaStandIn(options: OktaStandInOptions = {}): Promise<OktaStandIn> {
  const now = options.now ?? (() => new Date());
  const pageSize = options.pageSize ?? 20;
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 200) {
    throw new RangeError(`pageSize must be an integer from 1 to 200 (got ${pageSize})`);
  }

  const stateFile = options.stateFile;
  const restored = stateFile && existsSync(stateFile) ? loadState(stateFile) : undefined;
  const seed = options.seed ?? 1;
  const ids = new IdGenerator(restored ? restored.idState : seed);
  const state =
    restored ??
    seedOrg(ids, now().toISOString(), options.authorizationServers ?? [{ id: 'default' }]);
  const apiToken = options.apiToken ?? state.apiToken ?? `00${ids.next('', 40)}`;
  state.apiToken = apiToken;

  const org: Org = {
    state,
    ids,
    behaviours: { resetPolicyOnUpdate: options.resetPolicyOnUpdate ?? false },
    pageSize,
    now,
    accessTokens: new Map(),
    usedAssertionIds: new Set(),
  };
  const registerServiceApp = (app: { clientId?: string; keys: JWK[]; scopes: string[] }) => {
    const registered: ServiceApp = {
      clientId: app.clientId ?? ids.next('0oa'),
      keys: app.keys,
      scopes: app.scopes,
    };
    state.serviceApps = state.serviceApps.filter(
      (existing) => existing.clientId !== registered.clientId,
    );
    state.serviceApps.push(registered);
    return registered;
  };
  for (const app of options.serviceApps ?? []) {
    registerServiceApp(app);
  }

  const rateLimit = options.rateLimit?.limit ?? 600;
  const rateLimiter = new RateLimiter({
    limit: rateLimit,
    windowSeconds: options.rateLimit?.windowSeconds ?? 60,
  });
  const faults = new OktaFaults();
  const requests: RecordedRequest[] = [];
  let url = '';
  const server = createServer((request, response) => {
    void handle(request, response, {
      org,
      faults,
      rateLimiter,
      rateLimit,
      apiToken,
      requests,
      stateFile,
      url: () => url,
    });
  });
  const listener = await (options.listen ?? listenOn(options.port ?? 0))(server);
  url = listener.url;
  if (stateFile && !restored) {
    saveState(stateFile, state);
  }

  return {
    url,
    apiToken,
    faults,
    requests,
    behaviours: org.behaviours,
    apps: () => structuredClone(state.apps),
    findAppByClientId(clientId) {
      const app = state.apps.find(
        (candidate) => valueAt(candidate, 'credentials.oauthClient.client_id') === clientId,
      );
      return app ? toRegisteredClient(app) : undefined;
    },
    assignedPolicyName(appId) {
      const policyId = state.appPolicies[appId];
      const policy = state.policies.find((candidate) => candidate.id === policyId);
      return policy ? text(policy.name) : undefined;
    },
    trustedOrigins: () => structuredClone(state.trustedOrigins),
    editApp(appId, edit) {
      const app = state.apps.find((candidate) => candidate.id === appId);
      if (!app || !isObject(app)) {
        throw new Error(`No app with id ${appId}`);
      }
      edit(app);
      app.lastUpdated = now().toISOString();
      if (stateFile) {
        saveState(stateFile, state);
      }
    },
    registerServiceApp,
    close: () => listener.close(),
  };
}
