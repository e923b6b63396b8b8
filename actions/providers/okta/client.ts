// The Okta SDK client (`@okta/okta-sdk-nodejs` v8) as the provider needs it:
//
// - Auth: an SSWS API token, or an OAuth 2.0 service app that signs a private_key_jwt client
//   assertion and gets a scoped access token from `{orgUrl}/oauth2/v1/token`.
// - No response cache. The SDK caches every GET of one object in memory, keyed by its
//   `_links.self.href`, and evicts it only when a typed API call of this client writes to that
//   path. A change made elsewhere (the Admin Console, another run, Okta resetting a policy) or
//   through the untyped `http.putJson` that replaces apps would leave a stale GET behind.
// - No retries inside the SDK. Its default executor sleeps on 429 with the real clock. Here a 429
//   becomes a THROTTLED error with the delay, and the engine retries with its injected sleep.
// - Plain http for the loopback stand-in. SDK v8.1 does not check the org URL's scheme or domain
//   (the `testing.disableHttpsCheck` setting of older versions is gone), so `http://127.0.0.1:PORT`
//   works as is. The provider's own schema still demands https for any other host.
import { Client, RequestExecutor } from '@okta/okta-sdk-nodejs';
import { ProviderError } from '../../engine/provider.ts';
import { isLoopback, orgUrlProblem } from './schema.ts';

/** Scopes a service app needs for everything this provider reads and writes. */
export const defaultScopes: readonly string[] = [
  'okta.apps.manage',
  'okta.policies.read',
  'okta.trustedOrigins.manage',
  'okta.authorizationServers.read',
];

/** Auth with an SSWS API token (Admin Console: Security > API > Tokens). */
export interface ApiTokenAuth {
  readonly token: string;
}

/** Auth as an OAuth 2.0 service app with a private key (private_key_jwt). */
export interface PrivateKeyAuth {
  /** Client id of the service app. */
  readonly clientId: string;
  /** The private key as PEM (PKCS#1 or PKCS#8), or as a JWK object or JSON text. */
  readonly privateKey: string | Record<string, unknown>;
  /** `kid` of the public key registered with the app; needed when the app has several keys. */
  readonly keyId?: string;
  /** Scopes to request; defaults to `defaultScopes`. */
  readonly scopes?: readonly string[];
}

export type OktaProviderOptions = {
  /** The org URL, such as `https://dev-12345678.okta.com` (the config's `okta.orgUrl`). */
  readonly orgUrl: string;
  /** Per-request timeout in milliseconds (default 30 000). */
  readonly requestTimeoutMs?: number;
} & (ApiTokenAuth | PrivateKeyAuth);

/** An OAuth error body from the token endpoint, which the SDK does not keep in its errors. */
export interface TokenEndpointError {
  readonly error?: string;
  readonly error_description?: string;
}

/** The parts of a node-fetch request and response that the executor's events touch. */
interface FetchRequest {
  url?: string;
  timeout?: number;
}
interface FetchResponse {
  readonly ok: boolean;
  readonly url: string;
  clone(): { json(): Promise<unknown> };
}

const tokenPath = '/oauth2/v1/token';

// Builds an executor that does not retry, sets a timeout on every request, and keeps the body of
// a failed token request. The SDK's own error for that request loses the OAuth
// `error_description`, which explains why Okta rejected the assertion.
function createExecutor(timeoutMs: number) {
  const executor = new RequestExecutor();
  let tokenError: Promise<TokenEndpointError | undefined> = Promise.resolve(undefined);
  executor.on('request', (request: FetchRequest) => {
    // node-fetch 2, which the SDK uses, reads `timeout` from the request options.
    request.timeout = timeoutMs;
    if (request.url?.endsWith(tokenPath)) {
      tokenError = Promise.resolve(undefined);
    }
  });
  executor.on('response', (response: FetchResponse) => {
    if (response.url.endsWith(tokenPath) && response.ok) {
      tokenError = Promise.resolve(undefined);
    } else if (response.url.endsWith(tokenPath)) {
      tokenError = response
        .clone()
        .json()
        .then(
          (body) => body as TokenEndpointError,
          () => undefined,
        );
    }
  });
  return { executor, tokenError: () => tokenError };
}

/** The SDK client with what the provider needs around it. */
export interface OktaClient {
  readonly sdk: Client;
  /** The org URL without a trailing slash. */
  readonly orgUrl: string;
  /** The error body of the last failed token request, for error messages. */
  lastTokenError(): Promise<TokenEndpointError | undefined>;
  /** Replaces every credential (API token, private key, access token) in `text` with `***`. */
  redact(text: string): string;
}

function invalidOption(message: string): ProviderError {
  return new ProviderError('INVALID', `Okta provider options: ${message}`);
}

// The strings of a credential that must never appear in output: the whole value and, for keys,
// each base64 line of a PEM and each private member of a JWK.
function secretStrings(options: OktaProviderOptions): string[] {
  if ('token' in options) {
    return [options.token];
  }
  const key = options.privateKey;
  const jwk: Record<string, unknown> | undefined =
    typeof key === 'object' ? key : key.trim().startsWith('{') ? safeParse(key) : undefined;
  if (jwk) {
    const members = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'].map((name) => jwk[name]);
    return [
      JSON.stringify(jwk),
      ...members.filter((value): value is string => typeof value === 'string'),
    ];
  }
  const text = key as string;
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('-----'));
  return [text, lines.join(''), ...lines];
}

