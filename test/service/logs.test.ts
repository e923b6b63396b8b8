// Structured logs: one line per request with its ids, and no token, key or credential anywhere.
import { describe, expect, it } from 'vitest';
import { createJsonLogger, redactSecrets } from '../../service/src/log.ts';
import { startIdentityProvider } from './helpers/identity-provider.ts';
import { closedPortUri, startTestService } from './helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');

describe('request log', () => {
  it('writes one line per request', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    await fetch(`${service.url}/problems/not-found`);

    const requests = service.logs.filter((record) => record.message === 'request');
    expect(requests).toHaveLength(1);
    expect(requests[0]).toEqual({
      time: '2026-01-15T10:00:00.000Z',
      level: 'info',
      message: 'request',
      requestId: 'req-1',
      method: 'GET',
      route: '/problems/:code',
      path: '/problems/not-found',
      status: 200,
      durationMs: requests[0]!.durationMs,
    });
    expect(typeof requests[0]!.durationMs).toBe('number');
  });

  it('logs the problem code and caller', async () => {
    const idp = await startIdentityProvider({ now });
    const service = await startTestService({ idp, mongoUri: await closedPortUri(), now });

    await fetch(`${service.url}/messages/nope`, {
      headers: { authorization: `Bearer ${await idp.sign()}` },
    });

    expect(service.logs.find((record) => record.message === 'request')).toMatchObject({
      route: '/messages/:id',
      status: 400,
      problem: 'invalid-id',
      clientId: '0oa1testclient',
    });
  });
});

describe('secrets in logs', () => {
  it('logs no token, password or query', async () => {
    const idp = await startIdentityProvider({ now });
    const closed = new URL(await closedPortUri());
    const uri = `mongodb://app-user:s3cret-Pa55@127.0.0.1:${closed.port}/?directConnection=true`;
    const service = await startTestService({ idp, mongoUri: uri, now });
    const token = await idp.sign();
    const expired = await idp.sign({ exp: 1_700_000_000, iat: 1_699_999_000 });

    // A valid token reaching the dead database, an expired one, one in the query string.
    await fetch(`${service.url}/messages`, { headers: { authorization: `Bearer ${token}` } });
    await fetch(`${service.url}/messages`, { headers: { authorization: `Bearer ${expired}` } });
    await fetch(`${service.url}/messages?access_token=${token}`);
    await fetch(`${service.url}/health`);

    const text = service.logLines.join('\n');
    expect(
      service.logs.filter((record) => record.message === 'database connect failed'),
    ).not.toHaveLength(0);
    expect(text).not.toContain('s3cret-Pa55');
    expect(text).not.toContain(token.split('.')[2]);
    expect(text).not.toContain(expired.split('.')[2]);
    expect(text).not.toContain('access_token');
  });

  it('logs an unexpected error once', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({ write: (line) => lines.push(line), now });

    logger.error('request failed', {
      requestId: 'req-9',
      error: new Error('auth failed for mongodb+srv://admin:pw123@cluster0.example.net', {
        cause: new Error('Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl rejected'),
      }),
    });

    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as {
      error: { message: string; cause: { message: string } };
    };
    expect(record.error.message).toBe(
      'auth failed for mongodb+srv://[redacted]@cluster0.example.net',
    );
    expect(record.error.cause.message).toBe('Bearer [redacted jwt] rejected');
    expect(lines[0]).not.toContain('pw123');
  });
});

describe('redactSecrets', () => {
  const cases: { name: string; input: string; output: string }[] = [
    {
      name: 'URL credentials',
      input: 'connect mongodb://user:pass@host:27017/db failed',
      output: 'connect mongodb://[redacted]@host:27017/db failed',
    },
    {
      name: 'bare JWT',
      input: 'token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl seen',
      output: 'token [redacted jwt] seen',
    },
    {
      name: 'Authorization value',
      input: 'header Basic YWRhOnNlY3JldA== sent',
      output: 'header Basic [redacted] sent',
    },
    {
      name: 'AWS access key id',
      input: 'key ASIAIOSFODNN7EXAMPLE expired',
      output: 'key [redacted aws key] expired',
    },
    { name: 'plain text', input: 'nothing to hide here', output: 'nothing to hide here' },
  ];

  for (const testCase of cases) {
    it(`redacts ${testCase.name}`, () => {
      expect(redactSecrets(testCase.input)).toBe(testCase.output);
    });
  }
});
