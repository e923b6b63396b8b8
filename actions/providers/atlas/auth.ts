// The two ways to authenticate to the Atlas Administration API: a service account (OAuth 2.0
// client credentials, bearer token) or a legacy programmatic API key (HTTP Digest).
import { ProviderError } from '../../engine/provider.ts';
import { digestAuthorization, parseDigestChallenge, type DigestChallenge } from './digest.ts';

/** Service account credentials: the client id and secret Atlas shows once when it creates them. */
export interface ServiceAccountCredentials {
  readonly type: 'serviceAccount';
  readonly clientId: string;
  readonly clientSecret: string;
}

/** A legacy programmatic API key: the public key is the Digest username, the private key its password. */
export interface ApiKeyCredentials {
  readonly type: 'apiKey';
  readonly publicKey: string;
  readonly privateKey: string;
}

export type AtlasCredentials = ServiceAccountCredentials | ApiKeyCredentials;

/** Adds credentials to requests and decides whether a 401 is worth one more attempt. */
export interface Authenticator {
  /** The `Authorization` header for a request, or undefined to send none and await a challenge. */
  authorization(method: string, uri: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Learns from a 401 response; returns whether the request should be sent once more. */
  retryAfterUnauthorized(response: Response, sentAuthorization: boolean): boolean;
  /** Values that must never appear in logs or errors: secrets and issued tokens. */
  secrets(): string[];
}

/** Digest authentication that keeps the last challenge, so only the first request pays a 401. */
export class DigestAuthenticator implements Authenticator {
  private challenge: DigestChallenge | undefined;
  private nonceCount = 0;

  constructor(
    private readonly credentials: ApiKeyCredentials,
    private readonly cnonce?: () => string,
  ) {}

  authorization(method: string, uri: string): Promise<string | undefined> {
    if (this.challenge === undefined) return Promise.resolve(undefined);
    this.nonceCount += 1;
    const header = digestAuthorization(
      this.challenge,
      { username: this.credentials.publicKey, password: this.credentials.privateKey },
      { method, uri, nonceCount: this.nonceCount, ...(this.cnonce && { cnonce: this.cnonce() }) },
    );
    return Promise.resolve(header);
  }

  retryAfterUnauthorized(response: Response, sentAuthorization: boolean): boolean {
    const challenge = parseDigestChallenge(response.headers.get('www-authenticate'));
    if (challenge === undefined) return false;
    const hadChallenge = this.challenge !== undefined;
    this.challenge = challenge;
    this.nonceCount = 0;
    // A rejected answer to a fresh challenge means the key is wrong; a stale nonce or a first
    // request without credentials deserves one more attempt.
    return !sentAuthorization || challenge.stale || !hadChallenge;
  }

  secrets(): string[] {
    return [this.credentials.privateKey];
  }
}

/** Options of the service account token cache. */
export interface TokenOptions {
  /** Origin of the token endpoint, the same host as the API: `{baseUrl}/api/oauth/token`. */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  /** Clock in milliseconds; tests freeze it. */
  readonly now: () => number;
  /** Refresh this long before the token expires, in milliseconds. */
  readonly refreshMarginMs: number;
  /** Called with every issued token, so a runner can mask it before anything echoes it. */
  readonly onSecret?: (value: string) => void;
}

interface CachedToken {
  readonly value: string;
  readonly expiresAt: number;
}

/**
 * Bearer authentication with a service account. One token serves every request until shortly
 * before it expires; concurrent requests share one token request, and a 401 drops the token so
 * the retry fetches a new one.
 */
export class ServiceAccountAuthenticator implements Authenticator {
  private token: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;
  private readonly issued: string[] = [];

  constructor(
    private readonly credentials: ServiceAccountCredentials,
    private readonly options: TokenOptions,
  ) {}

  async authorization(_method: string, _uri: string, signal?: AbortSignal): Promise<string> {
    const now = this.options.now();
    if (this.token === undefined || now >= this.token.expiresAt - this.options.refreshMarginMs) {
      this.pending ??= this.requestToken(signal).finally(() => {
        this.pending = undefined;
      });
      this.token = await this.pending;
    }
    return `Bearer ${this.token.value}`;
  }

  retryAfterUnauthorized(_response: Response, sentAuthorization: boolean): boolean {
    this.token = undefined;
    return sentAuthorization;
  }

  secrets(): string[] {
    return [this.credentials.clientSecret, ...this.issued];
  }

  private async requestToken(signal?: AbortSignal): Promise<CachedToken> {
    const url = `${this.options.baseUrl}/api/oauth/token`;
    const basic = Buffer.from(
      `${this.credentials.clientId}:${this.credentials.clientSecret}`,
      'utf8',
    ).toString('base64');
    let response: Response;
    try {
      response = await this.options.fetch(url, {
        method: 'POST',
        headers: {
          authorization: `Basic ${basic}`,
          accept: 'application/json',
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
        ...(signal && { signal }),
      });
    } catch (error) {
      throw new ProviderError(
        'UNAVAILABLE',
        `Atlas service account token request to ${url} failed: no response (${(error as Error).message})`,
        { cause: error },
      );
    }

    const text = await response.text();
    if (!response.ok) {
      const reason = describeOAuthError(text);
      const code = response.status >= 500 ? 'UNAVAILABLE' : 'UNAUTHORIZED';
      throw new ProviderError(
        code,
        `Atlas rejected the service account token request for client id ${this.credentials.clientId}: ` +
          `${response.status} ${reason}. Check the client id and secret and that the service account ` +
          `still exists.`,
        { vendorCode: reason },
      );
    }

    const body = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof body.access_token !== 'string' || typeof body.expires_in !== 'number') {
      throw new ProviderError(
        'UNAVAILABLE',
        `Atlas token response from ${url} lacks access_token or expires_in`,
      );
    }
    this.issued.push(body.access_token);
    this.options.onSecret?.(body.access_token);
    return { value: body.access_token, expiresAt: this.options.now() + body.expires_in * 1000 };
  }
}

function describeOAuthError(text: string): string {
  try {
    const body = JSON.parse(text) as { error?: unknown; errorCode?: unknown };
    if (typeof body.error === 'string') return body.error;
    if (typeof body.errorCode === 'string') return body.errorCode;
  } catch {
    // Not JSON: the status alone describes it.
  }
  return 'unauthorized';
}
