// Okta publishes two metadata documents under each authorization server: the OpenID one and the
// RFC 8414 one. oidc-provider builds only the OpenID one, with a few fields Okta does not send.
// This module trims those fields and derives the RFC 8414 document.
import type { IncomingMessage } from 'node:http';

/** Fields oidc-provider adds that are absent from Okta's metadata. */
const NOT_IN_OKTA = [
  'authorization_response_iss_parameter_supported',
  'claim_types_supported',
  'claims_parameter_supported',
  'request_uri_parameter_supported',
];

/** OpenID fields that Okta leaves out of the RFC 8414 document. */
const OPENID_ONLY = ['userinfo_endpoint', 'id_token_signing_alg_values_supported'];

/** Okta's RFC 8414 document lists the claims of access tokens, not of ID tokens. */
const ACCESS_TOKEN_CLAIMS = ['ver', 'jti', 'iss', 'aud', 'iat', 'exp', 'cid', 'uid', 'scp', 'sub'];

const oauthMetadataRequests = new WeakSet<IncomingMessage>();

/** Marks `req` as a request for the RFC 8414 document, which the OpenID route serves. */
export function markOAuthMetadataRequest(req: IncomingMessage): void {
  oauthMetadataRequests.add(req);
}

/** Rewrites oidc-provider's metadata into the document Okta serves for `req`. */
export function oktaMetadata(
  document: Record<string, unknown>,
  req: IncomingMessage,
): Record<string, unknown> {
  const drop = new Set(NOT_IN_OKTA);
  const oauth = oauthMetadataRequests.has(req);
  if (oauth) for (const field of OPENID_ONLY) drop.add(field);

  const shaped = Object.fromEntries(Object.entries(document).filter(([field]) => !drop.has(field)));
  if (oauth) shaped.claims_supported = ACCESS_TOKEN_CLAIMS;
  return shaped;
}
