// The Lambda handler on real event shapes: function URL and HTTP API (payload 2.0) and REST API
// (payload 1.0). Events go through serverless-http into the real Koa app.
import { gunzipSync } from 'node:zlib';
import Koa from 'koa';
import { beforeAll, describe, expect, it } from 'vitest';
import { problemResponses } from '../../../service/src/http/problems.ts';
import type { LambdaResult } from '../../../service/src/lambda-adapter.ts';
import { createLambdaHandler } from '../../../service/src/lambda-adapter.ts';
import { silentLogger } from '../../../service/src/log.ts';
import { healthSchema, problemSchema } from '../../../service/src/schemas.ts';
import type { SigningKey } from '../helpers/identity-provider.ts';
import { generateSigningKey, startIdentityProvider } from '../helpers/identity-provider.ts';
import {
  functionUrlEvent,
  httpApiEvent,
  lambdaContext,
  restApiEvent,
} from '../helpers/lambda-events.ts';
import { closedPortUri, createTestService } from '../helpers/service.ts';

const now = () => new Date('2026-01-15T10:00:00Z');
let key: SigningKey;

beforeAll(async () => {
  key = await generateSigningKey('key-1');
});

async function handlerWithoutDatabase() {
  const idp = await startIdentityProvider({ now, keys: [key] });
  const built = createTestService({ idp, mongoUri: await closedPortUri(), now });
  return { idp, built, handler: createLambdaHandler(built.service.app, built.logger) };
}

function bodyOf(result: LambdaResult): Buffer {
  return Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
}

const eventShapes = [
  { name: 'function URL', build: functionUrlEvent },
  { name: 'HTTP API', build: httpApiEvent },
  { name: 'REST API', build: restApiEvent },
] as const;

describe('lambda handler', () => {
  for (const shape of eventShapes) {
    it(`serves /health from ${shape.name}`, async () => {
      const { handler } = await handlerWithoutDatabase();

      const result = await handler(shape.build({ method: 'GET', url: '/health' }), lambdaContext());

      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(false);
      expect(result.headers?.['x-request-id']).toBe('c6af9ac6-7b61-11e6-9a41-93e812345678');
      expect(healthSchema.parse(JSON.parse(result.body)).database).toBe('unavailable');
    });

    it(`keeps repeated query keys from ${shape.name}`, async () => {
      const { idp, handler } = await handlerWithoutDatabase();
      const event = shape.build({
        method: 'GET',
        url: '/messages?limit=5&limit=6',
        headers: { authorization: `Bearer ${await idp.sign()}` },
      });

      const result = await handler(event, lambdaContext());

      expect(result.statusCode).toBe(400);
      expect(problemSchema.parse(JSON.parse(result.body)).detail).toBe(
        'Query parameter "limit" may appear only once.',
      );
    });

    it(`decodes a base64 body from ${shape.name}`, async () => {
      const { idp, handler } = await handlerWithoutDatabase();
      const event = shape.build({
        method: 'POST',
        url: '/messages',
        headers: {
          authorization: `Bearer ${await idp.sign()}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ text: { $gt: '' } }),
        base64: true,
      });

      const result = await handler(event, lambdaContext());

      // The detail quotes the key, so the body arrived decoded.
      expect(result.statusCode).toBe(400);
      expect(problemSchema.parse(JSON.parse(result.body)).detail).toContain('"$gt"');
    });

    it(`compresses a response for ${shape.name}`, async () => {
      const { handler } = await handlerWithoutDatabase();
      const event = shape.build({
        method: 'GET',
        url: '/openapi.json',
        headers: { 'accept-encoding': 'gzip' },
      });

      const result = await handler(event, lambdaContext());

      expect(result.statusCode).toBe(200);
      expect(result.isBase64Encoded).toBe(true);
      expect(result.headers?.['content-encoding']).toBe('gzip');
      const document = JSON.parse(gunzipSync(bodyOf(result)).toString()) as { openapi: string };
      expect(document.openapi).toBe('3.1.1');
    });
  }

  it('logs the request ids', async () => {
    const { built, handler } = await handlerWithoutDatabase();

    await handler(
      functionUrlEvent({ method: 'GET', url: '/health' }, 'url-request-7'),
      lambdaContext('aws-7'),
    );

    const line = built.logs.find((record) => record.message === 'request');
    expect(line).toMatchObject({
      requestId: 'aws-7',
      apiRequestId: 'url-request-7',
      method: 'GET',
      route: '/health',
      path: '/health',
      status: 200,
    });
  });

  it('returns binary bodies base64-encoded', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0xff, 0x10]);
    const app = new Koa();
    app.use((ctx) => {
      ctx.type = 'image/png';
      ctx.body = png;
    });
    const handler = createLambdaHandler(app, silentLogger);

    const result = await handler(
      functionUrlEvent({ method: 'GET', url: '/docs/favicon.png' }),
      lambdaContext(),
    );

    expect(result.isBase64Encoded).toBe(true);
    expect(result.headers?.['content-type']).toBe('image/png');
    expect(bodyOf(result)).toEqual(png);
  });

  it('shapes an unreadable event as 500', async () => {
    const { built, handler } = await handlerWithoutDatabase();
    const event = { ...functionUrlEvent({ method: 'POST', url: '/messages' }), body: 42 };

    const result = await handler(event, lambdaContext('aws-broken'));

    expect(result.statusCode).toBe(500);
    expect(result.headers?.['content-type']).toBe('application/problem+json');
    const problem = problemSchema.parse(JSON.parse(result.body));
    expect(problem.code).toBe('internal-error');
    expect(problem.requestId).toBe('aws-broken');
    expect(result.body).not.toContain('event.body');
    expect(
      built.logs.find((record) => record.message === 'lambda invocation failed'),
    ).toMatchObject({
      requestId: 'aws-broken',
    });
  });

  it('shapes a thrown route error as 500', async () => {
    const app = new Koa();
    const lines: string[] = [];
    const logger = { ...silentLogger, error: (message: string) => lines.push(message) };
    app.use(async (ctx, next) => {
      ctx.state.requestId = 'aws-thrown';
      await next();
    });
    app.use(problemResponses(logger));
    app.use(() => {
      throw new Error('connection string mongodb://user:secret@db.example.com leaked');
    });
    const handler = createLambdaHandler(app, silentLogger);

    const result = await handler(
      functionUrlEvent({ method: 'GET', url: '/boom' }),
      lambdaContext(),
    );

    expect(result.statusCode).toBe(500);
    const problem = problemSchema.parse(JSON.parse(result.body));
    expect(problem.requestId).toBe('aws-thrown');
    expect(result.body).not.toContain('secret');
    expect(result.body).not.toContain('mongodb://');
    expect(lines).toEqual(['request failed']);
  });
});
