// A local OpenID Provider that behaves like an Okta custom authorization server for SPA apps:
// authorization code with PKCE for public clients, an interactive sign-in and consent, and RS256
// JWT access tokens with Okta's claims. Built on oidc-provider.
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type Provider from 'oidc-provider';
import type { FindClient } from './adapter.ts';
import { loadSigningKey, type SigningJwk } from './keys.ts';
import { markOAuthMetadataRequest } from './metadata.ts';
import { PAGE_HEADERS, renderError } from './pages.ts';
import { createProvider, OIDC_SCOPES } from './provider.ts';
import { createSignInPages, type SignInPages } from './signin.ts';
import { accessTokenId, oktaAccessTokenClaims, signAccessToken } from './tokens.ts';
import { indexUsers, type Account, type TestUser } from './users.ts';

export type { ClientRegistration, FindClient } from './adapter.ts';
export type { OktaAccessTokenClaims } from './tokens.ts';
export type { TestUser } from './users.ts';

export interface OidcStandInOptions {
  /** Port on 127.0.0.1; 0 (the default) lets the system pick one. */
  port?: number;
  /** The people who can sign in. */
  users: readonly TestUser[];
  /** Looks up the clients, normally those the reconciler registered in the Okta stand-in. */
  findClient: FindClient;
  /** Authorization server id, the last segment of the issuer path. Default `default`. */
  authorizationServerId?: string;
  /** `aud` of the access tokens. Default `api://default`, as on Okta's default server. */
  audience?: string;
  /** Custom scopes in addition to openid, profile, email and offline_access. */
  scopes?: readonly string[];
  /** Access token lifetime in seconds. Default 3600, Okta's default. */
  accessTokenTtlSeconds?: number;
  /** Folder that keeps the signing key across restarts; without it each start makes a new key. */
  keysPath?: string;
  /** Receives one line per rejected request (bad sign-in, OAuth error); silent when absent. */
  log?: (line: string) => void;
}

export interface MintAccessTokenOptions {
  /** Login of one of the configured users. */
  login: string;
  clientId: string;
  scopes: readonly string[];
  /** Epoch seconds; the current time when absent. */
  issuedAt?: number;
  /** Lifetime in seconds; the server's access token lifetime when absent. */
  expiresInSeconds?: number;
}

export interface OidcStandIn {
  /** `http://127.0.0.1:{port}/oauth2/{authorizationServerId}`. */
  readonly issuer: string;
  /** `http://127.0.0.1:{port}`, the Okta org URL. */
  readonly url: string;
  readonly port: number;
  readonly audience: string;
  readonly jwksUri: string;
  /** Every scope the server grants. */
  readonly scopes: readonly string[];
  /**
   * Signs an access token with the server's key, the same claims as one issued after a browser
   * sign-in, for tests that call the API without a browser.
   */
  mintAccessToken(options: MintAccessTokenOptions): Promise<string>;
  close(): Promise<void>;
}

const SIGN_IN_PATH = '/signin';

/** Starts the local OpenID Provider on 127.0.0.1. */
export async function startOidcStandIn(options: OidcStandInOptions): Promise<OidcStandIn> {
  const settings = validateOptions(options);
  const accountsByLogin = indexUsers(options.users);
  const accountsById = new Map(
    [...accountsByLogin.values()].map((account) => [account.id, account]),
  );
  const key = await loadSigningKey(options.keysPath);

  const server = createServer();
  const port = await listen(server, settings.port);
  const url = `http://127.0.0.1:${port}`;
  const issuerPath = `/oauth2/${settings.authorizationServerId}`;
  const issuer = `${url}${issuerPath}`;

  try {
    const provider = createProvider({
      issuer,
      audience: settings.audience,
      scopes: settings.scopes,
      accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
      key,
      cookieKeys: [randomBytes(32).toString('base64url')],
      accounts: accountsById,
      findClient: options.findClient,
      signInPath: SIGN_IN_PATH,
    });
    const log = options.log ?? (() => {});
    logProviderEvents(provider, log);
    routeRequests(server, {
      issuer,
      issuerPath,
      provider: provider.callback(),
      signInPages: createSignInPages(provider, SIGN_IN_PATH, accountsByLogin, log),
    });
  } catch (error) {
    server.close();
    throw error;
  }

  let closing: Promise<void> | undefined;
  return {
    issuer,
    url,
    port,
    audience: settings.audience,
    jwksUri: `${issuer}/v1/keys`,
    scopes: settings.scopes,
    mintAccessToken: (mint) => mintAccessToken(mint, { issuer, settings, accountsByLogin, key }),
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** Sends requests under the issuer path to oidc-provider and the rest to the sign-in pages. */
function routeRequests(
  server: Server,
  routes: {
    issuer: string;
    issuerPath: string;
    provider: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
    signInPages: SignInPages;
  },
): void {
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (mountOnIssuerPath(req, routes.issuerPath)) {
      void routes.provider(req, res);
      return;
    }
    routes.signInPages.handle(req, res).then(
      (handled) => {
        if (!handled) {
          sendPage(res, 404, 'Not Found', `No page at ${req.url}. The issuer is ${routes.issuer}.`);
        }
      },
      (error: unknown) => {
        console.error('OIDC stand-in: sign-in page failed:', error);
        sendPage(
          res,
          500,
          'Server Error',
          'The sign-in page failed; the stand-in logged the error.',
        );
      },
    );
  });
}

