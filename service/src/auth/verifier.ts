// Okta access token verification with jose: RS256 only, issuer and audience exact, keys from the
// JWKS that the issuer metadata names, never from the token.
import type { JWTPayload, JWTVerifyGetKey } from 'jose';
import { createLocalJWKSet, createRemoteJWKSet, customFetch, errors, jwtVerify } from 'jose';
import {
  ClientNotAllowedError,
  IdentityProviderUnavailableError,
  InvalidTokenError,
} from './errors.ts';
import type { IssuerMetadata } from './issuer-metadata.ts';
import { createIssuerMetadataLoader } from './issuer-metadata.ts';

/** The caller, as a verified access token describes it. */
export interface AccessToken {
  /** `sub`: the user's login for user tokens, the client id for client-credentials tokens. */
  subject: string;
  /** `cid`: the OAuth client that requested the token. */
  clientId: string;
  /** `uid`: the Okta user id; absent in client-credentials tokens. */
  userId: string | undefined;
  /** `scp`, sorted. */
  scopes: string[];
}

export interface AccessTokenVerifier {
  /**
   * Verifies `token` and returns its caller. Throws `InvalidTokenError`, `ClientNotAllowedError`,
   * or `IdentityProviderUnavailableError` when the keys cannot be fetched.
   */
  verify(token: string): Promise<AccessToken>;
  /** Fetches the issuer metadata and the JWKS ahead of the first request. */
  prime(): Promise<void>;
  /** Returns the issuer metadata, fetching it on first use. */
  metadata(): Promise<IssuerMetadata>;
}

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** Leeway for `exp` and `nbf`, in seconds, from 0 to 300. */
  clockToleranceSeconds: number;
  /** Client ids (`cid`) allowed to call; empty allows every client. */
  allowedClientIds: readonly string[];
  /** Minimum time between two JWKS downloads caused by an unknown `kid`, in ms. */
  jwksCooldownMs: number;
  /** Age after which the JWKS is downloaded again, in ms. */
  jwksCacheMaxAgeMs: number;
  /** Maximum time of one metadata or JWKS request, in ms. */
  httpTimeoutMs: number;
  /** Time after a failed metadata or JWKS fetch during which no new fetch starts, in ms. */
  failureBackoffMs?: number;
  fetch?: typeof fetch;
  now?: () => Date;
}

const maxClockToleranceSeconds = 300;

/** Creates the verifier. Call it once per process: it owns the process's JWKS cache. */
export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const tolerance = options.clockToleranceSeconds;
  if (!Number.isInteger(tolerance) || tolerance < 0 || tolerance > maxClockToleranceSeconds) {
    throw new RangeError(
      `clockToleranceSeconds must be an integer from 0 to ${maxClockToleranceSeconds} (got ${tolerance})`,
    );
  }
  const now = options.now ?? (() => new Date());
  const failureBackoffMs = options.failureBackoffMs ?? 5_000;
  const allowed = new Set(options.allowedClientIds);
  const metadata = createIssuerMetadataLoader({
    issuer: options.issuer,
    timeoutMs: options.httpTimeoutMs,
    failureBackoffMs,
    fetch: options.fetch,
    now: () => now().getTime(),
  });
  const keys = createKeyResolver(options, metadata, failureBackoffMs, now);

  const verify = async (token: string): Promise<AccessToken> => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys.resolve, {
        issuer: options.issuer,
        audience: options.audience,
        algorithms: ['RS256'],
        clockTolerance: tolerance,
        currentDate: now(),
        requiredClaims: ['exp', 'iat', 'sub'],
      }));
    } catch (error) {
      throw classifyFailure(error);
    }

    const accessToken = readAccessTokenClaims(payload);
    if (allowed.size > 0 && !allowed.has(accessToken.clientId)) {
      throw new ClientNotAllowedError(accessToken.clientId);
    }
    return accessToken;
  };

  return { verify, prime: keys.prime, metadata };
}

/**
 * Wraps jose's remote JWKS, which is created once the metadata names its URI. jose downloads the
 * set again for an unknown `kid` at most once per `jwksCooldownMs`, counted from the last
 * successful download. After a failed download this wrapper starts no new one for
 * `failureBackoffMs`, and only tokens whose key is in the cached set verify meanwhile.
 *
 * NOTE: a key first seen within a cooldown after a download is rejected until the cooldown ends.
 * Okta publishes new keys weeks before signing with them (developer.okta.com/docs/concepts/
 * key-rotation), so only an emergency rotation can meet this window.
 */
