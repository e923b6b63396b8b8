// Bearer authentication over real HTTP: every rejection is a 401 problem with an RFC 6750
// challenge, a disallowed client is a 403, and an unreachable JWKS is a 503 that accepts nothing.
import { beforeAll, describe, expect, it } from 'vitest';
import { problemSchema } from '../../../service/src/schemas.ts';
import type { SigningKey } from '../helpers/identity-provider.ts';
import {
  generateSigningKey,
  startIdentityProvider,
  testClientId,
} from '../helpers/identity-provider.ts';
import { closedPortUri, startTestService } from '../helpers/service.ts';

const frozen = new Date('2026-01-15T10:00:00Z');
const now = () => frozen;
const seconds = frozen.getTime() / 1000;
let key: SigningKey;

beforeAll(async () => {
  key = await generateSigningKey('key-1');
});

async function start(env: Record<string, string> = {}) {
  const idp = await startIdentityProvider({ now, keys: [key] });
  const service = await startTestService({ idp, mongoUri: await closedPortUri(), env, now });
  return { idp, service };
}

async function readProblem(response: Response) {
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  return problemSchema.parse(await response.json());
}

describe('missing credentials', () => {
  it('challenges without a token', async () => {
    const { service } = await start();

    const response = await fetch(`${service.url}/messages`);

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const problem = await readProblem(response);
    expect(problem.code).toBe('missing-token');
    expect(problem.type).toBe('/problems/missing-token');
    expect(problem.requestId).toBe('req-1');
  });

  it('challenges the Basic scheme', async () => {
    const { service } = await start();

    const response = await fetch(`${service.url}/messages`, {
      headers: { authorization: 'Basic YWRhOnNlY3JldA==' },
    });

    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
    const problem = await readProblem(response);
    expect(problem.detail).toContain('"Basic" scheme');
    expect(problem.detail).not.toContain('YWRhOnNlY3JldA');
  });
});

describe('rejected tokens', () => {
  const cases: {
    name: string;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    raw?: (valid: string) => string;
    description: string;
  }[] = [
    {
      name: 'expired',
      claims: { iat: seconds - 7200, exp: seconds - 3600 },
      description: 'The access token expired.',
    },
    {
      name: 'not yet valid',
      claims: { nbf: seconds + 600 },
      description: 'The access token is not valid yet.',
    },
    {
      name: 'other issuer',
      claims: { iss: 'https://dev-1.okta.com/oauth2/default' },
      description: 'The access token was issued by another issuer.',
    },
    {
      name: 'other audience',
      claims: { aud: 'api://other' },
      description: 'The access token was issued for another audience.',
    },
    {
      name: 'ID token',
      claims: { nonce: 'abc', at_hash: 'def' },
      description: 'The token is an ID token; send the access token instead.',
    },
    {
      name: 'unknown kid',
      header: { kid: 'not-published' },
      description: 'No signing key of the issuer matches the access token kid.',
    },
    {
      name: 'alg none',
      raw: (valid) => {
        const header = Buffer.from('{"alg":"none"}').toString('base64url');
        return `${header}.${valid.split('.')[1]}.`;
      },
      description: 'The access token is not signed with RS256.',
    },
    {
      name: 'tampered signature',
      raw: (valid) => `${valid.slice(0, -4)}AAAA`,
      description: 'The access token signature is invalid.',
    },
    {
      name: 'malformed',
      raw: () => 'abc.def',
      description: 'The access token is not a well-formed signed JWT.',
    },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, async () => {
      const { idp, service } = await start();
      const valid = await idp.sign(testCase.claims ?? {}, { header: testCase.header ?? {} });
      const token = testCase.raw ? testCase.raw(valid) : valid;

      const response = await fetch(`${service.url}/messages`, {
        headers: { authorization: `Bearer ${token}` },
      });

      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe(
        `Bearer error="invalid_token", error_description="${testCase.description}"`,
      );
      const problem = await readProblem(response);
      expect(problem.code).toBe('invalid-token');
      expect(problem.detail).toBe(testCase.description);
    });
  }

  it('rejects a token with a space inside', async () => {
    const { service } = await start();

    const response = await fetch(`${service.url}/messages`, {
      headers: { authorization: 'Bearer abc def' },
    });

    expect(response.status).toBe(401);
    expect((await readProblem(response)).code).toBe('invalid-token');
  });
});

describe('client allow-list', () => {
  it('forbids other clients', async () => {
    const { idp, service } = await start({ OKTA_ALLOWED_CLIENT_IDS: '0oa1other, 0oa1third' });

    const response = await fetch(`${service.url}/messages`, {
      headers: { authorization: `Bearer ${await idp.sign()}` },
    });

    expect(response.status).toBe(403);
    const problem = await readProblem(response);
    expect(problem.code).toBe('client-not-allowed');
    expect(problem.detail).toContain(testClientId);
  });
});

describe('identity provider down', () => {
  it('returns 503 and accepts nothing', async () => {
    const { idp, service } = await start();
    idp.jwksMode = 'error';

    const response = await fetch(`${service.url}/messages`, {
      headers: { authorization: `Bearer ${await idp.sign()}` },
    });

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect((await readProblem(response)).code).toBe('identity-provider-unavailable');
  });
});

describe('database down', () => {
  it('returns a fast 503 with Retry-After', async () => {
    const { idp, service } = await start();

    const response = await fetch(`${service.url}/messages`, {
      headers: { authorization: `Bearer ${await idp.sign()}` },
    });

    expect(response.status).toBe(503);
    expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    const problem = await readProblem(response);
    expect(problem.code).toBe('database-unavailable');
    expect(problem.detail).toBe('The database did not respond in time.');
    // The driver's message names the address it tried; the client never sees it.
    expect(JSON.stringify(problem)).not.toContain('127.0.0.1');
  });
});
