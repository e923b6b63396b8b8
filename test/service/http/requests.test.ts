// Request validation over real HTTP. The database listens nowhere, so a request that reached it
// would fail with 503: every 4xx here proves the input was rejected before any query.
import type { IncomingHttpHeaders } from 'node:http';
import { get } from 'node:http';
import { brotliDecompressSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { problemSchema, problemTypeSchema } from '../../../service/src/schemas.ts';
import type { SigningKey, TestIdentityProvider } from '../helpers/identity-provider.ts';
import { generateSigningKey, startIdentityProvider } from '../helpers/identity-provider.ts';
import type { TestService } from '../helpers/service.ts';
import { closedPortUri, startTestService } from '../helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');
let key: SigningKey;

beforeAll(async () => {
  key = await generateSigningKey('key-1');
});

interface Started {
  idp: TestIdentityProvider;
  service: TestService;
  authorization: string;
}

async function start(env: Record<string, string> = {}): Promise<Started> {
  const idp = await startIdentityProvider({ now, keys: [key] });
  const service = await startTestService({ idp, mongoUri: await closedPortUri(), env, now });
  return { idp, service, authorization: `Bearer ${await idp.sign()}` };
}

async function post(
  started: Started,
  body: string | Uint8Array,
  headers: Record<string, string> = {},
) {
  return fetch(`${started.service.url}/messages`, {
    method: 'POST',
    headers: {
      authorization: started.authorization,
      'content-type': 'application/json',
      ...headers,
    },
    body,
  });
}

async function expectProblem(response: Response, status: number, code: string) {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json');
  const problem = problemSchema.parse(await response.json());
  expect(problem.code).toBe(code);
  expect(problem.status).toBe(status);
  return problem;
}

describe('operator injection', () => {
  it('rejects an operator as text', async () => {
    const started = await start();

    const problem = await expectProblem(
      await post(started, JSON.stringify({ text: { $gt: '' } })),
      400,
      'invalid-body',
    );

    expect(problem.detail).toContain('"$gt"');
  });

  it('rejects a top-level $where', async () => {
    const started = await start();

    const problem = await expectProblem(
      await post(started, JSON.stringify({ text: 'hi', $where: 'sleep(1000)' })),
      400,
      'invalid-body',
    );

    expect(problem.detail).toContain('"$where" at $');
  });

  it('rejects a dotted key', async () => {
    const started = await start();

    const problem = await expectProblem(
      await post(started, JSON.stringify({ text: 'hi', 'author.name': 'eve' })),
      400,
      'invalid-body',
    );

    expect(problem.detail).toContain('"author.name"');
  });

  it('rejects a nested operator', async () => {
    const started = await start();

    const problem = await expectProblem(
      await post(started, JSON.stringify({ text: 'hi', extra: [{ nested: { $ne: null } }] })),
      400,
      'invalid-body',
    );

    expect(problem.detail).toContain('"$ne" at $.extra[0].nested');
  });

  it('rejects an operator in the query', async () => {
    const started = await start();

    const response = await fetch(`${started.service.url}/messages?author[$ne]=x`, {
      headers: { authorization: started.authorization },
    });

    const problem = await expectProblem(response, 400, 'invalid-query');
    expect(problem.detail).toContain('"author[$ne]" is unknown');
  });
});

describe('body schema', () => {
  const cases: { name: string; body: string; pointer: string }[] = [
    { name: 'unknown field', body: '{"text":"hi","author":"eve"}', pointer: '/author' },
    { name: 'missing text', body: '{}', pointer: '/text' },
    { name: 'number text', body: '{"text":42}', pointer: '/text' },
    { name: 'blank text', body: '{"text":"   "}', pointer: '/text' },
    { name: 'text over 2000', body: JSON.stringify({ text: 'x'.repeat(2001) }), pointer: '/text' },
    { name: 'array body', body: '["hi"]', pointer: '/' },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, async () => {
      const started = await start();

      const problem = await expectProblem(await post(started, testCase.body), 400, 'invalid-body');

      expect(problem.errors?.map((error) => error.pointer)).toEqual([testCase.pointer]);
    });
  }

  it('rejects invalid JSON', async () => {
    const started = await start();

    const problem = await expectProblem(await post(started, '{"text": "hi",'), 400, 'invalid-body');

    expect(problem.detail).toMatch(/^The request body is not valid JSON/);
  });

  it('rejects an empty body', async () => {
    const started = await start();

    await expectProblem(await post(started, ''), 400, 'invalid-body');
  });

  it('rejects invalid UTF-8', async () => {
    const started = await start();
    const bytes = Buffer.concat([
      Buffer.from('{"text":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('"}'),
    ]);

    const problem = await expectProblem(await post(started, bytes), 400, 'invalid-body');

    expect(problem.detail).toBe('The request body is not valid UTF-8.');
  });
});