function createKeyResolver(
  options: AccessTokenVerifierOptions,
  metadata: () => Promise<IssuerMetadata>,
  failureBackoffMs: number,
  now: () => Date,
) {
  let remote: ReturnType<typeof createRemoteJWKSet> | undefined;
  let jwksUri = '';
  let failedAt: number | undefined;

  const remoteKeySet = async () => {
    if (remote === undefined) {
      jwksUri = (await metadata()).jwks_uri;
      remote ??= createRemoteJWKSet(new URL(jwksUri), {
        cooldownDuration: options.jwksCooldownMs,
        cacheMaxAge: options.jwksCacheMaxAgeMs,
        timeoutDuration: options.httpTimeoutMs,
        ...(options.fetch === undefined ? {} : { [customFetch]: options.fetch }),
      });
    }
    return remote;
  };

  const resolve: JWTVerifyGetKey = async (header, token) => {
    const keySet = await remoteKeySet();
    const remaining = failedAt === undefined ? 0 : failedAt + failureBackoffMs - now().getTime();
    if (remaining > 0) {
      const cached = keySet.jwks();
      if (cached === undefined || !keySet.fresh) {
        throw new IdentityProviderUnavailableError('the JWKS download failed recently', remaining);
      }
      try {
        return await createLocalJWKSet(cached)(header, token);
      } catch (error) {
        // The key may be a new one that the failed download would have brought.
        throw new IdentityProviderUnavailableError('the JWKS download failed recently', remaining, {
          cause: error,
        });
      }
    }
    try {
      const key = await keySet(header, token);
      failedAt = undefined;
      return key;
    } catch (error) {
      if (
        error instanceof errors.JWKSNoMatchingKey ||
        error instanceof errors.JWKSMultipleMatchingKeys
      ) {
        throw error;
      }
      failedAt = now().getTime();
      throw new IdentityProviderUnavailableError(
        `JWKS download from ${jwksUri} failed`,
        failureBackoffMs,
        { cause: error },
      );
    }
  };

  const prime = async (): Promise<void> => {
    const keySet = await remoteKeySet();
    if (!keySet.fresh) {
      try {
        await keySet.reload();
        failedAt = undefined;
      } catch (error) {
        failedAt = now().getTime();
        throw new IdentityProviderUnavailableError(
          `JWKS download from ${jwksUri} failed`,
          failureBackoffMs,
          { cause: error },
        );
      }
    }
  };

  return { resolve, prime };
}

/** Checks the claims that tell an Okta access token from an ID token and returns the caller. */
function readAccessTokenClaims(payload: JWTPayload): AccessToken {
  // ID tokens carry these; access tokens never do.
  if ('nonce' in payload || 'at_hash' in payload || 'c_hash' in payload) {
    throw new InvalidTokenError('id-token');
  }
  const { sub, cid, uid, scp } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof cid !== 'string' || cid === '') {
    throw new InvalidTokenError('missing-claim');
  }
  if (!Array.isArray(scp) || !scp.every((scope): scope is string => typeof scope === 'string')) {
    throw new InvalidTokenError('missing-claim');
  }
  return {
    subject: sub,
    clientId: cid,
    userId: typeof uid === 'string' ? uid : undefined,
    scopes: [...scp].sort(),
  };
}

function classifyFailure(error: unknown): Error {
  if (
    error instanceof IdentityProviderUnavailableError ||
    error instanceof InvalidTokenError ||
    error instanceof ClientNotAllowedError
  ) {
    return error;
  }
  if (error instanceof errors.JWTExpired) {
    return new InvalidTokenError('expired', { cause: error });
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return new InvalidTokenError(claimRejection(error), { cause: error });
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new InvalidTokenError('algorithm-not-allowed', { cause: error });
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidTokenError('bad-signature', { cause: error });
  }
  if (
    error instanceof errors.JWKSNoMatchingKey ||
    error instanceof errors.JWKSMultipleMatchingKeys
  ) {
    return new InvalidTokenError('unknown-key', { cause: error });
  }
  if (error instanceof errors.JOSEError) {
    // JWSInvalid, JWTInvalid, JOSENotSupported: the token cannot be parsed or has a bad header.
    return new InvalidTokenError('malformed', { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}

function claimRejection(error: InstanceType<typeof errors.JWTClaimValidationFailed>) {
  switch (error.claim) {
    case 'nbf':
      return 'not-yet-valid' as const;
    case 'iss':
      return 'wrong-issuer' as const;
    case 'aud':
      return 'wrong-audience' as const;
    default:
      return error.reason === 'missing' ? ('missing-claim' as const) : ('malformed' as const);
  }
}
