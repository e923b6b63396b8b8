// Bearer token authentication (RFC 6750): the access token comes only from the Authorization
// header, never from the query string or the body.
import type { Middleware } from 'koa';
import { InvalidTokenError } from '../auth/errors.ts';
import type { AccessTokenVerifier } from '../auth/verifier.ts';
import { ProblemError } from '../problem.ts';
import type { ServiceState } from './state.ts';

// RFC 6750 section 2.1: b64token.
const bearerPattern = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;

/** Verifies the bearer token and stores the caller in `ctx.state.caller`. */
export function authenticate(verifier: AccessTokenVerifier): Middleware<ServiceState> {
  return async (ctx, next) => {
    ctx.state.caller = await verifier.verify(readBearerToken(ctx.get('Authorization')));
    await next();
  };
}

function readBearerToken(header: string): string {
  const scheme = header.trim().split(' ', 1)[0] ?? '';
  if (header.trim() === '' || scheme.toLowerCase() !== 'bearer') {
    // RFC 6750 section 3.1: a request without credentials gets a challenge with no error code.
    const received = header.trim() === '' ? 'is missing' : `uses the "${scheme}" scheme`;
    throw new ProblemError(
      'missing-token',
      `The Authorization header ${received}; send "Authorization: Bearer {access token}".`,
      { headers: { 'WWW-Authenticate': 'Bearer' } },
    );
  }
  const match = bearerPattern.exec(header.trim());
  if (match === null) {
    throw new InvalidTokenError('malformed');
  }
  return match[1]!;
}
