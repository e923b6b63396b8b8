// `POST /oauth2/v1/token` of the org authorization server, for service apps only: the
// client_credentials grant with a private_key_jwt client assertion, as the Okta SDK sends it.
// The assertion's signature is checked against the app's registered public keys, and the token
// carries the requested scopes if the app was granted all of them. The `DPoP` header that the SDK
// adds is ignored, as Okta does for apps that do not require DPoP-bound tokens.
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { Org, Route, StandInResponse } from './routing.ts';

const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
/** Lifetime of an issued access token, in seconds (Okta's is one hour). */
export const accessTokenLifetime = 3600;

function oauthError(status: number, error: string, description: string): StandInResponse {
  return {
    status,
    body: { error, error_description: description },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

async function issueToken(form: URLSearchParams, org: Org, base: string): Promise<StandInResponse> {
  if (form.get('grant_type') !== 'client_credentials') {
    return oauthError(
      400,
      'unsupported_grant_type',
      `The authorization grant type is not supported by the authorization server: ${form.get('grant_type') ?? '(none)'}.`,
    );
  }
  const assertion = form.get('client_assertion');
  if (form.get('client_assertion_type') !== assertionType || !assertion) {
    return oauthError(401, 'invalid_client', 'A client_assertion of type jwt-bearer is required.');
  }

  let clientId: string | undefined;
  try {
    decodeProtectedHeader(assertion);
    clientId = decodeJwt(assertion).iss;
  } catch {
    return oauthError(401, 'invalid_client', 'The client_assertion is not a valid JWT.');
  }
  const app = org.state.serviceApps.find((candidate) => candidate.clientId === clientId);
  if (!clientId || !app) {
    return oauthError(401, 'invalid_client', 'The client_assertion names an unknown client.');
  }
  const requestedClientId = form.get('client_id');
  if (requestedClientId !== null && requestedClientId !== clientId) {
    return oauthError(401, 'invalid_client', 'client_id does not match the client_assertion.');
  }

  let jti: string | undefined;
  try {
    const { payload } = await jwtVerify(assertion, createLocalJWKSet({ keys: [...app.keys] }), {
      issuer: clientId,
      subject: clientId,
      audience: `${base}/oauth2/v1/token`,
      currentDate: org.now(),
      requiredClaims: ['exp'],
    });
    jti = payload.jti;
  } catch (error) {
    const description =
      error instanceof errors.JWTExpired
        ? 'The client_assertion token is expired.'
        : error instanceof errors.JWTClaimValidationFailed
          ? `The client_assertion claim "${error.claim}" is invalid.`
          : 'The client_assertion signature is invalid.';
    return oauthError(401, 'invalid_client', description);
  }
  if (jti !== undefined) {
    if (org.usedAssertionIds.has(jti)) {
      return oauthError(401, 'invalid_client', 'The client_assertion token has already been used.');
    }
    org.usedAssertionIds.add(jti);
  }

  const scopes = (form.get('scope') ?? '').split(' ').filter((scope) => scope !== '');
  if (scopes.length === 0) {
    return oauthError(400, 'invalid_scope', 'The scope parameter is required.');
  }
  const notGranted = scopes.filter((scope) => !app.scopes.includes(scope));
  if (notGranted.length > 0) {
    return oauthError(
      400,
      'invalid_scope',
      `The following scopes are not granted to the client: ${notGranted.join(' ')}.`,
    );
  }

  const accessToken = org.ids.next('', 64);
  org.accessTokens.set(accessToken, {
    clientId,
    scopes,
    expiresAt: org.now().getTime() + accessTokenLifetime * 1000,
  });
  return {
    status: 200,
    body: {
      token_type: 'Bearer',
      expires_in: accessTokenLifetime,
      access_token: accessToken,
      scope: scopes.join(' '),
    },
    headers: { 'cache-control': 'no-store', pragma: 'no-cache' },
  };
}

export const oauthRoutes: readonly Route[] = [
  {
    method: 'POST',
    pattern: /^\/oauth2\/v1\/token$/,
    handle(request, org) {
      return issueToken(request.form ?? new URLSearchParams(), org, request.base);
    },
  },
];
