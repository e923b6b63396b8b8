// Why a request's credentials were not accepted. The HTTP layer turns these into 401, 403 and 503.

/** Why an access token was rejected; each reason has a fixed message safe to send to clients. */
export type TokenRejection =
  | 'malformed'
  | 'algorithm-not-allowed'
  | 'bad-signature'
  | 'unknown-key'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'id-token'
  | 'missing-claim';

const rejectionMessages: Record<TokenRejection, string> = {
  malformed: 'The access token is not a well-formed signed JWT.',
  'algorithm-not-allowed': 'The access token is not signed with RS256.',
  'bad-signature': 'The access token signature is invalid.',
  'unknown-key': 'No signing key of the issuer matches the access token kid.',
  expired: 'The access token expired.',
  'not-yet-valid': 'The access token is not valid yet.',
  'wrong-issuer': 'The access token was issued by another issuer.',
  'wrong-audience': 'The access token was issued for another audience.',
  'id-token': 'The token is an ID token; send the access token instead.',
  'missing-claim': 'The access token lacks a required claim (sub, cid, scp, exp or iat).',
};

/** Raised when a bearer token is not a valid access token of the configured issuer. */
export class InvalidTokenError extends Error {
  readonly code = 'ERR_INVALID_TOKEN';
  readonly reason: TokenRejection;

  constructor(reason: TokenRejection, options?: { cause?: unknown }) {
    super(rejectionMessages[reason], options);
    this.name = 'InvalidTokenError';
    this.reason = reason;
  }
}

/** Raised when a valid token was issued to a client outside OKTA_ALLOWED_CLIENT_IDS. */
export class ClientNotAllowedError extends Error {
  readonly code = 'ERR_CLIENT_NOT_ALLOWED';
  readonly clientId: string;

  constructor(clientId: string) {
    super(`client "${clientId}" may not call this API`);
    this.name = 'ClientNotAllowedError';
    this.clientId = clientId;
  }
}

/** Raised when the issuer metadata or its JWKS cannot be fetched, so no token can be checked. */
export class IdentityProviderUnavailableError extends Error {
  readonly code = 'ERR_IDENTITY_PROVIDER_UNAVAILABLE';
  /** Time until the next fetch attempt, in whole seconds (at least 1). */
  readonly retryAfterSeconds: number;

  constructor(message: string, retryAfterMs: number, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IdentityProviderUnavailableError';
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  }
}
