// `npm run dev`: the service on http://localhost:8000 with interactive docs at /docs, backed by a
// MongoDB stand-in (data kept in .local/dev/) and a local OpenID Provider with one test user.
// MONGODB_URI or MONGODB_HOST in the environment replaces the MongoDB stand-in, and OKTA_ISSUER or
// OKTA_HOST replaces the OpenID Provider. PORT sets the service port and DEV_DATA_FOLDER the
// data folder. Ctrl-C stops everything.
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Environment } from '../../service/src/config.ts';
import { serveLocally, type LocalService } from '../../service/src/local.ts';
import { redactSecrets, type Logger } from '../../service/src/log.ts';
import { startMongoStandIn, type MongoStandIn } from './mongo/index.ts';
import { startOidcStandIn, type OidcStandIn } from './oidc/index.ts';

/** Client id of the docs app on the local OpenID Provider, in Okta's `0oa` shape. */
export const DEV_CLIENT_ID = '0oa0localdocs0000000';

/** The user who can sign in to the local OpenID Provider. A local test account, not a secret. */
export const DEV_USER = {
  login: 'ada@example.com',
  password: 'local-dev-password',
  name: 'Ada Lovelace',
};

export interface DevStackOptions {
  /** Service port on 127.0.0.1. Default: PORT from `env`, else 8000. 0 picks a free port. */
  port?: number;
  /** Environment of the service. Default `process.env`. */
  env?: Environment;
  /** Folder for the MongoDB data and the OpenID Provider's signing key. Default `.local/dev`. */
  dataFolder?: string;
  /** Service logger. Default: JSON lines on stdout. */
  logger?: Logger;
  /** Receives the OpenID Provider's lines about rejected requests. */
  oidcLog?: (line: string) => void;
}

export interface DevStack {
  /** `http://localhost:{port}`. */
  readonly url: string;
  readonly docsUrl: string;
  readonly issuer: string;
  /** Client id of the docs app, undefined when the environment sets an issuer but no client. */
  readonly clientId: string | undefined;
  /** Source of MongoDB and of sign-in: a stand-in or the environment. */
  readonly sources: { mongodb: 'stand-in' | 'environment'; okta: 'stand-in' | 'environment' };
  /** The local OpenID Provider, when it runs; tests mint tokens with it. */
  readonly oidc: OidcStandIn | undefined;
  close(): Promise<void>;
}

const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

/**
 * Starts the stand-ins the environment does not replace, then the service with their addresses.
 * When a step fails, whatever started before it is stopped again.
 */
