// Composes the service from its settings: one database handle, one token verifier and the app.
// The Lambda handler and the local server both start here.
import type Koa from 'koa';
import type { Middleware } from 'koa';
import type { AccessTokenVerifier } from './auth/verifier.ts';
import { createAccessTokenVerifier } from './auth/verifier.ts';
import { createApp } from './app.ts';
import type { ServiceConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { createDatabase } from './db/database.ts';
import { docsRoutes } from './docs/index.ts';
import type { ServiceState } from './http/state.ts';
import type { Logger } from './log.ts';

export interface ServiceOptions {
  version: string;
  logger: Logger;
  /** Serves /docs. Defaults to the Swagger UI page when OKTA_CLIENT_ID is set. */
  docs?: Middleware;
  fetch?: typeof fetch;
  now?: () => Date;
  newRequestId?: () => string;
}

export interface Service {
  app: Koa<ServiceState>;
  database: Database;
  verifier: AccessTokenVerifier;
  /**
   * Connects to the database and downloads the signing keys, concurrently, waiting at most
   * `timeoutMs`. Never rejects: failures are logged and retried by the first request.
   */
  prime(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export function createService(config: ServiceConfig, options: ServiceOptions): Service {
  const { logger } = options;
  const now = options.now ?? (() => new Date());
  const database = createDatabase({
    settings: config.mongodb,
    logger,
    now: () => now().getTime(),
  });
  const verifier = createAccessTokenVerifier({
    ...config.okta,
    fetch: options.fetch,
    now,
  });
  if (options.docs === undefined && config.okta.clientId === undefined) {
    logger.warn('docs page disabled', { reason: 'OKTA_CLIENT_ID is not set' });
  }
  const docs =
    options.docs ??
    (config.okta.clientId === undefined
      ? undefined
      : docsRoutes({
          issuer: config.okta.issuer,
          clientId: config.okta.clientId,
          audience: config.okta.audience,
          scopes: config.okta.scopes,
        }));
  const app = createApp({
    version: options.version,
    config,
    database,
    verifier,
    logger,
    docs,
    now,
    newRequestId: options.newRequestId,
  });

  const prime = async (timeoutMs: number): Promise<void> => {
    const keys = verifier.prime().catch((error: unknown) => {
      logger.warn('signing key download failed during start-up', { error });
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    try {
      await Promise.race([Promise.all([database.prime(), keys]), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };

  return { app, database, verifier, prime, close: () => database.close() };
}
