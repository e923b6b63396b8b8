import { randomBytes } from 'node:crypto';
import { importJWK, SignJWT } from 'jose';
import type { SigningJwk } from './keys.ts';

/** The claims of an access token from an Okta custom authorization server, in Okta's order. */
export interface OktaAccessTokenClaims {
  ver: 1;
  jti: string;
  iss: string;
  aud: string;
  iat: number;
  exp: number;
  /** Client id of the app that requested the token. */
  cid: string;
  /** Okta user id. */
  uid: string;
  /** Granted scopes. */
  scp: string[];
  /** When the user signed in, epoch seconds; absent for minted tokens without a sign-in. */
  auth_time?: number;
  /** The user's login. */
  sub: string;
}

/** The fields that vary between access tokens; the rest comes from the authorization server. */
export interface AccessTokenInput {
  jti: string;
  issuer: string;
  audience: string;
  issuedAt: number;
  expiresAt: number;
  clientId: string;
  userId: string;
  login: string;
  scopes: readonly string[];
  authTime?: number;
}

/**
 * Builds Okta's access token claims. Okta puts the login in `sub` and the user id in `uid`, names
 * the client `cid` and lists scopes as the array `scp`, where RFC 9068 uses `client_id` and a
 * space-separated `scope`.
 */
export function oktaAccessTokenClaims(input: AccessTokenInput): OktaAccessTokenClaims {
  return {
    ver: 1,
    jti: input.jti,
    iss: input.issuer,
    aud: input.audience,
    iat: input.issuedAt,
    exp: input.expiresAt,
    cid: input.clientId,
    uid: input.userId,
    scp: [...input.scopes],
    ...(input.authTime === undefined ? {} : { auth_time: input.authTime }),
    sub: input.login,
  };
}

/** Generates a token id in Okta's `AT.` form. */
export function accessTokenId(): string {
  return `AT.${randomBytes(24).toString('base64url')}`;
}

/** Signs `claims` with `key` as Okta does: RS256 and `kid`, without a `typ` header. */
export async function signAccessToken(
  claims: OktaAccessTokenClaims,
  key: SigningJwk,
): Promise<string> {
  const privateKey = await importJWK(key, 'RS256');
  return new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid })
    .sign(privateKey);
}
