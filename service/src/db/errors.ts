import {
  MongoAWSError,
  MongoClientClosedError,
  MongoError,
  MongoMissingCredentialsError,
  MongoNetworkError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
} from 'mongodb';

/** Raised when the database cannot serve a request now; the client should retry later. */
export class DatabaseUnavailableError extends Error {
  readonly code = 'ERR_DATABASE_UNAVAILABLE';
  /** Suggested wait before a retry, in whole seconds (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DatabaseUnavailableError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}

// Server error codes that mean "not now" rather than "never": time limits, elections, shutdown.
const transientServerCodes = new Set([
  50, // MaxTimeMSExpired
  91, // ShutdownInProgress
  189, // PrimarySteppedDown
  262, // ExceededTimeLimit
  10107, // NotWritablePrimary
  11600, // InterruptedAtShutdown
  11602, // InterruptedDueToReplStateChange
  13435, // NotPrimaryNoSecondaryOk
  13436, // NotPrimaryOrSecondary
]);

// Authentication failures (code 18) are also reported as unavailable: the caller cannot fix them,
// and the log entry names them for the operator.
const unavailableServerCodes = new Set([...transientServerCodes, 18]);

/** Tells whether `error` means the database is unreachable, overloaded or failing over. */
export function isUnavailable(error: unknown): boolean {
  if (error instanceof DatabaseUnavailableError) {
    return true;
  }
  if (
    error instanceof MongoNetworkError ||
    error instanceof MongoServerSelectionError ||
    error instanceof MongoTopologyClosedError ||
    error instanceof MongoClientClosedError ||
    error instanceof MongoServerClosedError ||
    error instanceof MongoNotConnectedError ||
    error instanceof MongoOperationTimeoutError ||
    error instanceof MongoAWSError ||
    error instanceof MongoMissingCredentialsError
  ) {
    return true;
  }
  if (error instanceof MongoServerError && typeof error.code === 'number') {
    return unavailableServerCodes.has(error.code);
  }
  return error instanceof MongoError && error.hasErrorLabel('ResetPool');
}