function safeParse(text: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null
      ? (parsed as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

function checkOptions(options: OktaProviderOptions): void {
  const urlProblem = orgUrlProblem(options.orgUrl);
  if (urlProblem) {
    throw invalidOption(`orgUrl ${urlProblem}`);
  }
  const timeout = options.requestTimeoutMs;
  if (timeout !== undefined && (!Number.isInteger(timeout) || timeout < 1)) {
    throw invalidOption(`requestTimeoutMs must be a positive integer (got ${timeout})`);
  }

  const hasToken = 'token' in options;
  const hasKey = 'privateKey' in options || 'clientId' in options;
  if (hasToken === hasKey) {
    throw invalidOption('give either token (SSWS API token) or clientId and privateKey, not both');
  }
  if (hasToken) {
    if (typeof options.token !== 'string' || !/^\S{10,}$/.test(options.token)) {
      throw invalidOption('token must be an Okta API token: at least 10 characters, no spaces');
    }
    return;
  }

  if (typeof options.clientId !== 'string' || !/^\S{6,100}$/.test(options.clientId)) {
    throw invalidOption(
      `clientId must be the service app's client id (6 to 100 characters, no spaces; got ${JSON.stringify(options.clientId)})`,
    );
  }

  const key = options.privateKey;
  const readable =
    (typeof key === 'string' && /-----BEGIN (RSA |EC )?PRIVATE KEY-----/.test(key)) ||
    (typeof key === 'string' && typeof safeParse(key)?.kty === 'string') ||
    (typeof key === 'object' && typeof key.kty === 'string');
  if (!readable) {
    throw invalidOption(
      'privateKey must be a PEM private key (-----BEGIN PRIVATE KEY-----) or a private JWK with "kty"',
    );
  }

  const scopes = options.scopes ?? defaultScopes;
  if (scopes.length === 0 || scopes.some((scope) => !/^okta\.[\w.]+$/.test(scope))) {
    throw invalidOption(
      `scopes must be Okta API scopes such as okta.apps.manage (got ${JSON.stringify(scopes)})`,
    );
  }
}

type TokenRequest = (dpopNonce?: string | null) => Promise<unknown>;

/**
 * Makes calls that start while no access token is cached wait for one token request. SDK v8.1
 * starts one request per such call, so a plan that observes several resources at once would fetch
 * several tokens, and `redact` would mask only the last of them.
 */
function shareTokenRequests(oauth: Client['oauth']): void {
  const requestToken = (oauth.getAccessToken as TokenRequest).bind(oauth);
  let pending: Promise<unknown> | undefined;
  const shared: TokenRequest = (dpopNonce) => {
    // The SDK repeats the request with a DPoP nonce from inside the pending one, so that repeat
    // must not wait for it.
    if (dpopNonce) {
      return requestToken(dpopNonce);
    }
    pending ??= requestToken().finally(() => {
      pending = undefined;
    });
    return pending;
  };
  oauth.getAccessToken = shared as Client['oauth']['getAccessToken'];
}

/** Validates the options and creates the SDK client. Nothing is sent until the first call. */
export function createOktaClient(options: OktaProviderOptions): OktaClient {
  checkOptions(options);
  const orgUrl = options.orgUrl.replace(/\/+$/, '');
  const { executor, tokenError } = createExecutor(options.requestTimeoutMs ?? 30_000);

  // Every field is set, even when empty, because the SDK fills unset ones from OKTA_CLIENT_*
  // environment variables and ~/.okta/okta.yaml.
  const common = {
    orgUrl,
    cacheMiddleware: null,
    requestExecutor: executor,
  };
  const sdk =
    'token' in options
      ? new Client({
          ...common,
          authorizationMode: 'SSWS',
          token: options.token,
          clientId: '',
          privateKey: '',
          keyId: '',
        })
      : new Client({
          ...common,
          authorizationMode: 'PrivateKey',
          token: '',
          clientId: options.clientId,
          privateKey: options.privateKey,
          keyId: options.keyId ?? '',
          scopes: [...(options.scopes ?? defaultScopes)],
        });

  if (!('token' in options)) {
    shareTokenRequests(sdk.oauth);
  }

  // The SDK routes every request through HTTPS_PROXY when that is set; the loopback stand-in must
  // be reached directly.
  if (isLoopback(new URL(orgUrl))) {
    sdk.http.agent = undefined;
  }

  const secrets = secretStrings(options).filter((value) => value.length >= 4);
  return {
    sdk,
    orgUrl,
    lastTokenError: tokenError,
    redact(text) {
      const accessToken = (sdk.oauth as { accessToken?: { access_token?: unknown } } | undefined)
        ?.accessToken?.access_token;
      const all = typeof accessToken === 'string' ? [...secrets, accessToken] : secrets;
      let result = text;
      for (const secret of all.sort((left, right) => right.length - left.length)) {
        result = result.split(secret).join('***');
      }
      return result;
    },
  };
}