describe('body size', () => {
  it('rejects 16 KiB plus one byte', async () => {
    const started = await start();
    const body = JSON.stringify({ text: 'x'.repeat(16_384 - 11 + 1) });
    expect(Buffer.byteLength(body)).toBe(16_385);

    const problem = await expectProblem(await post(started, body), 413, 'body-too-large');

    expect(problem.limit).toBe(16_384);
  });

  it('rejects an oversized chunked body', async () => {
    const started = await start({ BODY_LIMIT_BYTES: '1024' });
    const chunk = new TextEncoder().encode(`{"text":"${'x'.repeat(600)}`);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(chunk);
        controller.enqueue(chunk);
        controller.close();
      },
    });

    const response = await fetch(`${started.service.url}/messages`, {
      method: 'POST',
      headers: { authorization: started.authorization, 'content-type': 'application/json' },
      body: stream,
      duplex: 'half',
    });

    const problem = await expectProblem(response, 413, 'body-too-large');
    expect(problem.detail).toBe(
      'The request body may be at most 1024 bytes (got more than 1024 bytes).',
    );
  });
});

describe('media type', () => {
  const cases: { name: string; headers: Record<string, string>; detail: string }[] = [
    {
      name: 'text/plain',
      headers: { 'content-type': 'text/plain' },
      detail: 'Content-Type "text/plain" is not supported; send the body as application/json.',
    },
    {
      name: 'form encoding',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      detail:
        'Content-Type "application/x-www-form-urlencoded" is not supported; send the body as application/json.',
    },
    {
      name: 'latin1 charset',
      headers: { 'content-type': 'application/json; charset=iso-8859-1' },
      detail: 'Charset "iso-8859-1" is not supported; send the body in UTF-8.',
    },
    {
      name: 'gzip encoding',
      headers: { 'content-encoding': 'gzip' },
      detail: 'Content-Encoding "gzip" is not supported; send the body uncompressed.',
    },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.name}`, async () => {
      const started = await start();

      const problem = await expectProblem(
        await post(started, '{"text":"hi"}', testCase.headers),
        415,
        'unsupported-media-type',
      );

      expect(problem.detail).toBe(testCase.detail);
    });
  }

  it('rejects a missing Content-Type', async () => {
    const started = await start();

    const response = await fetch(`${started.service.url}/messages`, {
      method: 'POST',
      headers: { authorization: started.authorization },
      body: new Uint8Array(Buffer.from('{"text":"hi"}')),
    });

    const problem = await expectProblem(response, 415, 'unsupported-media-type');
    expect(problem.detail).toBe(
      'The Content-Type header is missing; send the body as application/json.',
    );
  });
});

describe('message ids', () => {
  const ids = [
    'not-an-id',
    '%24where',
    '0123456789abcdef0123456z',
    '0123456789abcdef01234567a',
    '1',
  ];

  for (const id of ids) {
    it(`rejects id ${id}`, async () => {
      const started = await start();

      for (const method of ['GET', 'PATCH', 'DELETE']) {
        const response = await fetch(`${started.service.url}/messages/${id}`, {
          method,
          headers: { authorization: started.authorization, 'content-type': 'application/json' },
          ...(method === 'PATCH' ? { body: '{"text":"hi"}' } : {}),
        });

        const problem = await expectProblem(response, 400, 'invalid-id');
        expect(problem.detail).toMatch(/^The message id must be 24 hexadecimal characters/);
      }
    });
  }
});

describe('list query', () => {
  const cases: { query: string; code: string; detail: string }[] = [
    {
      query: 'limit=0',
      code: 'invalid-query',
      detail: 'Query parameter "limit" must be an integer from 1 to 100 (got "0").',
    },
    {
      query: 'limit=101',
      code: 'invalid-query',
      detail: 'Query parameter "limit" must be an integer from 1 to 100 (got "101").',
    },
    {
      query: 'limit=1e1',
      code: 'invalid-query',
      detail: 'Query parameter "limit" must be an integer from 1 to 100 (got "1e1").',
    },
    {
      query: 'limit=5&limit=6',
      code: 'invalid-query',
      detail: 'Query parameter "limit" may appear only once.',
    },
    {
      query: 'access_token=abc',
      code: 'invalid-query',
      detail:
        'Query parameter "access_token" is unknown; the parameters are author, cursor and limit.',
    },
    {
      query: 'cursor=%%%',
      code: 'invalid-cursor',
      detail:
        'Query parameter "cursor" is invalid: the cursor is not base64url text of at most 512 characters. Pass a nextCursor value unchanged.',
    },
    {
      query: `cursor=${Buffer.from('{"v":1}').toString('base64url')}`,
      code: 'invalid-cursor',
      detail:
        'Query parameter "cursor" is invalid: the cursor does not contain a page position. Pass a nextCursor value unchanged.',
    },
  ];

  for (const testCase of cases) {
    it(`rejects ${testCase.query}`, async () => {
      const started = await start();

      const response = await fetch(`${started.service.url}/messages?${testCase.query}`, {
        headers: { authorization: started.authorization },
      });

      const problem = await expectProblem(response, 400, testCase.code);
      expect(problem.detail).toBe(testCase.detail);
    });
  }
});

describe('response compression', () => {
  async function getRaw(url: string, headers: Record<string, string>) {
    return new Promise<{ headers: IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      get(url, { headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ headers: response.headers, body: Buffer.concat(chunks) }),
        );
      }).on('error', reject);
    });
  }

  it('sends brotli when accepted', async () => {
    const started = await start();

    const response = await getRaw(`${started.service.url}/openapi.json`, {
      'accept-encoding': 'br;q=1, gzip;q=0.5',
    });

    expect(response.headers['content-encoding']).toBe('br');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(response.headers.vary).toBe('Accept-Encoding');
    const document = JSON.parse(brotliDecompressSync(response.body).toString()) as {
      openapi: string;
    };
    expect(document.openapi).toBe('3.1.1');
  });

  it('sends identity otherwise', async () => {
    const started = await start();

    const response = await getRaw(`${started.service.url}/openapi.json`, {
      'accept-encoding': 'identity',
    });

    expect(response.headers['content-encoding']).toBeUndefined();
    expect((JSON.parse(response.body.toString()) as { openapi: string }).openapi).toBe('3.1.1');
  });

  it('leaves small bodies alone', async () => {
    const started = await start();

    const response = await getRaw(`${started.service.url}/problems/invalid-id`, {
      'accept-encoding': 'br',
    });

    expect(response.headers['content-encoding']).toBeUndefined();
    expect(response.body.length).toBeLessThan(1024);
  });
});

describe('routing', () => {
  it('returns 404 for an unknown path', async () => {
    const started = await start();

    const problem = await expectProblem(
      await fetch(`${started.service.url}/nothing`),
      404,
      'not-found',
    );

    expect(problem.detail).toBe('No resource matches GET /nothing.');
  });

  it('returns 405 with Allow', async () => {
    const started = await start();

    const response = await fetch(`${started.service.url}/messages`, { method: 'PUT' });

    expect(response.headers.get('allow')).toBe('POST, HEAD, GET');
    await expectProblem(response, 405, 'method-not-allowed');
  });

  it('describes a problem type', async () => {
    const started = await start();

    const response = await fetch(`${started.service.url}/problems/invalid-id`);

    expect(response.status).toBe(200);
    expect(problemTypeSchema.parse(await response.json())).toEqual({
      type: '/problems/invalid-id',
      code: 'invalid-id',
      status: 400,
      title: 'Invalid message id',
      description: 'A message id is 24 hexadecimal characters.',
    });
  });

  it('sets security headers', async () => {
    const started = await start();

    const response = await fetch(`${started.service.url}/health`);

    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(response.headers.get('content-security-policy')).toBe(
      "default-src 'none'; frame-ancestors 'none'",
    );
    expect(response.headers.get('x-request-id')).toBe('req-1');
  });
});