export async function startDevStack(options: DevStackOptions = {}): Promise<DevStack> {
  const env = options.env ?? process.env;
  const dataFolder = options.dataFolder ?? join(repositoryRoot, '.local', 'dev');
  const port = options.port ?? readPort(env.PORT);
  let servicePort = port;
  const started: { close(): Promise<void> }[] = [];
  let stopping: Promise<void> | undefined;
  const stopAll = () => {
    stopping ??= (async () => {
      for (const part of [...started].reverse()) await part.close();
    })();
    return stopping;
  };

  try {
    const serviceEnv: Record<string, string | undefined> = { ...env };
    // A MongoDB or Okta setting in the environment replaces the stand-in; the service reads it.
    let mongo: MongoStandIn | undefined;
    if (!isSet(env.MONGODB_URI) && !isSet(env.MONGODB_HOST)) {
      mongo = await startMongoStandIn({ persistPath: join(dataFolder, 'mongodb.json') });
      started.push(mongo);
      serviceEnv.MONGODB_URI = mongo.uri;
    }

    let oidc: OidcStandIn | undefined;
    if (!isSet(env.OKTA_ISSUER) && !isSet(env.OKTA_HOST)) {
      const clientId = isSet(env.OKTA_CLIENT_ID) ? env.OKTA_CLIENT_ID.trim() : DEV_CLIENT_ID;
      // Read on each sign-in, after the service has its port, so port 0 works too.
      const redirectUri = () => `http://localhost:${servicePort}/docs/oauth2-redirect`;
      oidc = await startDocsProvider(clientId, redirectUri, env, dataFolder, options.oidcLog);
      started.push(oidc);
      serviceEnv.OKTA_ISSUER = oidc.issuer;
      serviceEnv.OKTA_AUDIENCE = oidc.audience;
      serviceEnv.OKTA_CLIENT_ID = clientId;
    }

    const service: LocalService = await serveLocally({
      port,
      env: serviceEnv,
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
    started.push(service);
    servicePort = service.port;

    return {
      url: service.url,
      docsUrl: `${service.url}/docs`,
      issuer:
        serviceEnv.OKTA_ISSUER ??
        `https://${serviceEnv.OKTA_HOST}/oauth2/${serviceEnv.OKTA_AUTHORIZATION_SERVER_ID ?? 'default'}`,
      clientId: isSet(serviceEnv.OKTA_CLIENT_ID) ? serviceEnv.OKTA_CLIENT_ID.trim() : undefined,
      sources: {
        mongodb: mongo === undefined ? 'environment' : 'stand-in',
        okta: oidc === undefined ? 'environment' : 'stand-in',
      },
      oidc,
      close: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Starts the local OpenID Provider with the test user and one docs client. */
function startDocsProvider(
  clientId: string,
  redirectUri: () => string,
  env: Environment,
  dataFolder: string,
  log: ((line: string) => void) | undefined,
): Promise<OidcStandIn> {
  return startOidcStandIn({
    users: [DEV_USER],
    findClient: (id) =>
      Promise.resolve(id === clientId ? { clientId, redirectUris: [redirectUri()] } : undefined),
    ...(isSet(env.OKTA_AUDIENCE) ? { audience: env.OKTA_AUDIENCE.trim() } : {}),
    keysPath: join(dataFolder, 'oidc'),
    ...(log === undefined ? {} : { log }),
  });
}

/** Returns the lines `npm run dev` prints once everything listens. */
export function describeDevStack(stack: DevStack, env: Environment): string[] {
  const lines = [
    '',
    `  Docs:     ${stack.docsUrl}`,
    `            Click Authorize, then sign in${stack.oidc === undefined ? ' with your Okta account' : ''}.`,
  ];
  if (stack.oidc !== undefined) {
    lines.push(`  User:     ${DEV_USER.login}`, `  Password: ${DEV_USER.password}`);
  }
  lines.push(
    `  API:      ${stack.url} (health: ${stack.url}/health, OpenAPI: ${stack.url}/openapi.json)`,
    `  Issuer:   ${stack.issuer}${stack.sources.okta === 'stand-in' ? ' (local OpenID Provider)' : ' (from the environment)'}`,
    `  Client:   ${stack.clientId ?? 'none: set OKTA_CLIENT_ID to enable /docs'}`,
    `  MongoDB:  ${stack.sources.mongodb === 'stand-in' ? 'local stand-in' : redactSecrets(env.MONGODB_URI ?? env.MONGODB_HOST ?? '')}`,
    '',
    '  Press Ctrl-C to stop.',
    '',
  );
  return lines;
}

function isSet(value: string | undefined): value is string {
  return value !== undefined && value.trim() !== '';
}

function readPort(value: string | undefined): number {
  if (!isSet(value)) return 8000;
  const port = /^\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!Number.isInteger(port) || port > 65_535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535 (got "${value}")`);
  }
  return port;
}

async function main(): Promise<void> {
  const env = process.env;
  let stack: DevStack;
  try {
    stack = await startDevStack({
      env,
      ...(isSet(env.DEV_DATA_FOLDER) ? { dataFolder: env.DEV_DATA_FOLDER } : {}),
      oidcLog: (line) => console.log(line),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const hint =
      code === 'EADDRINUSE' ? ' Another process uses the port: stop it or set PORT.' : '';
    console.error(
      `npm run dev failed to start: ${error instanceof Error ? error.message : String(error)}.${hint}`,
    );
    process.exit(1);
  }
  console.log(describeDevStack(stack, env).join('\n'));

  let stopping = false;
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} again: exiting without waiting for a clean stop`);
      process.exit(1);
    }
    stopping = true;
    console.log(`${signal}: stopping the service and the stand-ins`);
    stack.close().then(
      () => {
        console.log('stopped');
        process.exit(0);
      },
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  await main();
}
