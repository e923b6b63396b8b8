// HTTP Digest authentication (RFC 7616) as Atlas API keys use it: MD5 with qop=auth. Atlas sends
// `WWW-Authenticate: Digest realm="MMS Public API", domain="", nonce="...", algorithm=MD5,
// qop="auth", stale=false` on the first request of a session.
import { createHash, randomBytes } from 'node:crypto';

/** A parsed `WWW-Authenticate: Digest` challenge. */
export interface DigestChallenge {
  readonly realm: string;
  readonly nonce: string;
  readonly opaque?: string;
  readonly algorithm: string;
  readonly qop: readonly string[];
  readonly stale: boolean;
}

/**
 * Parses the Digest challenge in a `WWW-Authenticate` header, or returns undefined when the
 * header holds none. Quoted values may contain commas, so the header is tokenised, not split.
 */
export function parseDigestChallenge(header: string | null): DigestChallenge | undefined {
  if (header === null) return undefined;
  const start = header.search(/\bdigest\s/i);
  if (start < 0) return undefined;

  const parameters = new Map<string, string>();
  const pattern = /([a-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/gi;
  const rest = header.slice(start + 'digest'.length);
  for (const match of rest.matchAll(pattern)) {
    const name = match[1]!.toLowerCase();
    const value = match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '');
    if (!parameters.has(name)) parameters.set(name, value);
  }

  const realm = parameters.get('realm');
  const nonce = parameters.get('nonce');
  if (realm === undefined || nonce === undefined) return undefined;
  const opaque = parameters.get('opaque');
  return {
    realm,
    nonce,
    ...(opaque !== undefined && { opaque }),
    algorithm: parameters.get('algorithm') ?? 'MD5',
    qop: (parameters.get('qop') ?? '')
      .split(',')
      .map((value) => value.trim())
      .filter((value) => value !== ''),
    stale: (parameters.get('stale') ?? '').toLowerCase() === 'true',
  };
}

function md5(text: string): string {
  return createHash('md5').update(text, 'utf8').digest('hex');
}

function quote(value: string): string {
  return `"${value.replace(/(["\\])/g, '\\$1')}"`;
}

/** What one Digest response covers: the request line and the counter for the nonce. */
export interface DigestRequest {
  readonly method: string;
  /** Path and query exactly as sent on the request line, such as `/api/atlas/v2/groups?pageNum=2`. */
  readonly uri: string;
  /** How many times this nonce has been used, starting at 1. */
  readonly nonceCount: number;
  /** Client nonce; random unless a test fixes it. */
  readonly cnonce?: string;
}

/** Largest nonce count, because `nc` is 8 hexadecimal digits (`nc-value = 8LHEX` in RFC 2617). */
export const maxNonceCount = 0xffffffff;

/**
 * Returns why this client cannot respond to `challenge`, or undefined when it can. Only MD5 and
 * qop=auth (or no qop) are supported, which is what Atlas sends.
 */
export function unsupportedChallenge(challenge: DigestChallenge): string | undefined {
  if (challenge.algorithm.toUpperCase() !== 'MD5') {
    return `Digest challenge asks for algorithm ${challenge.algorithm}; only MD5, which Atlas uses, is supported`;
  }
  if (challenge.qop.length > 0 && !challenge.qop.includes('auth')) {
    return `Digest challenge offers qop ${challenge.qop.join(', ')}; only qop=auth is supported`;
  }
  return undefined;
}

/**
 * Computes the `Authorization` header for one request. Throws when the challenge asks for an
 * algorithm or qop that Atlas does not use, or when the nonce count is out of range.
 */
export function digestAuthorization(
  challenge: DigestChallenge,
  credentials: { readonly username: string; readonly password: string },
  request: DigestRequest,
): string {
  const unsupported = unsupportedChallenge(challenge);
  if (unsupported !== undefined) throw new Error(unsupported);
  if (
    !Number.isInteger(request.nonceCount) ||
    request.nonceCount < 1 ||
    request.nonceCount > maxNonceCount
  ) {
    throw new Error(
      `Digest nonce count must be an integer from 1 to ${maxNonceCount} (got ${request.nonceCount})`,
    );
  }

  const cnonce = request.cnonce ?? randomBytes(16).toString('hex');
  const nc = request.nonceCount.toString(16).padStart(8, '0');
  const ha1 = md5(`${credentials.username}:${challenge.realm}:${credentials.password}`);
  const ha2 = md5(`${request.method}:${request.uri}`);
  const withQop = challenge.qop.length > 0;
  const response = withQop
    ? md5(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:auth:${ha2}`)
    : md5(`${ha1}:${challenge.nonce}:${ha2}`);

  const parts = [
    `username=${quote(credentials.username)}`,
    `realm=${quote(challenge.realm)}`,
    `nonce=${quote(challenge.nonce)}`,
    `uri=${quote(request.uri)}`,
    `algorithm=MD5`,
    `response=${quote(response)}`,
  ];
  if (withQop) parts.push(`qop=auth`, `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
