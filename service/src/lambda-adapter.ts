// Adapts the Koa app to Lambda events with serverless-http: API Gateway REST APIs (payload 1.0),
// HTTP APIs (payload 2.0) and function URLs (2.0).
import type Koa from 'koa';
import serverless from 'serverless-http';
import type { Logger } from './log.ts';
import { describeError } from './log.ts';
import { problemBody, ProblemError } from './problem.ts';

/** The parts of the Lambda context the service reads. */
export interface LambdaContext {
  awsRequestId: string;
  getRemainingTimeInMillis?: () => number;
}

/** A Lambda proxy integration result (payload 1.0 or 2.0). */
export interface LambdaResult {
  statusCode: number;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  cookies?: string[];
  body: string;
  isBase64Encoded: boolean;
}

export type LambdaHandler = (event: unknown, context: LambdaContext) => Promise<LambdaResult>;

// Bodies of these types go back as text; everything else, and anything with a Content-Encoding,
// goes back base64-encoded so binary bytes survive.
const textType = /^(?:text\/|application\/(?:json|problem\+json|javascript|xml)|image\/svg\+xml)/;

/** Wraps `app` in an async Lambda handler. A failure outside the app still returns a problem. */
export function createLambdaHandler(app: Koa<never> | Koa, logger: Logger): LambdaHandler {
  const handle = serverless(app, {
    binary: (headers: Record<string, string | undefined>) =>
      (headers['content-encoding'] ?? '') !== '' || !textType.test(headers['content-type'] ?? ''),
  });

  return async (event, context) => {
    try {
      return (await handle(event as object, context)) as LambdaResult;
    } catch (error) {
      // The event could not be turned into a request, or the response into a result.
      logger.error('lambda invocation failed', {
        requestId: context.awsRequestId,
        error: describeError(error),
      });
      return failureResult(context.awsRequestId);
    }
  };
}

/** Builds a 500 problem result for failures outside the app. */
export function failureResult(
  requestId: string,
  code: 'internal-error' | 'configuration-invalid' = 'internal-error',
): LambdaResult {
  const detail =
    code === 'internal-error'
      ? 'The service failed to handle the request. Report the requestId to the operator.'
      : 'The service configuration is invalid. The function logs name the setting.';
  return {
    statusCode: 500,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'x-request-id': requestId,
    },
    body: JSON.stringify(problemBody(new ProblemError(code, detail), requestId)),
    isBase64Encoded: false,
  };
}
