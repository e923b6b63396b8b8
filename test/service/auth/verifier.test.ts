import { createHmac, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { SignJWT } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  ClientNotAllowedError,
  IdentityProviderUnavailableError,
  InvalidTokenError,
} from '../../../service/src/auth/errors.ts';
import type { AccessTokenVerifierOptions } from '../../../service/src/auth/verifier.ts';
import { createAccessTokenVerifier } from '../../../service/src/auth/verifier.ts';
import type { SigningKey, TestIdentityProvider } from '../helpers/identity-provider.ts';
import {
  generateSigningKey,
  startIdentityProvider,
  testAudience,
  testClientId,
} from '../helpers/identity-provider.ts';

const frozen = new Date('2026-01-15T10:00:00Z');
const now = () => frozen;
let keys: SigningKey[];

beforeAll(async () => {
  keys = await Promise.all([generateSigningKey('key-1'), generateSigningKey('key-2')]);
});

afterEach(() => {
  vi.useRealTimers();
});

function verifierFor(
  idp: TestIdentityProvider,
  overrides: Partial<AccessTokenVerifierOptions> = {},
) {
  return createAccessTokenVerifier({
    issuer: idp.issuer,
    audience: testAudience,
    clockToleranceSeconds: 30,
    allowedClientIds: [],
    jwksCooldownMs: 30_000,
    jwksCacheMaxAgeMs: 600_000,
    httpTimeoutMs: 2_000,
    failureBackoffMs: 5_000,
    now,
    ...overrides,
  });
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}

async function expectRejected(promise: Promise<unknown>, reason: string): Promise<void> {
  const error = await rejection(promise);
  expect(error).toBeInstanceOf(InvalidTokenError);
  expect((error as InvalidTokenError).reason).toBe(reason);
}

