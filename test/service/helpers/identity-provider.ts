// A loopback stand-in for an Okta custom authorization server, reduced to what a resource server
// reads: the issuer metadata and the JWKS. Tokens are signed here with test keys, in Okta's shape.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { JWK } from 'jose';
import { exportJWK, SignJWT } from 'jose';
import type { KeyObject } from 'node:crypto';
import { startServer } from '../../helpers/servers.ts';

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  publicJwk: JWK;
}

/** How the JWKS endpoint behaves. */
export type JwksMode = 'up' | 'error' | 'unreachable';

export interface TestIdentityProvider {
  /** `{base}/oauth2/default`, as Okta names a custom authorization server. */
  readonly issuer: string;
  readonly jwksUri: string;
  /** Requests the JWKS endpoint received, including failed ones. */
  readonly jwksRequests: number;
  readonly metadataRequests: string[];
  /** The key that `sign` uses by default. */
  currentKey: SigningKey;
  /** Keys published in the JWKS. */
  publishedKeys: SigningKey[];
  jwksMode: JwksMode;
  /** Signs an Okta-shaped access token; `claims` override or (with undefined) remove defaults. */
  sign(claims?: Record<string, unknown>, options?: SignOptions): Promise<string>;
  close(): Promise<void>;
}

export interface SignOptions {
  key?: SigningKey;
  /** Protected header fields, such as another `kid` or `typ`. */
  header?: Record<string, unknown>;
}

export interface IdentityProviderOptions {
  /** Time the default `iat` and `exp` are counted from. */
  now: () => Date;
  /** Serve metadata only at openid-configuration, as some OpenID providers do. */
  openIdConfigurationOnly?: boolean;
  /** Published keys, the first one signing; defaults to one key shared within the test file. */
  keys?: SigningKey[];
}

export const testAudience = 'api://default';
export const testClientId = '0oa1testclient';

/** Generates an RS256 key pair with a kid. RSA generation is slow: share keys across tests. */
export async function generateSigningKey(kid = `kid-${randomUUID()}`): Promise<SigningKey> {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
  return { kid, privateKey, publicJwk };
}

let defaultKey: Promise<SigningKey> | undefined;

/** Starts the stand-in on 127.0.0.1; it stops with the test (or the file) that started it. */
export async function startIdentityProvider(
  options: IdentityProviderOptions,
): Promise<TestIdentityProvider> {
  // One default key per test file, because 2048-bit RSA generation takes up to seconds.
  defaultKey ??= generateSigningKey('default-key');
  const keys = options.keys ?? [await defaultKey];
  let jwksRequests = 0;
  const metadataRequests: string[] = [];
  let base = '';

  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    if (path === '/oauth2/default/v1/keys') {
      jwksRequests += 1;
      if (provider.jwksMode === 'unreachable') {
        request.socket.destroy();
        return;
      }
      if (provider.jwksMode === 'error') {
        sendJson(response, 500, { errorCode: 'E0000009', errorSummary: 'Internal Server Error' });
        return;
      }
      sendJson(response, 200, { keys: provider.publishedKeys.map((key) => key.publicJwk) });
      return;
    }
    const metadataPath = options.openIdConfigurationOnly
      ? '/oauth2/default/.well-known/openid-configuration'
      : '/oauth2/default/.well-known/oauth-authorization-server';
    if (path.startsWith('/oauth2/default/.well-known/')) {
      metadataRequests.push(path);
    }
    if (path === metadataPath) {
      const issuer = `${base}/oauth2/default`;
      sendJson(response, 200, {
        issuer,
        authorization_endpoint: `${issuer}/v1/authorize`,
        token_endpoint: `${issuer}/v1/token`,
        jwks_uri: `${issuer}/v1/keys`,
        response_types_supported: ['code'],
        id_token_signing_alg_values_supported: ['RS256'],
      });
      return;
    }
    sendJson(response, 404, {
      errorCode: 'E0000022',
      errorSummary: 'The endpoint does not exist.',
    });
  });
  const loopback = await startServer(server);
  base = loopback.url;

  const provider: TestIdentityProvider = {
    issuer: `${base}/oauth2/default`,
    jwksUri: `${base}/oauth2/default/v1/keys`,
    get jwksRequests() {
      return jwksRequests;
    },
    metadataRequests,
    currentKey: keys[0]!,
    publishedKeys: [...keys],
    jwksMode: 'up',
    async sign(claims = {}, signOptions = {}) {
      const key = signOptions.key ?? provider.currentKey;
      const issuedAt = Math.floor(options.now().getTime() / 1000);
      const payload: Record<string, unknown> = {
        ver: 1,
        jti: `AT.${randomUUID()}`,
        iss: provider.issuer,
        aud: testAudience,
        iat: issuedAt,
        exp: issuedAt + 3600,
        cid: testClientId,
        uid: '00u1testuser',
        scp: ['openid', 'profile'],
        sub: 'ada@example.com',
        ...claims,
      };
      for (const [name, value] of Object.entries(payload)) {
        if (value === undefined) {
          delete payload[name];
        }
      }
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...signOptions.header })
        .sign(key.privateKey);
    },
    close: () => loopback.close(),
  };
  return provider;
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}
