// AWS SDK failures turned into `ProviderError`s: classified by the vendor's error code and HTTP
// status, with the operation and resource in the message and every credential stripped from it.
import { ProviderError } from '../../engine/provider.ts';
import type { ProviderErrorCode } from '../../engine/provider.ts';

const throttlingCodes = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);

const unavailableCodes = new Set([
  'ServiceFailure',
  'ServiceException',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'InternalFailure',
  'InternalError',
  'InternalErrorException',
  'InternalServerError',
  'InternalServerException',
  'InternalServiceError',
]);

const conflictCodes = new Set([
  'ResourceConflictException',
  'ConcurrentModification',
  'ConcurrentModificationException',
  'OperationAbortedException',
  'DeleteConflict',
  'EntityAlreadyExists',
  'ResourceAlreadyExistsException',
  'DuplicateRecordException',
  'ResourceExistsException',
  'ConflictException',
]);

const notFoundCodes = new Set(['NoSuchEntity', 'ResourceNotFoundException', 'NotFoundException']);

const forbiddenCodes = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'UnauthorizedOperation',
  'AuthorizationError',
]);

const unauthorizedCodes = new Set([
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'SignatureDoesNotMatch',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidAccessKeyId',
  'CredentialsProviderError',
]);

const networkCodes = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);

interface SdkErrorShape {
  name?: string;
  message?: string;
  /** The awsQuery error code (`NoSuchEntity`), where `name` is the modelled shape name. */
  Code?: string;
  /** A Node.js network error code, such as `ECONNRESET`. */
  code?: string;
  $fault?: 'client' | 'server';
  $metadata?: { httpStatusCode?: number; requestId?: string };
  retryAfterSeconds?: string;
  $response?: { headers?: Record<string, string> };
}

/**
 * Removes AWS credentials from a text: access key ids, the secret key and session token this
 * provider was given, and the SigV4 fields that carry them.
 */
export function stripCredentials(text: string, secrets: readonly string[] = []): string {
  let output = text;
  for (const secret of secrets) {
    if (secret.length >= 8) {
      output = output.split(secret).join('***');
    }
  }
  return output
    .replace(/\b(AKIA|ASIA|AIDA|AROA)[A-Z0-9]{16}\b/g, '$1***')
    .replace(
      /(X-Amz-Security-Token|X-Amz-Credential|X-Amz-Signature|Signature|Credential)=[^\s&,]+/gi,
      '$1=***',
    )
    .replace(
      /(?<![A-Za-z0-9/+=])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g,
      '***',
    );
}

function classify(
  service: string,
  code: string,
  status: number | undefined,
  fault: string | undefined,
): ProviderErrorCode {
  if (throttlingCodes.has(code) || (service === 'ce' && code === 'LimitExceededException')) {
    return 'THROTTLED';
  }
  if (status === 429) {
    return 'THROTTLED';
  }
  if (unavailableCodes.has(code) || (status !== undefined && status >= 500) || fault === 'server') {
    return 'UNAVAILABLE';
  }
  if (notFoundCodes.has(code)) {
    return 'NOT_FOUND';
  }
  if (conflictCodes.has(code)) {
    return 'CONFLICT';
  }
  if (forbiddenCodes.has(code)) {
    return 'FORBIDDEN';
  }
  if (unauthorizedCodes.has(code)) {
    return 'UNAUTHORIZED';
  }
  if (networkCodes.has(code)) {
    return 'UNAVAILABLE';
  }
  if (code === 'TimeoutError' || code === 'ETIMEDOUT' || code === 'RequestTimeout') {
    return 'TIMEOUT';
  }
  return 'INVALID';
}

const advice: Partial<Record<ProviderErrorCode, string>> = {
  FORBIDDEN: 'Check that the role this run uses allows the action on this resource.',
  UNAUTHORIZED: 'Check the AWS credentials of this run: they are missing, invalid or expired.',
  UNAVAILABLE: 'AWS did not complete the call; it is retried.',
  THROTTLED: 'AWS throttled the call; it is retried after a delay.',
};

/**
 * Converts a failed AWS call into a `ProviderError` naming the operation and resource. The cause is
 * a copy of the SDK error with credentials stripped, so logging the cause chain is safe too.
 */
export function toProviderError(
  error: unknown,
  operation: string,
  target: string,
  secrets: readonly string[] = [],
): ProviderError {
  if (error instanceof ProviderError) {
    return error;
  }
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const service = operation.split(':')[0] ?? '';
  const networkCode =
    typeof shape.code === 'string' && networkCodes.has(shape.code) ? shape.code : undefined;
  const vendorCode =
    networkCode ??
    (typeof shape.Code === 'string' ? shape.Code : undefined) ??
    shape.name ??
    'Error';
  const status = shape.$metadata?.httpStatusCode;
  const rawMessage =
    typeof shape.message === 'string' && shape.message !== '' ? shape.message : String(error);
  const message = stripCredentials(rawMessage, secrets);
  const code = classify(service, vendorCode, status, shape.$fault);

  const retryAfterSeconds = Number(
    shape.retryAfterSeconds ?? shape.$response?.headers?.['retry-after'],
  );
  const retryAfterMs =
    Number.isFinite(retryAfterSeconds) && retryAfterSeconds > 0
      ? retryAfterSeconds * 1000
      : undefined;

  const cause = new Error(message);
  cause.name = vendorCode;
  Object.assign(cause, { $metadata: shape.$metadata, $fault: shape.$fault });

  const hint = advice[code];
  return new ProviderError(
    code,
    `${operation} on ${target} failed: ${vendorCode}: ${message}${hint === undefined ? '' : ` ${hint}`}`,
    { vendorCode, retryAfterMs, cause },
  );
}

export function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.code === 'NOT_FOUND';
}

export function hasVendorCode(error: unknown, ...codes: string[]): boolean {
  return (
    error instanceof ProviderError &&
    error.vendorCode !== undefined &&
    codes.includes(error.vendorCode)
  );
}
