// Both ways the provider authenticates: an SSWS API token, and an OAuth 2.0 service app that signs
// a private_key_jwt assertion for a scoped access token. The SDK talks to the stand-in over HTTP.
import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../actions/engine/provider.ts';
import { createOktaProvider, defaultScopes } from '../../actions/providers/okta/index.ts';
import {
  frozenNow,
  recordedContext,
  serviceKey,
  setUp,
  startStandIn,
  writesOf,
} from './helpers.ts';

describe('okta auth with an API token', () => {
  it('sends SSWS on every request', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();

    await setup.appHandler.create(context, setup.app);

    expect(standIn.requests.length).toBeGreaterThan(0);
    expect(
      new Set(standIn.requests.map((request) => request.requestHeaders.authorization)),
    ).toEqual(new Set(['SSWS']));
    expect(standIn.requests.some((request) => request.path === '/oauth2/v1/token')).toBe(false);
  });

  it('reports a wrong token as UNAUTHORIZED', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn, undefined, {
      token: '00wrongTokenWrongTokenWrongToken1234567890',
    });
    const { context } = recordedContext();

    const error = await setup.appHandler
      .observe(context, setup.app)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('UNAUTHORIZED');
    expect((error as ProviderError).vendorCode).toBe('E0000011');
    expect((error as ProviderError).message).toContain('Invalid token provided');
  });
});

describe('okta auth with a service app', () => {
  it('gets a scoped token with a PEM key', async () => {
    const key = serviceKey();
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [key.publicJwk],
      scopes: [...defaultScopes],
    });
    const setup = setUp(standIn, undefined, {
      clientId,
      privateKey: key.privatePem,
      keyId: 'test-key-1',
    });
    const { context } = recordedContext();

    const created = await setup.appHandler.create(context, setup.app);

    const [tokenRequest, ...rest] = standIn.requests;
    expect(tokenRequest?.path).toBe('/oauth2/v1/token');
    expect(tokenRequest?.status).toBe(200);
    expect(tokenRequest?.requestBody).toMatchObject({
      grant_type: 'client_credentials',
      scope: defaultScopes.join(' '),
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: '[redacted]',
    });
    expect(rest.every((request) => request.requestHeaders.authorization === 'Bearer')).toBe(true);
    expect(rest.some((request) => request.path === '/oauth2/v1/token')).toBe(false);
    expect(standIn.findAppByClientId(created.id)?.label).toBe('Hello World (SPA)');
  });

  it('shares one token between concurrent calls', async () => {
    const key = serviceKey();
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [key.publicJwk],
      scopes: [...defaultScopes],
    });
    const setup = setUp(standIn, undefined, {
      clientId,
      privateKey: key.privatePem,
      keyId: 'test-key-1',
    });
    const { context } = recordedContext();

    await Promise.all([
      setup.appHandler.observe(context, setup.app),
      setup.originHandler.observe(context, setup.trustedOrigin),
      setup.appHandler.observe(context, setup.app),
    ]);

    const tokenRequests = standIn.requests.filter((request) => request.path === '/oauth2/v1/token');
    const apiRequests = standIn.requests.filter((request) => request.path !== '/oauth2/v1/token');
    expect(tokenRequests).toHaveLength(1);
    expect(tokenRequests[0]?.status).toBe(200);
    expect(apiRequests.length).toBeGreaterThanOrEqual(3);
    expect(apiRequests.every((request) => request.requestHeaders.authorization === 'Bearer')).toBe(
      true,
    );
  });

  it('gets a token with a JWK key', async () => {
    const key = serviceKey();
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [key.publicJwk],
      scopes: [...defaultScopes],
    });
    const jwk = key.privateKey.export({ format: 'jwk' }) as Record<string, unknown>;
    const setup = setUp(standIn, undefined, {
      clientId,
      privateKey: { ...jwk, kid: 'test-key-1' },
    });
    const { context } = recordedContext();

    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();
    expect(standIn.requests.filter((request) => request.path === '/oauth2/v1/token')).toHaveLength(
      1,
    );
  });

  it('renews an expired access token', async () => {
    const key = serviceKey();
    let now = frozenNow;
    const standIn = await startStandIn({ now: () => now });
    const { clientId } = standIn.registerServiceApp({
      keys: [key.publicJwk],
      scopes: [...defaultScopes],
    });
    const setup = setUp(standIn, undefined, { clientId, privateKey: key.privatePem });
    const { context } = recordedContext();
    await setup.appHandler.observe(context, setup.app);

    now = new Date(frozenNow.getTime() + 2 * 60 * 60 * 1000);
    await setup.appHandler.observe(context, setup.app);

    const tokenRequests = standIn.requests.filter((request) => request.path === '/oauth2/v1/token');
    expect(tokenRequests.map((request) => request.status)).toEqual([200, 200]);
    expect(standIn.requests.filter((request) => request.status === 401)).toHaveLength(1);
  });

  it('reports a key Okta does not know', async () => {
    const registered = serviceKey('main');
    const other = serviceKey('other');
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [registered.publicJwk],
      scopes: [...defaultScopes],
    });
    const setup = setUp(standIn, undefined, {
      clientId,
      privateKey: other.privatePem,
      keyId: 'test-key-1',
    });
    const { context } = recordedContext();

    const error = await setup.appHandler
      .observe(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('UNAUTHORIZED');
    expect((error as ProviderError).vendorCode).toBe('invalid_client');
    expect((error as ProviderError).message).toContain(
      'The client_assertion signature is invalid.',
    );
    expect(writesOf(standIn)).toEqual([]);
  });

  it('reports a scope the app was not granted', async () => {
    const key = serviceKey();
    const standIn = await startStandIn();
    const { clientId } = standIn.registerServiceApp({
      keys: [key.publicJwk],
      scopes: ['okta.apps.manage', 'okta.policies.read'],
    });
    const setup = setUp(standIn, undefined, { clientId, privateKey: key.privatePem });
    const { context } = recordedContext();

    const error = await setup.appHandler
      .observe(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('FORBIDDEN');
    expect((error as ProviderError).vendorCode).toBe('invalid_scope');
    expect((error as ProviderError).message).toContain(
      'okta.trustedOrigins.manage okta.authorizationServers.read',
    );
  });

  it('reports a token that lacks a scope', async () => {
    const key = serviceKey();
    const standIn = await startStandIn();
    const readOnly = [
      'okta.apps.read',
      'okta.policies.read',
      'okta.authorizationServers.read',
      'okta.trustedOrigins.read',
    ];
    const { clientId } = standIn.registerServiceApp({ keys: [key.publicJwk], scopes: readOnly });
    const setup = setUp(standIn, undefined, {
      clientId,
      privateKey: key.privatePem,
      scopes: readOnly,
    });
    const { context } = recordedContext();

    expect(await setup.appHandler.observe(context, setup.app)).toBeUndefined();
    const error = await setup.appHandler
      .create(context, setup.app)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('FORBIDDEN');
    expect((error as ProviderError).vendorCode).toBe('E0000006');
    expect((error as ProviderError).message).toContain(
      'The access token lacks the scope okta.apps.manage.',
    );
    expect(standIn.apps()).toEqual([]);
  });
});

