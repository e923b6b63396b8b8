// The two ways to authenticate to the Atlas Administration API: a service account (OAuth 2.0
// client credentials, bearer token) or a legacy programmatic API key (HTTP Digest).
import { ProviderError } from '../../engine/provider.ts';
import {
  digestAuthorization,
  maxNonceCount,
  parseDigestChallenge,
  unsupportedChallenge,
  type DigestChallenge,
} from './digest.ts';

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

/**
 * Adds credentials to requests. Each request takes its own `AuthAttempt`, so retry budgets are
 * per request while nonces and tokens are shared by every request of the client.
 */
export interface Authenticator {
  /** Starts the authentication of one request; the caller must call `finish` on the result. */
  begin(): AuthAttempt;
  /** The credentials in words for errors, such as `API key pubkeyabc`; never a secret. */
  readonly principal: string;
  /** Values that must never appear in logs or errors: secrets and issued tokens. */
  secrets(): string[];
}

/** The authentication of one request across its attempts. */
export interface AuthAttempt {
  /** The `Authorization` header for the next attempt, or undefined to send none and await a challenge. */
  authorization(method: string, uri: string, signal?: AbortSignal): Promise<string | undefined>;
  /** Learns from a 401 response; returns why the request should be sent again, or undefined to fail. */
  retryReason(response: Response): string | undefined;
  /** Ends the request, whatever its outcome. */
  finish(): void;
}

/** The current Digest nonce and how many requests have used it. */
interface NonceState {
  readonly challenge: DigestChallenge;
  count: number;
}

/** Times one request may retry after a `stale=true` challenge before it fails. */
const maxStaleRetries = 2;

/**
 * Digest authentication shared by concurrent requests. One nonce serves every request, each
 * with the next nonce count, so only the first request of the client pays a 401. While that
 * first request waits for its challenge, the other requests wait for it too instead of each
 * collecting a nonce of its own.
 */
export class DigestAuthenticator implements Authenticator {
  readonly principal: string;
  private current: NonceState | undefined;
  private probe: Promise<void> | undefined;
  private releaseProbe: (() => void) | undefined;

  constructor(
    private readonly credentials: ApiKeyCredentials,
    private readonly cnonce?: () => string,
  ) {
    this.principal = `API key ${credentials.publicKey}`;
  }

  begin(): AuthAttempt {
    return new DigestAttempt(this);
  }

  secrets(): string[] {
    return [this.credentials.privateKey];
  }

  /**
   * Signs a request with the current nonce and its next count, or returns undefined when there
   * is no usable nonce. Reading and incrementing the count happen in one synchronous step, so two
   * concurrent requests never send the same (nonce, nc) pair.
   */
  sign(method: string, uri: string): string | undefined {
    const state = this.current;
    if (state === undefined || state.count >= maxNonceCount) return undefined;
    state.count += 1;
    const header = digestAuthorization(
      state.challenge,
      { username: this.credentials.publicKey, password: this.credentials.privateKey },
      { method, uri, nonceCount: state.count, ...(this.cnonce && { cnonce: this.cnonce() }) },
    );
    return header;
  }

  /**
   * Makes `challenge` the current nonce. The same nonce sent again keeps its count, because
   * starting it over would repeat (nonce, nc) pairs that the server already saw.
   */
  adopt(challenge: DigestChallenge): void {
    const unsupported = unsupportedChallenge(challenge);
    if (unsupported !== undefined) {
      throw new ProviderError('UNAUTHORIZED', `Atlas sign-in failed: ${unsupported}`);
    }
    if (this.current?.challenge.nonce === challenge.nonce) return;
    this.current = { challenge, count: 0 };
  }

  /** Returns the pending first request's wait, or undefined when no request is collecting a nonce. */
  pendingProbe(): Promise<void> | undefined {
    return this.probe;
  }

  /** Marks the calling request as the one that collects the first challenge. */
  startProbe(): void {
    this.probe = new Promise<void>((resolve) => {
      this.releaseProbe = resolve;
    });
  }

