// The Koa app. `app.callback()` is the seam that the Lambda handler, the local server and the
// tests wrap; everything the app talks to arrives through `AppOptions`.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import Koa from 'koa';
import type { Middleware } from 'koa';
import type { AccessTokenVerifier } from './auth/verifier.ts';
import type { ServiceConfig } from './config.ts';
import type { Database } from './db/database.ts';
import { MessageStore } from './db/messages.ts';
import { authenticate } from './http/authenticate.ts';
import { compressResponses } from './http/compress.ts';
import { problemResponses } from './http/problems.ts';
import { requestLog } from './http/request-log.ts';
import { securityHeaders } from './http/security-headers.ts';
import type { ServiceState } from './http/state.ts';
import type { Logger } from './log.ts';
import { describeError, silentLogger } from './log.ts';
import { healthRoutes } from './routes/health.ts';
import { messageRoutes } from './routes/messages.ts';
import { referenceRoutes } from './routes/reference.ts';

export interface AppOptions {
  version: string;
  config: ServiceConfig;
  database: Database;
  verifier: AccessTokenVerifier;
  logger?: Logger;
  /** Serves /docs; mounted after the API routes. */
  docs?: Middleware;
  now?: () => Date;
  /** Monotonic clock in ms, for request durations. */
  monotonicNow?: () => number;
  newRequestId?: () => string;
}

/** Builds the Koa app with its middleware chain and routes. */
export function createApp(options: AppOptions): Koa<ServiceState> {
  const logger = options.logger ?? silentLogger;
  const { config } = options;
  const app = new Koa<ServiceState>({ proxy: true });

  // Errors after the response started (a broken stream) reach only this listener.
  app.silent = true;
  app.on('error', (error: unknown) => {
    logger.error('response failed', { error: describeError(error) });
  });

  app.use(
    requestLog({
      logger,
      newRequestId: options.newRequestId ?? randomUUID,
      monotonicNow: options.monotonicNow ?? (() => performance.now()),
    }),
  );
  app.use(problemResponses(logger));
  app.use(securityHeaders());
  app.use(compressResponses());

  const routers = [
    healthRoutes({
      version: options.version,
      ...(config.functionVersion === undefined ? {} : { functionVersion: config.functionVersion }),
      database: options.database,
      pingTimeoutMs: config.healthPingTimeoutMs,
    }),
    referenceRoutes({
      version: options.version,
      issuer: config.okta.issuer,
      scopes: config.okta.scopes,
      metadata: () => options.verifier.metadata(),
      logger,
    }),
    messageRoutes({
      store: new MessageStore(options.database, options.now),
      authenticate: authenticate(options.verifier),
      bodyLimitBytes: config.bodyLimitBytes,
    }),
  ];
  for (const router of routers) {
    app.use(router.routes());
    app.use(router.allowedMethods());
  }
  if (options.docs !== undefined) {
    app.use(options.docs);
  }
  return app;
}
