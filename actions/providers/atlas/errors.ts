import { ProviderError, type ProviderErrorCode } from '../../engine/provider.ts';

/** The error body Atlas sends with every failed Administration API call. */
export interface AtlasErrorBody {
  detail?: string;
  error?: number;
  errorCode?: string;
  parameters?: unknown[];
  reason?: string;
}

// Atlas reuses HTTP statuses across unrelated failures (a duplicate cluster name is a 400, like
// a malformed body), so the errorCode decides first and the status is only the fallback.
const codesByErrorCode: Readonly<Record<string, ProviderErrorCode>> = {
  RATE_LIMITED: 'THROTTLED',
  DUPLICATE_CLUSTER_NAME: 'CONFLICT',
  GROUP_ALREADY_EXISTS: 'CONFLICT',
  USER_ALREADY_EXISTS: 'CONFLICT',
  CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS: 'CONFLICT',
  CLUSTER_ALREADY_REQUESTED_DELETION: 'CONFLICT',
  CLUSTER_NOT_FOUND: 'NOT_FOUND',
  GROUP_NOT_FOUND: 'NOT_FOUND',
  GROUP_NAME_NOT_FOUND: 'NOT_FOUND',
  RESOURCE_NOT_FOUND: 'NOT_FOUND',
  USERNAME_NOT_FOUND: 'NOT_FOUND',
  ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND: 'NOT_FOUND',
  ORG_NOT_FOUND: 'NOT_FOUND',
  VALIDATION_ERROR: 'INVALID',
  INVALID_ATTRIBUTE: 'INVALID',
  INVALID_JSON: 'INVALID',
  INVALID_VERSION_DATE: 'INVALID',
  NO_PAYMENT_INFORMATION_FOUND: 'FORBIDDEN',
  UNEXPECTED_ERROR: 'UNAVAILABLE',
  SERVICE_UNAVAILABLE: 'UNAVAILABLE',
};

function codeOfStatus(status: number): ProviderErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 402 || status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'THROTTLED';
  if (status === 408 || status === 504) return 'TIMEOUT';
  if (status >= 500) return 'UNAVAILABLE';
  return 'INVALID';
}

/** The provider error code for an Atlas error, by `errorCode` first and HTTP status second. */
export function classifyAtlasError(
  status: number,
  errorCode: string | undefined,
): ProviderErrorCode {
  const known = errorCode === undefined ? undefined : codesByErrorCode[errorCode];
  if (known !== undefined) return known;
  if (errorCode?.endsWith('_NOT_FOUND') && status === 404) return 'NOT_FOUND';
  if (errorCode?.startsWith('INVALID_') && status === 400) return 'INVALID';
  return codeOfStatus(status);
}

/**
 * Reads `Retry-After` (seconds or an HTTP date) in milliseconds, or undefined when absent or
 * unreadable. `now` is the caller's clock so a frozen test clock gives a stable delay.
 */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.round(seconds * 1000);
  const date = Date.parse(value);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Parses an Atlas error body, or returns an empty one when the body is not Atlas's JSON. */
export function parseAtlasErrorBody(text: string): AtlasErrorBody {
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)) {
      return parsed;
    }
  } catch {
    // Proxies and load balancers answer with HTML; the status still classifies the failure.
  }
  return {};
}

/** Whether `error` is an Atlas "not found" for the resource itself. */
export function isNotFound(error: unknown): boolean {
  return error instanceof ProviderError && error.code === 'NOT_FOUND';
}

/**
 * Whether the outcome of a write is unknown: the request may have reached Atlas and been
 * applied even though no response arrived, so the caller must read back before retrying.
 */
export function isOutcomeUnknown(error: unknown): boolean {
  return (
    error instanceof ProviderError &&
    (error.code === 'UNAVAILABLE' || error.code === 'TIMEOUT') &&
    error.vendorCode === undefined
  );
}