describe('access token verifier', () => {
  it('accepts an Okta access token', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp);

    const caller = await verifier.verify(await idp.sign({ scp: ['profile', 'openid'] }));

    expect(caller).toEqual({
      subject: 'ada@example.com',
      clientId: testClientId,
      userId: '00u1testuser',
      scopes: ['openid', 'profile'],
    });
  });

  it('reads the JWKS URI from the metadata only', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp);
    // jku and x5u in the header must not make the verifier fetch anything else.
    const token = await idp.sign({}, { header: { jku: 'http://127.0.0.1:9/keys' } });

    await verifier.verify(token);

    expect(idp.metadataRequests).toEqual([
      '/oauth2/default/.well-known/oauth-authorization-server',
    ]);
    expect(idp.jwksRequests).toBe(1);
  });

  it('falls back to openid-configuration', async () => {
    const idp = await startIdentityProvider({ now, keys, openIdConfigurationOnly: true });

    await verifierFor(idp).verify(await idp.sign());

    expect(idp.metadataRequests).toEqual([
      '/oauth2/default/.well-known/oauth-authorization-server',
      '/oauth2/default/.well-known/openid-configuration',
    ]);
  });

  it('rejects an expired token', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const issued = frozen.getTime() / 1000 - 7200;

    await expectRejected(
      verifierFor(idp).verify(await idp.sign({ iat: issued, exp: issued + 3600 })),
      'expired',
    );
  });

  it('accepts expiry within the clock tolerance', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const exp = frozen.getTime() / 1000 - 10;

    const caller = await verifierFor(idp).verify(await idp.sign({ iat: exp - 3600, exp }));

    expect(caller.subject).toBe('ada@example.com');
  });

  it('rejects a token not valid yet', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const nbf = frozen.getTime() / 1000 + 300;

    await expectRejected(verifierFor(idp).verify(await idp.sign({ nbf })), 'not-yet-valid');
  });

  it('rejects another issuer', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const token = await idp.sign({ iss: idp.issuer.replace('/default', '/other') });

    await expectRejected(verifierFor(idp).verify(token), 'wrong-issuer');
  });

  it('rejects another audience', async () => {
    const idp = await startIdentityProvider({ now, keys });

    await expectRejected(
      verifierFor(idp).verify(await idp.sign({ aud: 'api://other' })),
      'wrong-audience',
    );
  });

  it('rejects an ID token with nonce', async () => {
    const idp = await startIdentityProvider({ now, keys });
    // Audience matches, so only the ID token claims give it away.
    const token = await idp.sign({ nonce: 'n-0S6_WzA2Mj', at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q' });

    await expectRejected(verifierFor(idp).verify(token), 'id-token');
  });

  it('rejects an ID token for the client', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const token = await idp.sign({
      aud: testClientId,
      cid: undefined,
      scp: undefined,
      uid: undefined,
      nonce: 'n-0S6_WzA2Mj',
      amr: ['pwd'],
    });

    await expectRejected(verifierFor(idp).verify(token), 'wrong-audience');
  });

  it('rejects a token without cid', async () => {
    const idp = await startIdentityProvider({ now, keys });

    await expectRejected(
      verifierFor(idp).verify(await idp.sign({ cid: undefined })),
      'missing-claim',
    );
  });

  it('rejects a token without scp', async () => {
    const idp = await startIdentityProvider({ now, keys });

    await expectRejected(
      verifierFor(idp).verify(await idp.sign({ scp: undefined })),
      'missing-claim',
    );
  });

  it('rejects alg none', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const valid = await idp.sign();
    const payload = valid.split('.')[1]!;
    const header = Buffer.from(JSON.stringify({ alg: 'none', kid: keys[0]!.kid })).toString(
      'base64url',
    );

    await expectRejected(verifierFor(idp).verify(`${header}.${payload}.`), 'algorithm-not-allowed');
  });

  it('rejects HS256 keyed with the public key', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const valid = await idp.sign();
    const payload = valid.split('.')[1]!;
    const header = Buffer.from(JSON.stringify({ alg: 'HS256', kid: keys[0]!.kid })).toString(
      'base64url',
    );
    // The classic confusion attack: the RSA public key, as PEM text, used as the HMAC secret.
    const publicPem = createPublicKey(keys[0]!.privateKey).export({ type: 'spki', format: 'pem' });
    const signature = createHmac('sha256', publicPem)
      .update(`${header}.${payload}`)
      .digest('base64url');

    await expectRejected(
      verifierFor(idp).verify(`${header}.${payload}.${signature}`),
      'algorithm-not-allowed',
    );
  });

  it('rejects PS256 with the right key', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const token = await new SignJWT({ sub: 'ada@example.com', cid: testClientId, scp: [] })
      .setProtectedHeader({ alg: 'PS256', kid: keys[0]!.kid })
      .setIssuer(idp.issuer)
      .setAudience(testAudience)
      .setIssuedAt(frozen)
      .setExpirationTime(new Date(frozen.getTime() + 60_000))
      .sign(keys[0]!.privateKey);

    await expectRejected(verifierFor(idp).verify(token), 'algorithm-not-allowed');
  });

  it('rejects a tampered payload', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const [header, payload, signature] = (await idp.sign()).split('.');
    const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'mallory@example.com' })).toString(
      'base64url',
    );

    await expectRejected(
      verifierFor(idp).verify(`${header}.${forged}.${signature}`),
      'bad-signature',
    );
  });

  it('rejects a key outside the JWKS', async () => {
    const idp = await startIdentityProvider({ now, keys: [keys[0]!] });
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const token = await idp.sign({}, { key: { ...keys[0]!, privateKey } });

    await expectRejected(verifierFor(idp).verify(token), 'bad-signature');
  });

  it('rejects a malformed token', async () => {
    const idp = await startIdentityProvider({ now, keys });

    await expectRejected(verifierFor(idp).verify('not.a.jwt'), 'malformed');
  });

  it('rejects a client outside the allow-list', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp, { allowedClientIds: ['0oa1other'] });

    const error = await rejection(verifier.verify(await idp.sign()));

    expect(error).toBeInstanceOf(ClientNotAllowedError);
    expect((error as ClientNotAllowedError).clientId).toBe(testClientId);
  });

  it('accepts a client on the allow-list', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp, { allowedClientIds: ['0oa1other', testClientId] });

    expect((await verifier.verify(await idp.sign())).clientId).toBe(testClientId);
  });

  it('rejects clock tolerance over 300 s', async () => {
    const idp = await startIdentityProvider({ now, keys });

    expect(() => verifierFor(idp, { clockToleranceSeconds: 301 })).toThrow(RangeError);
    expect(() => verifierFor(idp, { clockToleranceSeconds: -1 })).toThrow(RangeError);
  });
});

