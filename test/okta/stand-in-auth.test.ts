// The stand-in's authentication, token endpoint, rate limits, faults and request log.
import { randomUUID } from 'node:crypto';
import { SignJWT, importPKCS8 } from 'jose';
import { describe, expect, it } from 'vitest';
import type { OktaStandIn } from '../stand-ins/okta/index.ts';
import { serviceKey, startStandIn } from './helpers.ts';

async function assertion(
  standIn: OktaStandIn,
  clientId: string,
  privatePem: string,
  claims: { audience?: string; expiresAt?: Date; jti?: string } = {},
): Promise<string> {
  const key = await importPKCS8(privatePem, 'RS256');
  return (
    new SignJWT({})
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key-1' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(claims.audience ?? `${standIn.url}/oauth2/v1/token`)
      // The stand-in's clock is frozen, so the assertion is timed by it.
      .setIssuedAt(new Date('2026-06-01T11:59:00.000Z'))
      .setExpirationTime(claims.expiresAt ?? new Date('2026-06-01T12:05:00.000Z'))
      .setJti(claims.jti ?? randomUUID())
      .sign(key)
  );
}

async function requestToken(standIn: OktaStandIn, form: Record<string, string>) {
  const response = await fetch(`${standIn.url}/oauth2/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

function tokenForm(clientAssertion: string, scope: string): Record<string, string> {
  return {
    grant_type: 'client_credentials',
    scope,
    client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    client_assertion: clientAssertion,
  };
}

async function serviceApp(scopes: string[]) {
  const key = serviceKey();
  const standIn = await startStandIn();
  const { clientId } = standIn.registerServiceApp({ keys: [key.publicJwk], scopes });
  return { standIn, clientId, key };
}

describe('stand-in auth', () => {
  it('rejects a missing or wrong credential', async () => {
    const standIn = await startStandIn();

    const missing = await fetch(`${standIn.url}/api/v1/apps`);
    const wrong = await fetch(`${standIn.url}/api/v1/apps`, {
      headers: { authorization: 'SSWS 00notTheToken' },
    });
    const bearer = await fetch(`${standIn.url}/api/v1/apps`, {
      headers: { authorization: 'Bearer undefined' },
    });

    for (const response of [missing, wrong, bearer]) {
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({
        errorCode: 'E0000011',
        errorSummary: 'Invalid token provided',
      });
    }
  });

  it('issues a token for a signed assertion', async () => {
    const { standIn, clientId, key } = await serviceApp(['okta.apps.read']);

    const token = await requestToken(
      standIn,
      tokenForm(await assertion(standIn, clientId, key.privatePem), 'okta.apps.read'),
    );
    const apps = await fetch(`${standIn.url}/api/v1/apps`, {
      headers: { authorization: `Bearer ${String(token.body.access_token)}` },
    });

    expect(token.status).toBe(200);
    expect(token.body).toMatchObject({
      token_type: 'Bearer',
      expires_in: 3600,
      scope: 'okta.apps.read',
    });
    expect(typeof token.body.access_token).toBe('string');
    expect(apps.status).toBe(200);
  });

  it('rejects a reused, expired or misaddressed assertion', async () => {
    const { standIn, clientId, key } = await serviceApp(['okta.apps.read']);
    const once = await assertion(standIn, clientId, key.privatePem, { jti: 'only-once' });
    await requestToken(standIn, tokenForm(once, 'okta.apps.read'));

    const reused = await requestToken(standIn, tokenForm(once, 'okta.apps.read'));
    const expired = await requestToken(
      standIn,
      tokenForm(
        await assertion(standIn, clientId, key.privatePem, {
          expiresAt: new Date('2026-06-01T11:59:30.000Z'),
        }),
        'okta.apps.read',
      ),
    );
    const elsewhere = await requestToken(
      standIn,
      tokenForm(
        await assertion(standIn, clientId, key.privatePem, {
          audience: 'https://dev-1.okta.com/oauth2/v1/token',
        }),
        'okta.apps.read',
      ),
    );

    expect(reused).toEqual({
      status: 401,
      body: {
        error: 'invalid_client',
        error_description: 'The client_assertion token has already been used.',
      },
    });
    expect(expired.body.error_description).toBe('The client_assertion token is expired.');
    expect(elsewhere.body.error_description).toBe('The client_assertion claim "aud" is invalid.');
  });

  it('grants only the granted scopes', async () => {
    const { standIn, clientId, key } = await serviceApp(['okta.apps.read']);

    const token = await requestToken(
      standIn,
      tokenForm(
        await assertion(standIn, clientId, key.privatePem),
        'okta.apps.read okta.apps.manage',
      ),
    );

    expect(token).toEqual({
      status: 400,
      body: {
        error: 'invalid_scope',
        error_description: 'The following scopes are not granted to the client: okta.apps.manage.',
      },
    });
  });

  it('checks the scope of each operation', async () => {
    const { standIn, clientId, key } = await serviceApp(['okta.apps.read']);
    const token = await requestToken(
      standIn,
      tokenForm(await assertion(standIn, clientId, key.privatePem), 'okta.apps.read'),
    );
    const authorization = `Bearer ${String(token.body.access_token)}`;

    const create = await fetch(`${standIn.url}/api/v1/apps`, {
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: '{}',
    });

    expect(create.status).toBe(403);
    expect(create.headers.get('www-authenticate')).toContain('scope="okta.apps.manage"');
    expect(await create.json()).toMatchObject({ errorCode: 'E0000006' });
  });
});

describe('stand-in rate limits', () => {
  it('reports the bucket on every response', async () => {
    const standIn = await startStandIn({ rateLimit: { limit: 2, windowSeconds: 60 } });
    const headers = { authorization: `SSWS ${standIn.apiToken}` };

    const first = await fetch(`${standIn.url}/api/v1/apps`, { headers });
    await fetch(`${standIn.url}/api/v1/apps`, { headers });
    const third = await fetch(`${standIn.url}/api/v1/apps`, { headers });
    const otherBucket = await fetch(`${standIn.url}/api/v1/policies?type=ACCESS_POLICY`, {
      headers,
    });

    // 2026-06-01T12:00:00Z is 1780315200 seconds; the window ends a minute later.
    expect(first.headers.get('x-rate-limit-limit')).toBe('2');
    expect(first.headers.get('x-rate-limit-remaining')).toBe('1');
    expect(first.headers.get('x-rate-limit-reset')).toBe('1780315260');
    expect(first.headers.get('date')).toBe('Mon, 01 Jun 2026 12:00:00 GMT');
    expect(third.status).toBe(429);
    expect(third.headers.get('x-rate-limit-remaining')).toBe('0');
    expect(await third.json()).toMatchObject({ errorCode: 'E0000047' });
    expect(otherBucket.status).toBe(200);
  });
});

describe('stand-in faults', () => {
  it('throttles the next matching requests', async () => {
    const standIn = await startStandIn();
    const headers = { authorization: `SSWS ${standIn.apiToken}` };
    standIn.faults.throttle({ times: 2, resetInSeconds: 9, match: { path: '/api/v1/apps' } });

    const policies = await fetch(`${standIn.url}/api/v1/policies?type=ACCESS_POLICY`, { headers });
    const first = await fetch(`${standIn.url}/api/v1/apps`, { headers });
    const second = await fetch(`${standIn.url}/api/v1/apps`, { headers });
    const third = await fetch(`${standIn.url}/api/v1/apps`, { headers });

    expect(policies.status).toBe(200);
    expect([first.status, second.status, third.status]).toEqual([429, 429, 200]);
    expect(first.headers.get('x-rate-limit-reset')).toBe('1780315209');
    expect(standIn.faults.pending()).toBe(0);
    expect(standIn.requests.map((request) => request.fault)).toEqual([
      undefined,
      'throttle',
      'throttle',
      undefined,
    ]);
  });

  it('fails with the asked status', async () => {
    const standIn = await startStandIn();
    standIn.faults.fail({ status: 502 });

    const response = await fetch(`${standIn.url}/api/v1/apps`, {
      headers: { authorization: `SSWS ${standIn.apiToken}` },
    });

    expect(response.status).toBe(502);
    expect(await response.json()).toMatchObject({ errorCode: 'E0000009' });
  });

  it('drops the response after the action', async () => {
    const standIn = await startStandIn();
    standIn.faults.dropAfterAction({ match: { method: 'POST' } });

    const sent = fetch(`${standIn.url}/api/v1/trustedOrigins`, {
      method: 'POST',
      headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'x', origin: 'https://x.example', scopes: [{ type: 'CORS' }] }),
    });

    await expect(sent).rejects.toThrow();
    expect(standIn.trustedOrigins().map((origin) => origin.name)).toEqual(['x']);
    expect(standIn.requests[0]).toMatchObject({ status: 0, fault: 'drop', write: true });
  });
});

describe('stand-in request log', () => {
  it('records writes and hides credentials', async () => {
    const { standIn, clientId, key } = await serviceApp(['okta.apps.read']);
    const clientAssertion = await assertion(standIn, clientId, key.privatePem);
    const token = await requestToken(standIn, tokenForm(clientAssertion, 'okta.apps.read'));
    await fetch(`${standIn.url}/api/v1/apps`, {
      headers: { authorization: `Bearer ${String(token.body.access_token)}` },
    });
    await fetch(`${standIn.url}/api/v1/trustedOrigins`, {
      method: 'POST',
      headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
      body: '{}',
    });

    expect(
      standIn.requests.map((request) => [request.method, request.path, request.write]),
    ).toEqual([
      ['POST', '/oauth2/v1/token', false],
      ['GET', '/api/v1/apps', false],
      ['POST', '/api/v1/trustedOrigins', true],
    ]);
    expect(standIn.requests.map((request) => request.requestHeaders.authorization)).toEqual([
      undefined,
      'Bearer',
      'SSWS',
    ]);
    const log = JSON.stringify(standIn.requests);
    expect(log).not.toContain(clientAssertion);
    expect(log).not.toContain(String(token.body.access_token));
    expect(log).not.toContain(standIn.apiToken);
  });
});
