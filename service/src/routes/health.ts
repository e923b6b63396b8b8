import Router from '@koa/router';
import type { Database } from '../db/database.ts';
import type { ServiceState } from '../http/state.ts';

export interface HealthRoutesOptions {
  version: string;
  /** The Lambda version serving the request (`AWS_LAMBDA_FUNCTION_VERSION`); absent off Lambda. */
  functionVersion?: string;
  database: Database;
  /** Maximum time the database ping waits, in ms. */
  pingTimeoutMs: number;
}

/**
 * Builds `GET /health`: always 200 while the function runs, with `database: "unavailable"` when
 * the ping does not return within `pingTimeoutMs`. It needs no token. `functionVersion` lets a
 * deploy's smoke test check that the version it published served the request.
 */
export function healthRoutes(options: HealthRoutesOptions): Router<ServiceState> {
  const router = new Router<ServiceState>();
  router.get('/health', async (ctx) => {
    const databaseUp = await options.database.ping(options.pingTimeoutMs);
    ctx.body = {
      status: databaseUp ? 'ok' : 'degraded',
      version: options.version,
      ...(options.functionVersion === undefined
        ? {}
        : { functionVersion: options.functionVersion }),
      database: databaseUp ? 'ok' : 'unavailable',
    };
  });
  return router;
}