describe('signing key rotation', () => {
  it('accepts a new key on first sight', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: frozen });
    const idp = await startIdentityProvider({ now: () => new Date(), keys: [keys[0]!] });
    const verifier = verifierFor(idp, { now: () => new Date() });
    await verifier.verify(await idp.sign());

    // Okta publishes the next key, then signs with it; the old key leaves the JWKS.
    vi.setSystemTime(frozen.getTime() + 31_000);
    idp.publishedKeys = [keys[1]!];
    idp.currentKey = keys[1]!;
    const caller = await verifier.verify(await idp.sign());

    expect(caller.subject).toBe('ada@example.com');
    expect(idp.jwksRequests).toBe(2);
  });

  it('fetches once per cooldown for unknown kids', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: frozen });
    const idp = await startIdentityProvider({ now: () => new Date(), keys: [keys[0]!] });
    const verifier = verifierFor(idp, { now: () => new Date() });
    await verifier.verify(await idp.sign());
    expect(idp.jwksRequests).toBe(1);

    // The first unknown kid after the cooldown downloads once; the next ones wait a cooldown.
    vi.setSystemTime(frozen.getTime() + 31_000);
    for (let index = 0; index < 10; index += 1) {
      const token = await idp.sign({}, { header: { kid: `unknown-${index}` } });
      await expectRejected(verifier.verify(token), 'unknown-key');
    }
    expect(idp.jwksRequests).toBe(2);

    vi.setSystemTime(frozen.getTime() + 45_000);
    for (let index = 0; index < 5; index += 1) {
      const token = await idp.sign({}, { header: { kid: `unknown-later-${index}` } });
      await expectRejected(verifier.verify(token), 'unknown-key');
    }
    expect(idp.jwksRequests).toBe(2);

    // One cooldown after the last download, the next unknown kid downloads once more.
    vi.setSystemTime(frozen.getTime() + 62_000);
    await expectRejected(
      verifier.verify(await idp.sign({}, { header: { kid: 'unknown-after' } })),
      'unknown-key',
    );
    expect(idp.jwksRequests).toBe(3);
  });
});

describe('unreachable JWKS', () => {
  it('fails as unavailable on HTTP 500', async () => {
    const idp = await startIdentityProvider({ now, keys });
    idp.jwksMode = 'error';

    const error = await rejection(verifierFor(idp).verify(await idp.sign()));

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect((error as IdentityProviderUnavailableError).retryAfterSeconds).toBe(5);
  });

  it('fails as unavailable on a dropped connection', async () => {
    const idp = await startIdentityProvider({ now, keys });
    idp.jwksMode = 'unreachable';

    const error = await rejection(verifierFor(idp).verify(await idp.sign()));

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
  });

  it('backs off after a failed download', async () => {
    let clock = frozen.getTime();
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp, { now: () => new Date(clock) });
    idp.jwksMode = 'error';
    const token = await idp.sign();

    for (let index = 0; index < 5; index += 1) {
      expect(await rejection(verifier.verify(token))).toBeInstanceOf(
        IdentityProviderUnavailableError,
      );
    }
    expect(idp.jwksRequests).toBe(1);

    // After the backoff the next request downloads again and, with the JWKS back, succeeds.
    idp.jwksMode = 'up';
    clock += 5_000;
    expect((await verifier.verify(token)).subject).toBe('ada@example.com');
    expect(idp.jwksRequests).toBe(2);
  });

  it('verifies cached keys during the backoff', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: frozen });
    const idp = await startIdentityProvider({ now: () => new Date(), keys: [keys[0]!] });
    const verifier = verifierFor(idp, { now: () => new Date() });
    await verifier.verify(await idp.sign());

    // After the cooldown an unknown kid makes the verifier download again, which fails.
    vi.setSystemTime(frozen.getTime() + 31_000);
    idp.jwksMode = 'error';
    const unknown = await idp.sign({}, { header: { kid: 'rotated-in' } });
    expect(await rejection(verifier.verify(unknown))).toBeInstanceOf(
      IdentityProviderUnavailableError,
    );
    expect(idp.jwksRequests).toBe(2);

    // Within the backoff a cached key still verifies, and an unknown one fails without a request.
    expect((await verifier.verify(await idp.sign())).subject).toBe('ada@example.com');
    expect(await rejection(verifier.verify(unknown))).toBeInstanceOf(
      IdentityProviderUnavailableError,
    );
    expect(idp.jwksRequests).toBe(2);
  });

  it('fails as unavailable when metadata names another issuer', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = createAccessTokenVerifier({
      issuer: idp.issuer.replace('127.0.0.1', 'localhost'),
      audience: testAudience,
      clockToleranceSeconds: 0,
      allowedClientIds: [],
      jwksCooldownMs: 30_000,
      jwksCacheMaxAgeMs: 600_000,
      httpTimeoutMs: 2_000,
      now,
    });

    const error = await rejection(verifier.verify(await idp.sign()));

    expect(error).toBeInstanceOf(IdentityProviderUnavailableError);
    expect((error as Error).message).toContain('names issuer');
    expect(idp.jwksRequests).toBe(0);
  });

  it('primes metadata and keys', async () => {
    const idp = await startIdentityProvider({ now, keys });
    const verifier = verifierFor(idp);

    await verifier.prime();
    await verifier.verify(await idp.sign());

    expect(idp.metadataRequests).toHaveLength(1);
    expect(idp.jwksRequests).toBe(1);
  });
});