async function mintAccessToken(
  mint: MintAccessTokenOptions,
  server: {
    issuer: string;
    settings: Settings;
    accountsByLogin: ReadonlyMap<string, Account>;
    key: SigningJwk;
  },
): Promise<string> {
  const { settings } = server;
  const account = server.accountsByLogin.get(mint.login);
  if (account === undefined) {
    throw new Error(
      `mintAccessToken: no test user has login "${mint.login}"; add it to the users option`,
    );
  }
  const unknown = mint.scopes.filter((scope) => !settings.scopes.includes(scope));
  if (unknown.length > 0) {
    throw new Error(
      `mintAccessToken: unknown scopes ${unknown.join(', ')}; the server grants ${settings.scopes.join(', ')}`,
    );
  }

  const issuedAt = mint.issuedAt ?? Math.floor(Date.now() / 1000);
  const claims = oktaAccessTokenClaims({
    jti: accessTokenId(),
    issuer: server.issuer,
    audience: settings.audience,
    issuedAt,
    expiresAt: issuedAt + (mint.expiresInSeconds ?? settings.accessTokenTtlSeconds),
    clientId: mint.clientId,
    userId: account.id,
    login: account.login,
    scopes: mint.scopes,
  });
  return signAccessToken(claims, server.key);
}

interface Settings {
  port: number;
  authorizationServerId: string;
  audience: string;
  scopes: string[];
  accessTokenTtlSeconds: number;
}

function validateOptions(options: OidcStandInOptions): Settings {
  const problems: string[] = [];
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    problems.push(`port: must be an integer from 0 to 65535 (got ${String(options.port)})`);
  }
  const authorizationServerId = options.authorizationServerId ?? 'default';
  if (!/^[A-Za-z0-9_-]+$/.test(authorizationServerId)) {
    problems.push(
      `authorizationServerId: must be letters, digits, "_" or "-" (got "${authorizationServerId}")`,
    );
  }
  const audience = options.audience ?? 'api://default';
  if (audience === '') problems.push('audience: must not be empty');
  const custom = options.scopes ?? [];
  for (const scope of custom) {
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(scope)) {
      problems.push(`scopes: "${scope}" is not a valid scope token (RFC 6749 section 3.3)`);
    }
  }
  const accessTokenTtlSeconds = options.accessTokenTtlSeconds ?? 3600;
  if (!Number.isSafeInteger(accessTokenTtlSeconds) || accessTokenTtlSeconds <= 0) {
    problems.push(
      `accessTokenTtlSeconds: must be a positive integer (got ${String(options.accessTokenTtlSeconds)})`,
    );
  }
  if (typeof options.findClient !== 'function') problems.push('findClient: must be a function');

  if (problems.length > 0)
    throw new Error(`Invalid OIDC stand-in options:\n  ${problems.join('\n  ')}`);
  const scopes = [...new Set([...OIDC_SCOPES, ...custom])];
  return { port, authorizationServerId, audience, scopes, accessTokenTtlSeconds };
}

async function listen(server: Server, port: number): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

/**
 * Strips the issuer path from `req.url` the way Express mounts an app, keeping the full URL in
 * `originalUrl` so oidc-provider builds its endpoint URLs under the issuer. Okta's RFC 8414
 * metadata path goes to the OpenID metadata route, marked so that `oktaMetadata` reshapes it.
 */
function mountOnIssuerPath(req: IncomingMessage, issuerPath: string): boolean {
  const url = req.url ?? '/';
  const [path = '', query] = url.split('?', 2) as [string, string | undefined];
  if (path !== issuerPath && !path.startsWith(`${issuerPath}/`)) return false;

  let innerPath = path.slice(issuerPath.length) || '/';
  if (innerPath === '/.well-known/oauth-authorization-server') {
    innerPath = '/.well-known/openid-configuration';
    markOAuthMetadataRequest(req);
  }
  const innerUrl = query === undefined ? innerPath : `${innerPath}?${query}`;
  (req as IncomingMessage & { originalUrl: string }).originalUrl = `${issuerPath}${innerUrl}`;
  req.url = innerUrl;
  return true;
}

function logProviderEvents(provider: Provider, log: (line: string) => void): void {
  // Unexpected failures are always printed; expected OAuth errors only when a log is given.
  provider.on('server_error', (_ctx: unknown, error: Error) => {
    console.error('OIDC stand-in: server error:', error);
  });
  const report =
    (event: string) => (_ctx: unknown, error: { error?: string; error_description?: string }) => {
      log(`OIDC stand-in: ${event}: ${error.error ?? 'error'}: ${error.error_description ?? ''}`);
    };
  provider.on('authorization.error', report('authorization.error'));
  provider.on('grant.error', report('grant.error'));
  provider.on('userinfo.error', report('userinfo.error'));
}

function sendPage(res: ServerResponse, status: number, title: string, message: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, PAGE_HEADERS);
  res.end(renderError(title, message));
}
