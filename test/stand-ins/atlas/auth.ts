// Authentication as Atlas checks it: HTTP Digest (MD5, qop=auth) for API keys, and bearer tokens
// issued by `/api/oauth/token` to service accounts with the client credentials grant.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ApiKey {
  readonly publicKey: string;
  readonly privateKey: string;
}

export interface ServiceAccount {
  readonly clientId: string;
  readonly clientSecret: string;
}

/** Why the stand-in rejected a request's credentials. */
export type AuthFailure =
  | 'NO_CREDENTIALS'
  | 'UNKNOWN_SCHEME'
  | 'INVALID_TOKEN'
  | 'MALFORMED_DIGEST'
  | 'URI_MISMATCH'
  | 'UNKNOWN_USER'
  | 'WRONG_RESPONSE'
  | 'STALE_NONCE'
  | 'REPLAYED_NONCE_COUNT';

/** Who a request authenticated as, for rate limits, or why it failed and the challenge to send. */
export type AuthResult =
  | { ok: true; principal: string }
  | { ok: false; failure: AuthFailure; challenge: string | undefined };

const realm = 'MMS Public API';

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function sameText(left: string, right: string): boolean {
  const a = Buffer.from(left);
  const b = Buffer.from(right);
  return a.length === b.length && timingSafeEqual(a, b);
}

