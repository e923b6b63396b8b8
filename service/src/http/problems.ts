// Turns every failure into an RFC 9457 problem response. Client errors carry a detail written for
// the client. Server errors carry only a generic detail and the request id, and the full error
// goes to the log.
import type { Middleware } from 'koa';
import {
  ClientNotAllowedError,
  IdentityProviderUnavailableError,
  InvalidTokenError,
} from '../auth/errors.ts';
import { InvalidCursorError } from '../db/cursor.ts';
import { DatabaseUnavailableError } from '../db/errors.ts';
import type { Logger } from '../log.ts';
import { describeError } from '../log.ts';
import type { ProblemCode } from '../problem.ts';
import { ProblemError, problemBody } from '../problem.ts';
import type { ServiceState } from './state.ts';

/** Catches errors from later middleware and sends them as problem responses. */
export function problemResponses(logger: Logger): Middleware<ServiceState> {
  return async (ctx, next) => {
    let problem: ProblemError;
    try {
      await next();
      if (ctx.body != null || ctx.status < 400) {
        return;
      }
      problem = statusProblem(ctx.status, ctx.method, ctx.path);
    } catch (error) {
      problem = toProblem(error);
      logFailure(logger, problem, error, ctx.state);
    }

    ctx.status = problem.status;
    for (const [name, value] of Object.entries(problem.headers)) {
      ctx.set(name, value);
    }
    ctx.body = problemBody(problem, ctx.state.requestId);
    ctx.type = 'application/problem+json';
  };
}

/** Maps an error from anywhere in the service to the problem sent to the client. */
export function toProblem(error: unknown): ProblemError {
  if (error instanceof ProblemError) {
    return error;
  }
  if (error instanceof InvalidTokenError) {
    return new ProblemError('invalid-token', error.message, {
      cause: error,
      headers: {
        'WWW-Authenticate': `Bearer error="invalid_token", error_description="${error.message}"`,
      },
    });
  }
  if (error instanceof ClientNotAllowedError) {
    return new ProblemError(
      'client-not-allowed',
      `The client "${error.clientId}" that requested the access token may not call this API.`,
      { cause: error },
    );
  }
  if (error instanceof IdentityProviderUnavailableError) {
    return new ProblemError(
      'identity-provider-unavailable',
      'The signing keys of the token issuer could not be fetched, so the token cannot be checked.',
      { cause: error, headers: { 'Retry-After': String(error.retryAfterSeconds) } },
    );
  }
  if (error instanceof DatabaseUnavailableError) {
    return new ProblemError('database-unavailable', 'The database did not respond in time.', {
      cause: error,
      headers: { 'Retry-After': String(error.retryAfterSeconds) },
    });
  }
  if (error instanceof InvalidCursorError) {
    return new ProblemError(
      'invalid-cursor',
      `Query parameter "cursor" is invalid: ${error.message}. Pass a nextCursor value unchanged.`,
      { cause: error },
    );
  }
  const status = httpErrorStatus(error);
  if (status !== undefined && status < 500) {
    return statusProblem(status, undefined, undefined, error);
  }
  return new ProblemError(
    'internal-error',
    'The service failed to handle the request. Report the requestId to the operator.',
    { cause: error },
  );
}

const statusCodes: Partial<Record<number, ProblemCode>> = {
  404: 'not-found',
  405: 'method-not-allowed',
  413: 'body-too-large',
  415: 'unsupported-media-type',
};

function statusProblem(
  status: number,
  method: string | undefined,
  path: string | undefined,
  cause?: unknown,
): ProblemError {
  const code = statusCodes[status] ?? (status < 500 ? 'invalid-body' : 'internal-error');
  const target = method === undefined ? 'this request' : `${method} ${path}`;
  const details: Partial<Record<ProblemCode, string>> = {
    'not-found': `No resource matches ${target}.`,
    'method-not-allowed': `${target} is not supported; the Allow header lists the methods that are.`,
    'body-too-large': 'The request body is too large.',
    'unsupported-media-type': 'The request body has an unsupported media type.',
  };
  return new ProblemError(code, details[code] ?? `The request failed with status ${status}.`, {
    cause,
  });
}

/** Reads the status of a koa or http-errors error (`ctx.throw`), if it has one. */
function httpErrorStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) {
    return undefined;
  }
  const { status, expose } = error as { status?: unknown; expose?: unknown };
  return typeof status === 'number' && expose === true ? status : undefined;
}

function logFailure(
  logger: Logger,
  problem: ProblemError,
  error: unknown,
  state: ServiceState,
): void {
  const ids = { requestId: state.requestId, apiRequestId: state.apiRequestId };
  if (problem.code === 'internal-error') {
    logger.error('request failed', { ...ids, error: describeError(error) });
  } else if (problem.status >= 500) {
    logger.warn('dependency unavailable', {
      ...ids,
      code: problem.code,
      error: describeError(error),
    });
  } else if (error instanceof InvalidTokenError) {
    // The reason helps find clients that send ID tokens or tokens for another audience.
    logger.info('access token rejected', { ...ids, reason: error.reason });
  }
}
