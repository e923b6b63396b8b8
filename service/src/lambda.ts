// The Lambda entry point, bundled to dist/service/index.mjs (handler `index.handler`). Module
// initialisation loads the settings and connects to the database and the issuer while Lambda
// runs the init phase, so the first request does not wait for them one after the other.
import type { ServiceConfig } from './config.ts';
import { ConfigError, loadConfig } from './config.ts';
import type { LambdaContext, LambdaHandler } from './lambda-adapter.ts';
import { createLambdaHandler, failureResult } from './lambda-adapter.ts';
import { createJsonLogger, describeError } from './log.ts';
import { createService } from './service.ts';

// Replaced by service/build.ts with the package version and commit.
declare const SERVICE_VERSION: string | undefined;
const version = typeof SERVICE_VERSION === 'string' ? SERVICE_VERSION : 'development';

// Time the init phase waits for the database connect and the key download.
const primeTimeoutMs = 3_000;

const bootLogger = createJsonLogger();
let config: ServiceConfig | undefined;
try {
  config = loadConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) {
    throw error;
  }
  // Every request gets a 500 problem; the issues are in this log entry.
  bootLogger.error('service configuration invalid', { issues: error.issues });
}

let invoke: LambdaHandler;
let budgetChecked = false;
if (config === undefined) {
  invoke = (_event, context) =>
    Promise.resolve(failureResult(context.awsRequestId, 'configuration-invalid'));
} else {
  const logger = createJsonLogger({ level: config.logLevel });
  const service = createService(config, { version, logger });
  await service.prime(primeTimeoutMs);
  invoke = createLambdaHandler(service.app, logger);
  const { serverSelectionTimeoutMS, socketTimeoutMS } = config.mongodb;
  const worstCaseMs = serverSelectionTimeoutMS + socketTimeoutMS;
  invoke = wrapWithBudgetCheck(invoke, worstCaseMs, (remainingMs) => {
    logger.warn('database timeouts exceed the function timeout', {
      worstCaseMs,
      remainingMs,
      fix: 'lower MONGODB_SERVER_SELECTION_TIMEOUT_MS and MONGODB_SOCKET_TIMEOUT_MS, or raise the function timeout',
    });
  });
}

/** Handles an API Gateway or function URL event. */
export const handler = async (event: unknown, context: LambdaContext) => {
  try {
    return await invoke(event, context);
  } catch (error) {
    bootLogger.error('lambda invocation failed', {
      requestId: context.awsRequestId,
      error: describeError(error),
    });
    return failureResult(context.awsRequestId);
  }
};

/**
 * Warns once if a request that waits for server selection and then a full socket timeout could
 * outlive the function timeout, which Lambda reveals only through the invocation context.
 */
function wrapWithBudgetCheck(
  next: LambdaHandler,
  worstCaseMs: number,
  warn: (remainingMs: number) => void,
): LambdaHandler {
  return (event, context) => {
    if (!budgetChecked) {
      budgetChecked = true;
      const remainingMs = context.getRemainingTimeInMillis?.();
      if (remainingMs !== undefined && worstCaseMs >= remainingMs) {
        warn(remainingMs);
      }
    }
    return next(event, context);
  };
}