function parseParameters(text: string): Map<string, string> {
  const parameters = new Map<string, string>();
  for (const match of text.matchAll(/([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi)) {
    parameters.set(match[1]!.toLowerCase(), match[2]?.replace(/\\(.)/g, '$1') ?? match[3] ?? '');
  }
  return parameters;
}

/** A nonce the stand-in issued: when, and every nonce count a request has used with it. */
interface IssuedNonce {
  readonly issuedAt: number;
  readonly counts: Set<number>;
}

/** Settings of the stand-in's authentication. */
export interface StandInAuthOptions {
  readonly apiKeys: readonly ApiKey[];
  readonly serviceAccounts: readonly ServiceAccount[];
  /** Clock in milliseconds; token and nonce expiry follow it. */
  readonly now: () => number;
  /** Lifetime of issued access tokens, in seconds. */
  readonly tokenLifetimeSeconds: number;
  /** Time a Digest nonce is accepted after it was issued, in milliseconds. */
  readonly nonceLifetimeMs: number;
  /**
   * `challenge`: every challenge carries a new nonce. `period`: every challenge carries the
   * current nonce until it expires, so concurrent requests share it and must never repeat a
   * nonce count, as with servers that rotate one nonce per period.
   */
  readonly nonceScope: DigestNonceScope;
}

/** Whether each Digest challenge gets its own nonce or all share one until it expires. */
export type DigestNonceScope = 'challenge' | 'period';

/**
 * Checks credentials as Atlas does. A Digest nonce is valid for `nonceLifetimeMs`, and each
 * (nonce, nc) pair is accepted once. As RFC 7616 defines `stale`, it is true only when the
 * response was correct for an expired or unknown nonce, which shows that the key is right.
 * Nonce counts may arrive out of order, as they do from concurrent requests.
 */
export class StandInAuth {
  private readonly nonces = new Map<string, IssuedNonce>();
  /** The nonce that challenges carry while `nonceScope` is `period`. */
  private periodNonce: string | undefined;
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  /** Token requests answered, so tests can assert that a token was cached. */
  tokenRequests = 0;

  constructor(private readonly options: StandInAuthOptions) {}

  /** Returns a `WWW-Authenticate` Digest challenge, with `stale=true` when `stale` is set. */
  challenge(stale = false): string {
    this.forgetExpiredNonces();
    let nonce = this.options.nonceScope === 'period' ? this.periodNonce : undefined;
    if (nonce === undefined || !this.nonces.has(nonce)) {
      nonce = randomBytes(24).toString('base64');
      this.nonces.set(nonce, { issuedAt: this.options.now(), counts: new Set() });
      this.periodNonce = nonce;
    }
    return `Digest realm="${realm}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
  }

  /** Checks the `Authorization` header of an API request to `requestTarget` (path and query). */
  authenticate(method: string, requestTarget: string, header: string | undefined): AuthResult {
    if (header === undefined) return this.reject('NO_CREDENTIALS');
    const [scheme, ...rest] = header.trim().split(/\s+/);
    const credentials = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer') return this.checkBearer(credentials);
    if (scheme?.toLowerCase() === 'digest') {
      return this.checkDigest(method, requestTarget, credentials);
    }
    return this.reject('UNKNOWN_SCHEME');
  }

  private reject(failure: AuthFailure, stale = false): AuthResult {
    return { ok: false, failure, challenge: this.challenge(stale) };
  }

  private checkBearer(token: string): AuthResult {
    const issued = this.tokens.get(token);
    if (issued === undefined || this.options.now() >= issued.expiresAt) {
      return { ok: false, failure: 'INVALID_TOKEN', challenge: undefined };
    }
    return { ok: true, principal: issued.clientId };
  }

  private checkDigest(method: string, requestTarget: string, text: string): AuthResult {
    const parameters = parseParameters(text);
    const username = parameters.get('username') ?? '';
    const nonce = parameters.get('nonce') ?? '';
    const uri = parameters.get('uri') ?? '';
    const nc = parameters.get('nc') ?? '';
    const cnonce = parameters.get('cnonce') ?? '';
    const response = parameters.get('response') ?? '';

    const wellFormed =
      parameters.get('realm') === realm &&
      parameters.get('qop') === 'auth' &&
      (parameters.get('algorithm') ?? 'MD5').toUpperCase() === 'MD5' &&
      /^[0-9a-f]{8}$/i.test(nc) &&
      nonce !== '' &&
      cnonce !== '';
    if (!wellFormed) return this.reject('MALFORMED_DIGEST');
    if (uri !== requestTarget) return this.reject('URI_MISMATCH');

    const key = this.options.apiKeys.find((candidate) => candidate.publicKey === username);
    if (key === undefined) return this.reject('UNKNOWN_USER');
    const ha1 = md5(`${key.publicKey}:${realm}:${key.privateKey}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    if (!sameText(expected, response.toLowerCase())) return this.reject('WRONG_RESPONSE');

    // The response is correct, so the key is right: an unknown or expired nonce is only stale.
    const issued = this.nonces.get(nonce);
    if (issued === undefined || this.isExpired(issued)) return this.reject('STALE_NONCE', true);
    const count = Number.parseInt(nc, 16);
    if (count === 0 || issued.counts.has(count)) return this.reject('REPLAYED_NONCE_COUNT');
    issued.counts.add(count);
    return { ok: true, principal: key.publicKey };
  }

  private isExpired(issued: IssuedNonce): boolean {
    return this.options.now() - issued.issuedAt >= this.options.nonceLifetimeMs;
  }

  private forgetExpiredNonces(): void {
    for (const [nonce, issued] of this.nonces) {
      if (this.isExpired(issued)) this.nonces.delete(nonce);
    }
  }

  /**
   * Answers `POST /api/oauth/token`: HTTP Basic client credentials and
   * `grant_type=client_credentials`, as RFC 6749 section 4.4 describes.
   */
  issueToken(header: string | undefined, form: string): { status: number; body: unknown } {
    this.tokenRequests += 1;
    const grant = new URLSearchParams(form).get('grant_type');
    if (grant !== 'client_credentials') {
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    }
    const [scheme, encoded] = (header ?? '').trim().split(/\s+/);
    const decoded =
      scheme?.toLowerCase() === 'basic' && encoded !== undefined
        ? Buffer.from(encoded, 'base64').toString('utf8')
        : '';
    const separator = decoded.indexOf(':');
    const clientId = decoded.slice(0, separator);
    const clientSecret = decoded.slice(separator + 1);
    const account = this.options.serviceAccounts.find(
      (candidate) => candidate.clientId === clientId,
    );
    if (separator < 0 || account === undefined || !sameText(account.clientSecret, clientSecret)) {
      return { status: 401, body: { error: 'invalid_client' } };
    }

    const token = randomBytes(32).toString('base64url');
    const lifetimeSeconds = this.options.tokenLifetimeSeconds;
    this.tokens.set(token, { clientId, expiresAt: this.options.now() + lifetimeSeconds * 1000 });
    return {
      status: 200,
      body: { access_token: token, expires_in: lifetimeSeconds, token_type: 'Bearer' },
    };
  }
}