  /** Lets the requests that waited for the first challenge continue. */
  endProbe(): void {
    this.releaseProbe?.();
    this.probe = undefined;
    this.releaseProbe = undefined;
  }
}

/** Waits for `promise`, or rejects with the abort reason once `signal` aborts. */
function untilAborted(promise: Promise<void>, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return promise;
  if (signal.aborted) return Promise.reject(signal.reason as Error);
  return new Promise<void>((resolve, reject) => {
    const onAbort = () => reject(signal.reason as Error);
    signal.addEventListener('abort', onAbort, { once: true });
    void promise.then(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    });
  });
}

/**
 * One request under Digest authentication. It sends again after a 401 when it sent no credentials
 * and now has a challenge, or when the nonce was stale (at most `maxStaleRetries` times). It also
 * sends again once when the server rejected the credentials with a new challenge. A server that
 * expects nonce counts in order does that when concurrent requests arrive out of order.
 */
class DigestAttempt implements AuthAttempt {
  /** Whether the last attempt carried an `Authorization` header. */
  private sentCredentials = false;
  private probing = false;
  private rechallenged = false;
  private staleRetries = 0;

  constructor(private readonly owner: DigestAuthenticator) {}

  async authorization(method: string, uri: string, signal?: AbortSignal) {
    for (;;) {
      const header = this.owner.sign(method, uri);
      this.sentCredentials = header !== undefined;
      if (header !== undefined) return header;

      const pending = this.owner.pendingProbe();
      if (pending === undefined || this.probing) {
        if (!this.probing) this.owner.startProbe();
        this.probing = true;
        return undefined;
      }
      // NOTE: a waiting request waits at most as long as the first request's own timeout.
      await untilAborted(pending, signal);
    }
  }

  retryReason(response: Response): string | undefined {
    const challenge = parseDigestChallenge(response.headers.get('www-authenticate'));
    try {
      if (challenge === undefined) return undefined;
      this.owner.adopt(challenge);
    } finally {
      this.releaseWaiters();
    }

    if (!this.sentCredentials) return 'responding to the Digest challenge';
    if (challenge.stale) {
      this.staleRetries += 1;
      return this.staleRetries <= maxStaleRetries
        ? `the Digest nonce expired (stale), attempt ${this.staleRetries} of ${maxStaleRetries}`
        : undefined;
    }
    if (this.rechallenged) return undefined;
    this.rechallenged = true;
    return 'Atlas rejected the Digest response, so it is sent once more with the latest nonce';
  }

  finish(): void {
    this.releaseWaiters();
  }

  private releaseWaiters(): void {
    if (!this.probing) return;
    this.probing = false;
    this.owner.endProbe();
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
 * before it expires; concurrent requests share one token request. A 401 drops the token that the
 * request sent, unless another request already replaced it, and the request is sent once more.
 */
export class ServiceAccountAuthenticator implements Authenticator {
  readonly principal: string;
  private token: CachedToken | undefined;
  private pending: Promise<CachedToken> | undefined;
  private readonly issued: string[] = [];

  constructor(
    private readonly credentials: ServiceAccountCredentials,
    private readonly options: TokenOptions,
  ) {
    this.principal = `service account ${credentials.clientId}`;
  }

  begin(): AuthAttempt {
    let sent: string | undefined;
    let retried = false;
    return {
      authorization: async (_method, _uri, signal) => {
        sent = await this.currentToken(signal);
        return `Bearer ${sent}`;
      },
      retryReason: () => {
        if (sent !== undefined && this.token?.value === sent) this.token = undefined;
        if (sent === undefined || retried) return undefined;
        retried = true;
        return 'Atlas rejected the access token; requesting a new one';
      },
      finish: () => undefined,
    };
  }

  secrets(): string[] {
    return [this.credentials.clientSecret, ...this.issued];
  }

  private async currentToken(signal?: AbortSignal): Promise<string> {
    const now = this.options.now();
    if (this.token === undefined || now >= this.token.expiresAt - this.options.refreshMarginMs) {
      this.pending ??= this.requestToken(signal).finally(() => {
        this.pending = undefined;
      });
      this.token = await this.pending;
    }
    return this.token.value;
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
