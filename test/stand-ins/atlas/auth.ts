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

/** Who a request authenticated as, for rate limits; or why it failed. */
export type AuthResult =
  { ok: true; principal: string } | { ok: false; challenge: string | undefined };

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

export class StandInAuth {
  /** Nonce -> highest nonce count seen, to reject replays. */
  private readonly nonces = new Map<string, number>();
  private readonly tokens = new Map<string, { clientId: string; expiresAt: number }>();
  /** Token requests answered, so tests can assert that a token was cached. */
  tokenRequests = 0;

  constructor(
    private readonly apiKeys: readonly ApiKey[],
    private readonly serviceAccounts: readonly ServiceAccount[],
    private readonly now: () => number,
    private readonly tokenLifetimeSeconds: number,
  ) {}

  /** A fresh `WWW-Authenticate` Digest challenge; `stale` when an old nonce was used. */
  challenge(stale = false): string {
    const nonce = randomBytes(24).toString('base64');
    this.nonces.set(nonce, 0);
    return `Digest realm="${realm}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
  }

  /** Checks the `Authorization` header of an API request to `requestTarget` (path and query). */
  authenticate(method: string, requestTarget: string, header: string | undefined): AuthResult {
    if (header === undefined) return { ok: false, challenge: this.challenge() };
    const [scheme, ...rest] = header.trim().split(/\s+/);
    const credentials = rest.join(' ');
    if (scheme?.toLowerCase() === 'bearer') return this.checkBearer(credentials);
    if (scheme?.toLowerCase() === 'digest')
      return this.checkDigest(method, requestTarget, credentials);
    return { ok: false, challenge: this.challenge() };
  }

  private checkBearer(token: string): AuthResult {
    const issued = this.tokens.get(token);
    if (issued === undefined || this.now() >= issued.expiresAt) {
      return { ok: false, challenge: undefined };
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
    const key = this.apiKeys.find((candidate) => candidate.publicKey === username);
    const lastCount = this.nonces.get(nonce);

    if (lastCount === undefined) return { ok: false, challenge: this.challenge(true) };
    const count = Number.parseInt(nc, 16);
    const valid =
      key !== undefined &&
      parameters.get('realm') === realm &&
      parameters.get('qop') === 'auth' &&
      uri === requestTarget &&
      Number.isInteger(count) &&
      count > lastCount &&
      cnonce !== '';
    if (!valid) return { ok: false, challenge: this.challenge() };

    const ha1 = md5(`${key.publicKey}:${realm}:${key.privateKey}`);
    const ha2 = md5(`${method}:${uri}`);
    const expected = md5(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`);
    if (!sameText(expected, parameters.get('response') ?? '')) {
      return { ok: false, challenge: this.challenge() };
    }
    this.nonces.set(nonce, count);
    return { ok: true, principal: key.publicKey };
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
    const account = this.serviceAccounts.find((candidate) => candidate.clientId === clientId);
    if (separator < 0 || account === undefined || !sameText(account.clientSecret, clientSecret)) {
      return { status: 401, body: { error: 'invalid_client' } };
    }

    const token = randomBytes(32).toString('base64url');
    this.tokens.set(token, { clientId, expiresAt: this.now() + this.tokenLifetimeSeconds * 1000 });
    return {
      status: 200,
      body: { access_token: token, expires_in: this.tokenLifetimeSeconds, token_type: 'Bearer' },
    };
  }
}
