import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOidcStandIn, type ClientRegistration, type OidcStandIn } from './index.ts';
import { signInWithoutBrowser } from './sign-in.ts';
import { oktaUserId } from './users.ts';

const REDIRECT_URI = 'http://localhost:8000/docs/oauth2-redirect';
const ADA = { login: 'ada@example.com', password: 'correct horse battery staple' };
const clients = new Map<string, ClientRegistration>([
  ['0oadocs', { clientId: '0oadocs', redirectUris: [REDIRECT_URI] }],
]);

let oidc: OidcStandIn;
const logLines: string[] = [];

beforeAll(async () => {
  oidc = await startOidcStandIn({
    users: [
      ADA,
      {
        login: 'grace@example.com',
        password: 'hopper',
        id: '00ugrace000000000000',
        name: 'Grace Hopper',
      },
    ],
    findClient: (clientId) => Promise.resolve(clients.get(clientId)),
    scopes: ['messages:read', 'messages:write'],
    log: (line) => logLines.push(line),
  });
});

afterAll(async () => {
  await oidc.close();
});

function authorizeUrl(params: Record<string, string>): string {
  const url = new URL(`${oidc.issuer}/v1/authorize`);
  url.search = new URLSearchParams({
    client_id: '0oadocs',
    response_type: 'code',
    redirect_uri: REDIRECT_URI,
    scope: 'openid',
    state: 'state-1',
    code_challenge: createHash('sha256').update('verifier-'.padEnd(43, 'x')).digest('base64url'),
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  return url.href;
}

describe('metadata', () => {
  it('serves the OpenID document under the issuer', async () => {
    const response = await fetch(`${oidc.issuer}/.well-known/openid-configuration`);
    const metadata = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(oidc.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/oauth2\/default$/);
    expect(metadata.issuer).toBe(oidc.issuer);
    expect(metadata.authorization_endpoint).toBe(`${oidc.issuer}/v1/authorize`);
    expect(metadata.token_endpoint).toBe(`${oidc.issuer}/v1/token`);
    expect(metadata.jwks_uri).toBe(`${oidc.issuer}/v1/keys`);
    expect(metadata.userinfo_endpoint).toBe(`${oidc.issuer}/v1/userinfo`);
    expect(metadata.end_session_endpoint).toBe(`${oidc.issuer}/v1/logout`);
    expect(metadata.response_types_supported).toEqual(['code']);
    expect(metadata.code_challenge_methods_supported).toEqual(['S256']);
    expect(metadata.token_endpoint_auth_methods_supported).toEqual(['none']);
    expect(metadata.scopes_supported).toEqual([
      'openid',
      'profile',
      'email',
      'offline_access',
      'messages:read',
      'messages:write',
    ]);
  });

  it('serves the RFC 8414 document', async () => {
    const openid = (await (
      await fetch(`${oidc.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;
    const response = await fetch(`${oidc.issuer}/.well-known/oauth-authorization-server`);
    const oauth = (await response.json()) as Record<string, unknown>;

    expect(response.status).toBe(200);
    expect(oauth.issuer).toBe(oidc.issuer);
    expect(oauth.token_endpoint).toBe(openid.token_endpoint);
    expect(oauth.authorization_endpoint).toBe(openid.authorization_endpoint);
    expect(oauth).not.toHaveProperty('userinfo_endpoint');
    expect(oauth).not.toHaveProperty('id_token_signing_alg_values_supported');
    expect(oauth.claims_supported).toEqual([
      'ver',
      'jti',
      'iss',
      'aud',
      'iat',
      'exp',
      'cid',
      'uid',
      'scp',
      'sub',
    ]);
  });

  it('leaves out fields Okta does not send', async () => {
    const openid = (await (
      await fetch(`${oidc.issuer}/.well-known/openid-configuration`)
    ).json()) as Record<string, unknown>;

    for (const field of [
      'claims_parameter_supported',
      'claim_types_supported',
      'request_uri_parameter_supported',
      'authorization_response_iss_parameter_supported',
    ]) {
      expect(openid, field).not.toHaveProperty(field);
    }
  });

  it('allows browsers to read metadata', async () => {
    const response = await fetch(`${oidc.issuer}/.well-known/openid-configuration`, {
      headers: { origin: 'http://localhost:8000' },
    });

    expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:8000');
  });

  it('answers 404 outside the issuer path', async () => {
    const response = await fetch(`${oidc.url}/oauth2/other/.well-known/openid-configuration`);

    expect(response.status).toBe(404);
    expect(await response.text()).toContain(oidc.issuer);
  });
});

describe('jwks', () => {
  it('publishes one public RS256 key', async () => {
    const response = await fetch(oidc.jwksUri);
    const { keys } = (await response.json()) as { keys: Record<string, unknown>[] };

    expect(response.status).toBe(200);
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig', e: 'AQAB' });
    expect(typeof keys[0]?.kid).toBe('string');
    for (const privateField of ['d', 'p', 'q', 'dp', 'dq', 'qi']) {
      expect(keys[0]).not.toHaveProperty(privateField);
    }
  });

  it('keeps the key in keysPath across restarts', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'oidc-keys-'));
    const kidOf = async (server: OidcStandIn) =>
      ((await (await fetch(server.jwksUri)).json()) as { keys: { kid: string }[] }).keys[0]?.kid;
    try {
      const first = await startOidcStandIn({
        users: [ADA],
        findClient: () => Promise.resolve(undefined),
        keysPath: folder,
      });
      const firstKid = await kidOf(first);
      await first.close();
      const second = await startOidcStandIn({
        users: [ADA],
        findClient: () => Promise.resolve(undefined),
        keysPath: folder,
      });
      const secondKid = await kidOf(second);
      await second.close();

      expect(firstKid).toBeDefined();
      expect(secondKid).toBe(firstKid);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe('sign-in', () => {
  it('issues an Okta-shaped access token', async () => {
    const result = await signInWithoutBrowser({
      issuer: oidc.issuer,
      clientId: '0oadocs',
      redirectUri: REDIRECT_URI,
      ...ADA,
      scopes: ['openid', 'profile', 'email', 'messages:write'],
    });
    const jwks = createRemoteJWKSet(new URL(oidc.jwksUri));
    const { payload, protectedHeader } = await jwtVerify(result.accessToken, jwks, {
      issuer: oidc.issuer,
      audience: 'api://default',
      algorithms: ['RS256'],
    });

    expect(protectedHeader.alg).toBe('RS256');
    expect(protectedHeader).not.toHaveProperty('typ');
    expect(Object.keys(payload)).toEqual([
      'ver',
      'jti',
      'iss',
      'aud',
      'iat',
      'exp',
      'cid',
      'uid',
      'scp',
      'auth_time',
      'sub',
    ]);
    expect(payload.ver).toBe(1);
    expect(payload.cid).toBe('0oadocs');
    expect(payload.uid).toBe(oktaUserId(ADA.login));
    expect(payload.uid).toMatch(/^00u[0-9A-Za-z]{17}$/);
    expect(payload.sub).toBe(ADA.login);
    expect(payload.scp).toEqual(['openid', 'profile', 'email', 'messages:write']);
    expect(payload.exp! - payload.iat!).toBe(3600);
    expect(result.scope).toBe('openid profile email messages:write');
    expect(result.expiresIn).toBe(3600);
  });

  it('puts the user id in the ID token sub', async () => {
    const result = await signInWithoutBrowser({
      issuer: oidc.issuer,
      clientId: '0oadocs',
      redirectUri: REDIRECT_URI,
      login: 'grace@example.com',
      password: 'hopper',
      scopes: ['openid', 'profile'],
    });
    const jwks = createRemoteJWKSet(new URL(oidc.jwksUri));
    const { payload } = await jwtVerify(result.idToken ?? '', jwks, {
      issuer: oidc.issuer,
      audience: '0oadocs',
    });

    expect(payload.sub).toBe('00ugrace000000000000');
    expect(payload.name).toBe('Grace Hopper');
    expect(payload.preferred_username).toBe('grace@example.com');
  });

  it('allows CORS from the redirect URI origin only', async () => {
    const request = {
      issuer: oidc.issuer,
      clientId: '0oadocs',
      redirectUri: REDIRECT_URI,
      ...ADA,
      scopes: ['openid'],
    };
    const allowed = await signInWithoutBrowser(request);
    const other = await signInWithoutBrowser({ ...request, origin: 'http://evil.example' }).catch(
      (error: Error) => error,
    );

    expect(allowed.allowedOrigin).toBe('http://localhost:8000');
    expect(other).toBeInstanceOf(Error);
    expect((other as Error).message).toContain('invalid_request');
  });

  it('rejects a wrong password on the sign-in page', async () => {
    const authorize = await fetch(authorizeUrl({}), { redirect: 'manual' });
    const cookies = authorize.headers
      .getSetCookie()
      .map((cookie) => cookie.split(';')[0])
      .join('; ');
    const signInPage = new URL(authorize.headers.get('location') ?? '', oidc.url);
    const response = await fetch(`${signInPage.href}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookies, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        username: '<img src=x onerror=alert(1)>',
        password: 'Tr0ub4dor&3',
      }),
    });
    const html = await response.text();

    expect(response.status).toBe(401);
    expect(html).toContain('Unable to sign in');
    expect(html).toContain('value="&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).not.toContain('<img src=x');
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
    expect(logLines).toContain(
      'OIDC stand-in: sign-in rejected for "<img src=x onerror=alert(1)>": unknown username or wrong password',
    );
    expect(logLines.join('\n')).not.toContain('Tr0ub4dor&3');
  });

  it('redirects access_denied when consent is denied', async () => {
    const cookies = new Map<string, string>();
    const send = async (url: string, init: RequestInit = {}) => {
      const header = [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
      const response = await fetch(url, {
        ...init,
        redirect: 'manual',
        headers: { ...init.headers, cookie: header },
      });
      for (const cookie of response.headers.getSetCookie()) {
        const [name = '', value = ''] = (cookie.split(';')[0] ?? '').split('=');
        cookies.set(name, value);
      }
      return new URL(response.headers.get('location') ?? '', url).href;
    };
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    const signInPage = await send(authorizeUrl({}));
    const resume = await send(`${signInPage}/login`, {
      method: 'POST',
      headers: form,
      body: new URLSearchParams({ username: ADA.login, password: ADA.password }),
    });
    const consentPage = await send(resume);
    const afterAbort = await send(`${consentPage}/abort`, { method: 'POST' });
    const callback = new URL(await send(afterAbort));

    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('state')).toBe('state-1');
  });

  it('shows an expired page for an unknown interaction', async () => {
    const response = await fetch(`${oidc.url}/signin/unknown-uid`);

    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Start again from the application');
  });
});

describe('authorization request', () => {
  it('requires PKCE', async () => {
    const url = new URL(authorizeUrl({}));
    url.searchParams.delete('code_challenge');
    url.searchParams.delete('code_challenge_method');
    const response = await fetch(url, { redirect: 'manual' });
    const callback = new URL(response.headers.get('location') ?? '');

    expect(response.status).toBe(303);
    expect(`${callback.origin}${callback.pathname}`).toBe(REDIRECT_URI);
    expect(callback.searchParams.get('error')).toBe('invalid_request');
    expect(callback.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('rejects the plain PKCE method', async () => {
    const response = await fetch(authorizeUrl({ code_challenge_method: 'plain' }), {
      redirect: 'manual',
    });
    const callback = new URL(response.headers.get('location') ?? '');

    expect(callback.searchParams.get('error')).toBe('invalid_request');
  });

  it('rejects an unregistered redirect URI', async () => {
    const response = await fetch(authorizeUrl({ redirect_uri: 'http://localhost:9999/steal' }), {
      redirect: 'manual',
    });
    const html = await response.text();

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(html).toContain('redirect_uri did not match any of the client');
    expect(html).not.toMatch(/https?:\/\//);
    expect(response.headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  it('rejects an unknown client', async () => {
    const response = await fetch(authorizeUrl({ client_id: 'not-registered' }), {
      redirect: 'manual',
    });

    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain('invalid_client');
  });

  it('asks findClient on every request', async () => {
    const before = await fetch(authorizeUrl({ client_id: '0oalater' }), { redirect: 'manual' });
    clients.set('0oalater', { clientId: '0oalater', redirectUris: [REDIRECT_URI] });
    const after = await fetch(authorizeUrl({ client_id: '0oalater' }), { redirect: 'manual' });
    clients.delete('0oalater');

    expect(before.status).toBe(400);
    expect(after.status).toBe(303);
    expect(after.headers.get('location')).toMatch(/^\/signin\//);
  });

  it('rejects a code exchange without the verifier', async () => {
    const response = await fetch(`${oidc.issuer}/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: randomBytes(32).toString('base64url'),
        client_id: '0oadocs',
        redirect_uri: REDIRECT_URI,
      }),
    });
    const body = (await response.json()) as { error: string };

    expect(response.status).toBe(400);
    expect(body.error).toBe('invalid_grant');
  });

  it('rejects a client secret', async () => {
    const response = await fetch(`${oidc.issuer}/v1/token`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Basic ${Buffer.from('0oadocs:secret').toString('base64')}`,
      },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code: 'x',
        redirect_uri: REDIRECT_URI,
        code_verifier: 'y'.repeat(43),
      }),
    });
    const body = (await response.json()) as { error: string };

    expect(response.status).toBe(401);
    expect(body.error).toBe('invalid_client');
  });
});

describe('mintAccessToken', () => {
  it('signs a token the JWKS verifies', async () => {
    const token = await oidc.mintAccessToken({
      login: ADA.login,
      clientId: '0oadocs',
      scopes: ['openid', 'messages:read'],
      issuedAt: 1_900_000_000,
      expiresInSeconds: 60,
    });
    const { payload } = await jwtVerify(token, createRemoteJWKSet(new URL(oidc.jwksUri)), {
      issuer: oidc.issuer,
      audience: oidc.audience,
      currentDate: new Date(1_900_000_010 * 1000),
    });

    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'RS256',
      kid: expect.any(String) as string,
    });
    expect(payload).toMatchObject({
      ver: 1,
      cid: '0oadocs',
      uid: oktaUserId(ADA.login),
      sub: ADA.login,
      scp: ['openid', 'messages:read'],
      iat: 1_900_000_000,
      exp: 1_900_000_060,
    });
    expect(payload.jti).toMatch(/^AT\./);
    expect(payload).not.toHaveProperty('auth_time');
  });

  it('rejects an unknown login', async () => {
    await expect(
      oidc.mintAccessToken({ login: 'nobody@example.com', clientId: '0oadocs', scopes: [] }),
    ).rejects.toThrow('no test user has login "nobody@example.com"');
  });

  it('rejects an unknown scope', async () => {
    await expect(
      oidc.mintAccessToken({ login: ADA.login, clientId: '0oadocs', scopes: ['admin'] }),
    ).rejects.toThrow('unknown scopes admin');
  });
});

describe('options', () => {
  it('lists every invalid option', async () => {
    const error = await startOidcStandIn({
      port: 70_000,
      users: [],
      findClient: () => Promise.resolve(undefined),
      scopes: ['bad scope'],
      accessTokenTtlSeconds: 0,
    }).catch((caught: Error) => caught);

    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toContain(
      'port: must be an integer from 0 to 65535 (got 70000)',
    );
    expect((error as Error).message).toContain('scopes: "bad scope" is not a valid scope token');
    expect((error as Error).message).toContain(
      'accessTokenTtlSeconds: must be a positive integer (got 0)',
    );
  });

  it('rejects duplicate logins', async () => {
    await expect(
      startOidcStandIn({ users: [ADA, ADA], findClient: () => Promise.resolve(undefined) }),
    ).rejects.toThrow('users[1].login: duplicate login "ada@example.com"');
  });
});
