// Turns what the Okta SDK throws into ProviderErrors: Okta API errors (`errorCode`,
// `errorSummary`, `errorCauses`), OAuth errors of the token endpoint, plain HTTP errors and
// network failures. Every message and cause passes through the client's redaction first.
import { ProviderError, type ProviderErrorCode } from '../../engine/provider.ts';
import type { OktaClient, TokenEndpointError } from './client.ts';

/** The fields of the SDK's `OktaApiError` and `HttpError` that classification reads. */
interface SdkHttpError {
  readonly status: number;
  readonly errorCode?: string | number;
  readonly errorSummary?: string;
  readonly errorCauses?: ReadonlyArray<{ errorSummary?: string }>;
  readonly errorId?: string;
  readonly url?: string;
  readonly headers?: { get(name: string): string | null };
}

/** node-fetch's `FetchError`: `type` is `request-timeout`, `system` and so on. */
interface FetchFailure {
  readonly name: 'FetchError';
  readonly type?: string;
  readonly code?: string;
  readonly message: string;
}

function isHttpError(error: unknown): error is SdkHttpError & Error {
  return (
    error instanceof Error &&
    typeof (error as Partial<SdkHttpError>).status === 'number' &&
    (error.name === 'OktaApiError' || error.name === 'HttpError')
  );
}

function isFetchFailure(error: unknown): error is FetchFailure {
  return error instanceof Error && error.name === 'FetchError';
}

// Okta error codes whose meaning the HTTP status does not tell.
const codesByErrorCode: Readonly<Record<string, ProviderErrorCode>> = {
  E0000001: 'INVALID',
  E0000003: 'INVALID',
  E0000004: 'UNAUTHORIZED',
  E0000005: 'UNAUTHORIZED',
  E0000006: 'FORBIDDEN',
  E0000007: 'NOT_FOUND',
  E0000011: 'UNAUTHORIZED',
  E0000031: 'INVALID',
  E0000047: 'THROTTLED',
  // Deleting an app that is still active: the provider deactivates first, so this means the app
  // was reactivated in between, and the delete can simply run again.
  E0000056: 'CONFLICT',
};

function codeOfStatus(status: number): ProviderErrorCode {
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 403) return 'FORBIDDEN';
  if (status === 404) return 'NOT_FOUND';
  if (status === 409) return 'CONFLICT';
  if (status === 429) return 'THROTTLED';
  if (status === 408 || status === 504) return 'TIMEOUT';
  if (status >= 500) return 'UNAVAILABLE';
  return 'INVALID';
}

/**
 * Milliseconds until the rate-limit window resets: `X-Rate-Limit-Reset` (epoch seconds) minus
 * the response's own `Date`, so the local clock's skew does not matter. `now` is the fallback
 * when the response has no `Date`.
 */
export function retryAfterMs(
  headers: SdkHttpError['headers'],
  now: () => Date,
): number | undefined {
  const reset = Number(headers?.get('x-rate-limit-reset'));
  if (!Number.isFinite(reset) || reset <= 0) {
    return undefined;
  }
  const dateHeader = headers?.get('date');
  const serverNow = dateHeader ? Date.parse(dateHeader) : Number.NaN;
  const reference = Number.isNaN(serverNow) ? now().getTime() : serverNow;
  return Math.max(0, reset * 1000 - reference);
}

function causesText(error: SdkHttpError): string {
  const causes = (error.errorCauses ?? [])
    .map((cause) => cause.errorSummary)
    .filter((summary): summary is string => typeof summary === 'string' && summary !== '');
  if (causes.length === 0) {
    return '';
  }
  const text = causes.map((cause) => cause.replace(/\.$/, '')).join('; ');
  return ` Causes: ${text}.`;
}

// Next steps by error code. Each names the fix and never a credential.
const advice: Partial<Record<ProviderErrorCode, string>> = {
  INVALID: 'Fix the value in the okta section of the config and run again.',
  UNAUTHORIZED:
    'Check that the API token is valid and not expired, or that the service app still has the public key of this private key.',
  FORBIDDEN:
    'Give the API token an admin role that may manage apps, or grant the missing scope to the service app (Okta API Scopes tab) and request it.',
  NOT_FOUND: 'The object may have been deleted outside this tool; run the plan again.',
};

