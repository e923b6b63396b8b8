// Server errors as mongod reports them: a numeric `code`, its `codeName` and an `errmsg`. The
// driver branches on the code (and on labels such as `RetryableWriteError`), so the codes are the
// real ones from the server's error_codes.yml.
import type { Document } from 'bson';

/** Error codes the stand-in raises or lets a fault switch raise, by the server's own names. */
export const ErrorCodes = {
  InternalError: 1,
  BadValue: 2,
  HostUnreachable: 6,
  HostNotFound: 7,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  PathNotViable: 28,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  CommandNotFound: 59,
  StaleShardVersion: 63,
  ImmutableField: 66,
  CannotCreateIndex: 67,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  NetworkTimeout: 89,
  ShutdownInProgress: 91,
  WriteConflict: 112,
  CommandNotSupported: 115,
  ReadConcernMajorityNotAvailableYet: 134,
  StaleEpoch: 150,
  CannotIndexParallelArrays: 171,
  PrimarySteppedDown: 189,
  InvalidIndexSpecificationOption: 197,
  TransactionTooOld: 225,
  NoSuchTransaction: 251,
  ExceededTimeLimit: 262,
  OperationNotSupportedInTransaction: 263,
  UnsupportedOpQueryCommand: 352,
  SocketException: 9001,
  NotWritablePrimary: 10107,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  InterruptedAtShutdown: 11600,
  InterruptedDueToReplStateChange: 11602,
  NotPrimaryNoSecondaryOk: 13435,
  NotPrimaryOrSecondary: 13436,
  UnknownBsonField: 40415,
  UnrecognizedPipelineStage: 40324,
} as const;

// Codes without a name in error_codes.yml are reported as `Location<code>`, like mongod does.
const unnamedCodes = new Set<number>([
  ErrorCodes.UnknownBsonField,
  ErrorCodes.UnrecognizedPipelineStage,
]);

const codeNames = new Map<number, string>(
  Object.entries(ErrorCodes).map(([name, code]) => [
    code,
    unnamedCodes.has(code) ? `Location${code}` : name,
  ]),
);

/** Returns mongod's `codeName` for `code`, or `Location{code}` for a code without a name. */
export function codeNameOf(code: number): string {
  return codeNames.get(code) ?? `Location${code}`;
}

/**
 * Codes after which the driver retries a retryable write, and for which mongod adds the
 * `RetryableWriteError` label when the failed command was a retryable write (wire version 9+).
 */
export const retryableWriteCodes: ReadonlySet<number> = new Set([
  ErrorCodes.HostUnreachable,
  ErrorCodes.HostNotFound,
  ErrorCodes.NetworkTimeout,
  ErrorCodes.ShutdownInProgress,
  ErrorCodes.PrimarySteppedDown,
  ErrorCodes.ExceededTimeLimit,
  ErrorCodes.SocketException,
  ErrorCodes.NotWritablePrimary,
  ErrorCodes.InterruptedAtShutdown,
  ErrorCodes.InterruptedDueToReplStateChange,
  ErrorCodes.NotPrimaryNoSecondaryOk,
  ErrorCodes.NotPrimaryOrSecondary,
  ErrorCodes.StaleShardVersion,
  ErrorCodes.StaleEpoch,
  ErrorCodes.ReadConcernMajorityNotAvailableYet,
]);

/**
 * A command failure: becomes `{ ok: 0, errmsg, code, codeName, ...extra }` in the reply. `extra`
 * carries fields such as `keyPattern`/`keyValue` (duplicate keys) or `errorLabels`.
 */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly extra: Document;

  constructor(code: number, errmsg: string, extra: Document = {}) {
    super(errmsg);
    this.name = 'CommandError';
    this.code = code;
    this.codeName = codeNameOf(code);
    this.extra = extra;
  }

  /** Builds the reply document mongod sends for this failure. */
  toReply(): Document {
    return { ok: 0, errmsg: this.message, code: this.code, codeName: this.codeName, ...this.extra };
  }

  /** Builds the entry of a `writeErrors` array, where mongod omits `codeName`. */
  toWriteError(index: number): Document {
    return { index, code: this.code, errmsg: this.message, ...this.extra };
  }
}

/** Raises `BSON field '{path}' is the wrong type '{actual}', expected type '{expected}'` (14). */
export function wrongType(path: string, value: unknown, expected: string): CommandError {
  return new CommandError(
    ErrorCodes.TypeMismatch,
    `BSON field '${path}' is the wrong type '${bsonTypeName(value)}', expected type '${expected}'`,
  );
}

/** Returns the BSON type alias mongod prints for a deserialized value (`$type` names). */
export function bsonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'bool';
  if (typeof value === 'number') return Number.isInteger(value) ? 'int' : 'double';
  if (typeof value === 'bigint') return 'long';
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  const bsontype = (value as { _bsontype?: string })._bsontype;
  switch (bsontype) {
    case 'ObjectId':
      return 'objectId';
    case 'Long':
      return 'long';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Decimal128':
      return 'decimal';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'Code':
      return 'javascript';
    case undefined:
      return 'object';
    default:
      return bsontype.toLowerCase();
  }
}
