// Assigns the request ids and writes one log line per request when the response is ready.
import type { Middleware } from 'koa';
import type { Logger } from '../log.ts';
import type { ServiceState } from './state.ts';

/** The Lambda event and context that serverless-http attaches to each request it builds. */
interface LambdaRequestContext {
  apiGateway?: {
    event?: { requestContext?: { requestId?: unknown } };
    context?: { awsRequestId?: unknown };
  };
}

export interface RequestLogOptions {
  logger: Logger;
  /** Generates request ids outside Lambda. */
  newRequestId: () => string;
  /** Monotonic clock in ms, for durations. */
  monotonicNow: () => number;
}

/**
 * Sets `ctx.state.requestId` (the Lambda request id on Lambda) and the `X-Request-Id` response
 * header, then logs method, route, status and duration. The query string is never logged.
 */
export function requestLog(options: RequestLogOptions): Middleware<ServiceState> {
  return async (ctx, next) => {
    const started = options.monotonicNow();
    const lambda = (ctx.req as LambdaRequestContext).apiGateway;
    const awsRequestId = lambda?.context?.awsRequestId;
    const apiRequestId = lambda?.event?.requestContext?.requestId;

    ctx.state.requestId =
      typeof awsRequestId === 'string' && awsRequestId !== ''
        ? awsRequestId
        : options.newRequestId();
    if (typeof apiRequestId === 'string' && apiRequestId !== '') {
      ctx.state.apiRequestId = apiRequestId;
    }
    ctx.set('X-Request-Id', ctx.state.requestId);

    try {
      await next();
    } finally {
      const route = (ctx as { _matchedRoute?: unknown })._matchedRoute;
      options.logger.info('request', {
        requestId: ctx.state.requestId,
        apiRequestId: ctx.state.apiRequestId,
        method: ctx.method,
        route: typeof route === 'string' ? route : undefined,
        path: ctx.path,
        status: ctx.status,
        durationMs: Math.round((options.monotonicNow() - started) * 1000) / 1000,
        clientId: ctx.state.caller?.clientId,
        ...(ctx.status >= 400 ? { problem: readProblemCode(ctx.body) } : {}),
      });
    }
  };
}

function readProblemCode(body: unknown): string | undefined {
  if (typeof body === 'object' && body !== null && 'code' in body) {
    const { code } = body;
    return typeof code === 'string' ? code : undefined;
  }
  return undefined;
}