function tokenEndpointError(
  error: SdkHttpError,
  body: TokenEndpointError | undefined,
  action: string,
) {
  const reason = body?.error_description ?? body?.error ?? `HTTP ${error.status}`;
  const code: ProviderErrorCode = body?.error === 'invalid_scope' ? 'FORBIDDEN' : 'UNAUTHORIZED';
  const fix =
    code === 'FORBIDDEN'
      ? 'Grant these scopes to the service app in Okta (Okta API Scopes tab), or remove them from scopes.'
      : 'Check clientId, that the private key matches a public key of the service app, and keyId when the app has several keys.';
  return {
    code,
    vendorCode: body?.error,
    message: `Okta did not issue an access token to the service app while trying to ${action}: ${reason}. ${fix}`,
  };
}

function httpErrorParts(
  error: SdkHttpError,
  tokenError: TokenEndpointError | undefined,
  action: string,
  now: () => Date,
): { code: ProviderErrorCode; vendorCode?: string; message: string; retryAfterMs?: number } {
  // SDK 8.1.0 does not check the token response: its OAuth class calls `Http.errorFilter` on the
  // module instead of the class, where it is undefined. A failed token request therefore shows up
  // only as a 401 of the API call that used the token, which it sends as `Bearer undefined`.
  if (error.url?.endsWith('/oauth2/v1/token') || (tokenError && error.status === 401)) {
    return tokenEndpointError(error, tokenError, action);
  }
  const vendorCode = error.errorCode === undefined ? undefined : String(error.errorCode);
  const code = (vendorCode && codesByErrorCode[vendorCode]) || codeOfStatus(error.status);
  const summary = error.errorSummary
    ? `${vendorCode} ${error.errorSummary}`
    : `HTTP ${error.status}`;
  if (code === 'THROTTLED') {
    const delay = retryAfterMs(error.headers, now);
    const wait = delay === undefined ? '' : ` The limit resets in ${Math.ceil(delay / 1000)} s.`;
    return {
      code,
      vendorCode,
      retryAfterMs: delay,
      message: `Okta's rate limit was reached while trying to ${action} (${summary}).${wait}`,
    };
  }
  const scope = /scope="([^"]+)"/.exec(error.headers?.get('www-authenticate') ?? '')?.[1];
  const missing = scope ? ` The access token lacks the scope ${scope}.` : '';
  const next = advice[code] ? ` ${advice[code]}` : '';
  return {
    code,
    vendorCode,
    message: `Okta failed to ${action}: ${summary}.${causesText(error)}${missing}${next}`,
  };
}

// A copy of the SDK error without anything that could hold a credential, to keep as `cause`.
function sanitizedCause(error: Error, client: OktaClient): Error {
  const copy = new Error(client.redact(error.message));
  copy.name = error.name;
  const source = error as Partial<SdkHttpError & FetchFailure>;
  Object.assign(copy, {
    status: source.status,
    errorCode: source.errorCode,
    errorId: source.errorId,
    url: source.url,
    type: source.type,
    code: source.code,
  });
  return copy;
}

/**
 * Wraps what an SDK call threw, naming the action (`create app "Hello World (SPA)"
 * (okta.apps.spa)`). ProviderErrors pass through unchanged. `tokenError` is the OAuth error body
 * of the token endpoint, when that is what failed.
 */
export function toProviderError(
  error: unknown,
  client: OktaClient,
  action: string,
  now: () => Date,
  tokenError?: TokenEndpointError,
): Error {
  if (error instanceof ProviderError) {
    return error;
  }
  if (isHttpError(error)) {
    const parts = httpErrorParts(error, tokenError, action, now);
    return new ProviderError(parts.code, client.redact(parts.message), {
      vendorCode: parts.vendorCode,
      retryAfterMs: parts.retryAfterMs,
      cause: sanitizedCause(error, client),
    });
  }
  if (isFetchFailure(error)) {
    const code: ProviderErrorCode =
      error.type === 'request-timeout' || error.type === 'body-timeout' ? 'TIMEOUT' : 'UNAVAILABLE';
    return new ProviderError(
      code,
      client.redact(`Okta could not be reached while trying to ${action}: ${error.message}`),
      { vendorCode: error.code, cause: sanitizedCause(error, client) },
    );
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/Unable to convert private key|Key type .* is not supported/.test(message)) {
    return new ProviderError(
      'INVALID',
      client.redact(
        `The Okta private key could not be read while trying to ${action}: ${message}. Give an unencrypted PEM (PKCS#1 or PKCS#8) or a private JWK.`,
      ),
      { cause: error instanceof Error ? sanitizedCause(error, client) : undefined },
    );
  }
  const cause = error instanceof Error ? sanitizedCause(error, client) : undefined;
  return new Error(client.redact(`Failed to ${action}: ${message}`), { cause });
}
