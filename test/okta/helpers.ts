// Shared setup of the Okta suites: the stand-in on loopback (stopped by the test that started
// it), a provider context with a frozen clock and recorded logs, and resources built through the
// provider's own schema, as the engine builds them.
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import type {
  DesiredResource,
  ProviderContext,
  ResourceHandler,
} from '../../actions/engine/provider.ts';
import {
  appKind,
  createOktaProvider,
  trustedOriginKind,
  type ApiTokenAuth,
  type PrivateKeyAuth,
} from '../../actions/providers/okta/index.ts';
import { startServer } from '../helpers/servers.ts';
import {
  startOktaStandIn,
  type OktaStandIn,
  type OktaStandInOptions,
} from '../stand-ins/okta/index.ts';

/** The instant at which every test clock is frozen. */
export const frozenNow = new Date('2026-06-01T12:00:00.000Z');

/** Starts the stand-in on 127.0.0.1 with a frozen clock; the current test stops it. */
export function startStandIn(options: OktaStandInOptions = {}): Promise<OktaStandIn> {
  return startOktaStandIn({ listen: startServer, now: () => frozenNow, ...options });
}

export interface RecordedContext {
  readonly context: ProviderContext;
  /** Every log line, prefixed with its level: `info okta: created ...`. */
  readonly lines: string[];
  /** Delays the code asked to sleep, in milliseconds. */
  readonly sleeps: number[];
}

/** Creates a provider context for `environment` with a frozen clock, instant sleep and kept logs. */
export function recordedContext(environment = 'dev'): RecordedContext {
  const lines: string[] = [];
  const sleeps: number[] = [];
  return {
    lines,
    sleeps,
    context: {
      environment,
      log: {
        info: (message) => lines.push(`info ${message}`),
        debug: (message) => lines.push(`debug ${message}`),
        warning: (message) => lines.push(`warning ${message}`),
      },
      now: () => frozenNow,
      sleep: (milliseconds) => {
        sleeps.push(milliseconds);
        return Promise.resolve();
      },
      marker: (address) => ({ managedBy: 'gitops', environment, address }),
    },
  };
}

/** Returns the `okta:` section most tests use, in the shape of `config/dev.yaml`. */
export function sectionFor(
  orgUrl: string,
  app: Record<string, unknown> = {},
  trustedOrigin: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    orgUrl,
    authorizationServerId: 'default',
    apps: {
      spa: {
        label: 'Hello World (SPA)',
        grantTypes: ['authorization_code'],
        redirectUris: [
          'http://localhost:8000/docs/oauth2-redirect',
          'https://abc123.lambda-url.us-east-1.on.aws/docs/oauth2-redirect',
        ],
        postLogoutRedirectUris: [],
        federationBroker: true,
        accessPolicy: 'Password only',
        ...app,
      },
    },
    trustedOrigins: {
      docs: {
        name: 'example-backend-dev docs',
        origin: 'https://abc123.lambda-url.us-east-1.on.aws',
        scopes: ['CORS'],
        ...trustedOrigin,
      },
    },
  };
}

export interface OktaSetup {
  readonly app: DesiredResource;
  readonly trustedOrigin: DesiredResource;
  readonly appHandler: ResourceHandler;
  readonly originHandler: ResourceHandler;
}

/**
 * Creates the provider for `standIn` (SSWS unless other credentials are given) and the resources
 * of `section`, parsed by the provider's schema.
 */
export function setUp(
  standIn: OktaStandIn,
  section: Record<string, unknown> = sectionFor(standIn.url),
  credentials?: ApiTokenAuth | PrivateKeyAuth,
): OktaSetup {
  const provider = createOktaProvider({
    orgUrl: standIn.url,
    ...(credentials ?? { token: standIn.apiToken }),
  });
  const resources = provider.resources(provider.schema.parse(section));
  const app = resources.find((resource) => resource.kind === appKind);
  const trustedOrigin = resources.find((resource) => resource.kind === trustedOriginKind);
  const appHandler = provider.handlers[appKind];
  const originHandler = provider.handlers[trustedOriginKind];
  if (!app || !trustedOrigin || !appHandler || !originHandler) {
    throw new Error('the test section must declare one app and one trusted origin');
  }
  return { app, trustedOrigin, appHandler, originHandler };
}

/** Returns a copy of the resource with some spec fields replaced. */
export function withSpec(
  resource: DesiredResource,
  spec: DesiredResource['spec'],
): DesiredResource {
  return { ...resource, spec: { ...resource.spec, ...spec } };
}

/** Lists the write requests the stand-in received, as `METHOD path`. */
export function writesOf(standIn: OktaStandIn): string[] {
  return standIn.requests
    .filter((request) => request.write)
    .map((request) => `${request.method} ${request.path}`);
}

export interface ServiceKey {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM of the private key, as a service app's key file contains it. */
  readonly privatePem: string;
  /** The public key as Okta registers it for the service app. */
  readonly publicJwk: JWK;
}

const keys = new Map<string, ServiceKey>();

/**
 * Returns an RSA key pair for a service app, with `kid`. Keys are made once per name and test file,
 * because generating them is the slowest step of the auth tests.
 */
export function serviceKey(name = 'main', kid = 'test-key-1'): ServiceKey {
  const cached = keys.get(name);
  if (cached) {
    return { ...cached, publicJwk: { ...cached.publicJwk, kid } };
  }
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const key: ServiceKey = {
    privateKey,
    privatePem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicJwk: { ...(publicKey.export({ format: 'jwk' }) as JWK), kid, alg: 'RS256', use: 'sig' },
  };
  keys.set(name, key);
  return key;
}
