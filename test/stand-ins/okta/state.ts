// The org the stand-in serves: apps, policies, trusted origins, authorization servers and the
// service apps allowed to request access tokens. Objects are stored as Okta returns them, minus
// `_links`, which depend on the URL the client used and are added when a response is written.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { JWK } from 'jose';
import type { IdGenerator } from './ids.ts';
import { idPrefix } from './ids.ts';

export type JsonValue = string | number | boolean | null | JsonValue[] | JsonObject;
export interface JsonObject {
  [key: string]: JsonValue;
}

/** A service app that may sign client assertions for `/oauth2/v1/token` (private_key_jwt). */
export interface ServiceApp {
  readonly clientId: string;
  /** Public keys registered for the app, as JWKs; the assertion's `kid` picks one when present. */
  readonly keys: readonly JWK[];
  /** Scopes granted to the app, such as `okta.apps.manage`. */
  readonly scopes: readonly string[];
}

/** An authorization server the stand-in serves under `/api/v1/authorizationServers`. */
export interface AuthorizationServerSeed {
  readonly id: string;
  readonly name?: string;
  readonly audiences?: readonly string[];
  /** Issuer to report instead of `{orgUrl}/oauth2/{id}`, such as a local OpenID Provider's URL. */
  readonly issuer?: string;
}

export interface OrgState {
  version: 1;
  orgId: string;
  idState: number;
  /** The SSWS token the org accepts, kept so a restarted stand-in accepts the same one. */
  apiToken?: string;
  apps: JsonObject[];
  /** Sign-in (access) policy assigned to each app, by app id. */
  appPolicies: Record<string, string>;
  policies: JsonObject[];
  policyRules: Record<string, JsonObject[]>;
  trustedOrigins: JsonObject[];
  authorizationServers: JsonObject[];
  /** Issuer override by authorization server id; absent means `{orgUrl}/oauth2/{id}`. */
  issuers: Record<string, string>;
  serviceApps: ServiceApp[];
}

/** Name of the app sign-in policy that new apps get, and that an update may reset them to. */
export const defaultAccessPolicyName = 'Default Policy';

// The preset app sign-in policies of an Identity Engine org, with the factor mode of their
// catch-all rule.
const presetAccessPolicies: ReadonlyArray<{
  name: string;
  description: string;
  factorMode: '1FA' | '2FA';
  system: boolean;
}> = [
  {
    name: 'Default Policy',
    description: 'The default app sign-in policy',
    factorMode: '2FA',
    system: true,
  },
  {
    name: 'Any two factors',
    description: 'Require two factors of any kind',
    factorMode: '2FA',
    system: false,
  },
  {
    name: 'Password only',
    description: 'Require a password and no other factor',
    factorMode: '1FA',
    system: false,
  },
  {
    name: 'One factor access',
    description: 'Require any one factor',
    factorMode: '1FA',
    system: false,
  },
];

/** Builds a new org with Okta's default policies and the given authorization servers. */
export function seedOrg(
  ids: IdGenerator,
  timestamp: string,
  authorizationServers: readonly AuthorizationServerSeed[],
): OrgState {
  const state: OrgState = {
    version: 1,
    orgId: ids.next(idPrefix.org),
    idState: 0,
    apps: [],
    appPolicies: {},
    policies: [],
    policyRules: {},
    trustedOrigins: [],
    authorizationServers: [],
    issuers: {},
    serviceApps: [],
  };

  presetAccessPolicies.forEach((preset, index) => {
    const id = ids.next(idPrefix.accessPolicy);
    state.policies.push({
      id,
      status: 'ACTIVE',
      name: preset.name,
      description: preset.description,
      priority: index + 1,
      system: preset.system,
      conditions: null,
      created: timestamp,
      lastUpdated: timestamp,
      type: 'ACCESS_POLICY',
    });
    state.policyRules[id] = [
      {
        id: ids.next(idPrefix.accessPolicyRule),
        status: 'ACTIVE',
        name: 'Catch-all Rule',
        priority: 99,
        created: timestamp,
        lastUpdated: timestamp,
        system: true,
        type: 'ACCESS_POLICY',
        actions: {
          appSignOn: {
            access: 'ALLOW',
            verificationMethod: {
              factorMode: preset.factorMode,
              type: 'ASSURANCE',
              reauthenticateIn: 'PT12H',
              constraints: [],
            },
          },
        },
      },
    ];
  });

  for (const type of ['OKTA_SIGN_ON', 'PASSWORD', 'MFA_ENROLL'] as const) {
    state.policies.push({
      id: ids.next(idPrefix.policy),
      status: 'ACTIVE',
      name: 'Default Policy',
      description: `The default ${type} policy`,
      priority: 1,
      system: true,
      created: timestamp,
      lastUpdated: timestamp,
      type,
    });
  }

  for (const seed of authorizationServers) {
    addAuthorizationServer(state, ids, timestamp, seed);
  }
  state.idState = ids.state;
  return state;
}

/** Adds an authorization server in the shape `GET /api/v1/authorizationServers/{id}` returns. */
export function addAuthorizationServer(
  state: OrgState,
  ids: IdGenerator,
  timestamp: string,
  seed: AuthorizationServerSeed,
): void {
  state.authorizationServers.push({
    id: seed.id,
    name: seed.name ?? seed.id,
    description:
      seed.id === 'default' ? 'Default Authorization Server for your Applications' : seed.id,
    audiences: [
      ...(seed.audiences ?? [seed.id === 'default' ? 'api://default' : `api://${seed.id}`]),
    ],
    issuerMode: 'ORG_URL',
    status: 'ACTIVE',
    created: timestamp,
    lastUpdated: timestamp,
    credentials: {
      signing: {
        rotationMode: 'AUTO',
        lastRotated: timestamp,
        nextRotation: timestamp,
        kid: ids.next(idPrefix.signingKey, 43),
        use: 'sig',
      },
    },
  });
  if (seed.issuer) {
    state.issuers[seed.id] = seed.issuer;
  }
}

/** Finds the sign-in policy with this id, if it is an ACCESS_POLICY. */
export function findAccessPolicy(state: OrgState, policyId: string): JsonObject | undefined {
  return state.policies.find((policy) => policy.id === policyId && policy.type === 'ACCESS_POLICY');
}

export function defaultAccessPolicy(state: OrgState): JsonObject {
  const policy = state.policies.find(
    (candidate) =>
      candidate.type === 'ACCESS_POLICY' &&
      candidate.name === defaultAccessPolicyName &&
      candidate.system === true,
  );
  if (!policy) {
    throw new Error(`The org has no system ACCESS_POLICY named "${defaultAccessPolicyName}"`);
  }
  return policy;
}

/** Reads a state file written by `saveState`. */
export function loadState(path: string): OrgState {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<OrgState>;
  if (parsed.version !== 1 || !Array.isArray(parsed.apps)) {
    throw new Error(`${path} is not an Okta stand-in state file (expected "version": 1)`);
  }
  return parsed as OrgState;
}

/** Writes the state to `path` through a temporary file, so a crash never leaves half a file. */
export function saveState(path: string, state: OrgState): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(temporary, path);
}