describe('createOktaProvider options', () => {
  // Each case is a mistake a workflow author could make when wiring inputs to the provider.
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      'admin console URL',
      { orgUrl: 'https://dev-1-admin.okta.com', token: '00abcdefghijk' },
      'drop "-admin"',
    ],
    [
      'plain http org',
      { orgUrl: 'http://dev-1.okta.com', token: '00abcdefghijk' },
      'must use https',
    ],
    [
      'org URL with a path',
      { orgUrl: 'https://dev-1.okta.com/oauth2', token: '00abcdefghijk' },
      'without path',
    ],
    [
      'token and key',
      {
        orgUrl: 'https://dev-1.okta.com',
        token: '00abcdefghijk',
        clientId: '0oa1',
        privateKey: 'x',
      },
      'not both',
    ],
    ['no credentials', { orgUrl: 'https://dev-1.okta.com' }, 'not both'],
    ['blank token', { orgUrl: 'https://dev-1.okta.com', token: ' ' }, 'token must be'],
    [
      'unreadable key',
      { orgUrl: 'https://dev-1.okta.com', clientId: '0oa1234567', privateKey: 'not a key' },
      'privateKey must be a PEM',
    ],
    [
      'scope of another API',
      {
        orgUrl: 'https://dev-1.okta.com',
        clientId: '0oa1234567',
        privateKey: '{"kty":"RSA"}',
        scopes: ['openid'],
      },
      'scopes must be Okta API scopes',
    ],
    [
      'zero timeout',
      { orgUrl: 'https://dev-1.okta.com', token: '00abcdefghijk', requestTimeoutMs: 0 },
      'requestTimeoutMs must be a positive integer',
    ],
  ];

  for (const [name, options, message] of cases) {
    it(`rejects ${name}`, () => {
      let caught: unknown;
      try {
        createOktaProvider(options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(ProviderError);
      expect((caught as ProviderError).code).toBe('INVALID');
      expect((caught as ProviderError).message).toContain(message);
    });
  }

  it('accepts a loopback http org', () => {
    const provider = createOktaProvider({
      orgUrl: 'http://127.0.0.1:8080/',
      token: '00abcdefghijk',
    });
    expect(provider.name).toBe('okta');
  });
});
