// The function URL translation on its own: HTTP request to payload 2.0 event, function result to
// HTTP response, and the CORS responses Lambda sends without calling the function.
import { describe, expect, it } from 'vitest';
import { corsHeaders, preflightResponse } from '../stand-ins/lambda-runtime/cors.ts';
import type { UrlRequest } from '../stand-ins/lambda-runtime/events.ts';
import {
  formatRequestTime,
  toFunctionUrlEvent,
  toUrlResponse,
} from '../stand-ins/lambda-runtime/events.ts';

const context = {
  requestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
  urlId: 'n329dag3fsrwog9yhs8c8mhy3dnkzdjl',
  region: 'us-east-1',
  now: new Date(Date.UTC(2026, 0, 15, 10, 0, 0)),
  scheme: 'http' as const,
  port: 8000,
};

function request(overrides: Partial<UrlRequest> = {}): UrlRequest {
  return {
    method: 'GET',
    target: '/messages',
    rawHeaders: ['Host', 'localhost:8000', 'User-Agent', 'test-agent'],
    body: Buffer.alloc(0),
    sourceIp: '127.0.0.1',
    protocol: 'HTTP/1.1',
    ...overrides,
  };
}

describe('toFunctionUrlEvent', () => {
  it('builds the request context', () => {
    const event = toFunctionUrlEvent(request(), context);

    expect(event.version).toBe('2.0');
    expect(event.routeKey).toBe('$default');
    expect(event.rawPath).toBe('/messages');
    expect(event.rawQueryString).toBe('');
    expect(event).not.toHaveProperty('queryStringParameters');
    expect(event).not.toHaveProperty('cookies');
    expect(event).not.toHaveProperty('body');
    expect(event.isBase64Encoded).toBe(false);
    expect(event.requestContext).toEqual({
      accountId: 'anonymous',
      apiId: context.urlId,
      domainName: `${context.urlId}.lambda-url.us-east-1.on.aws`,
      domainPrefix: context.urlId,
      http: {
        method: 'GET',
        path: '/messages',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'test-agent',
      },
      requestId: context.requestId,
      routeKey: '$default',
      stage: '$default',
      time: '15/Jan/2026:10:00:00 +0000',
      timeEpoch: context.now.getTime(),
    });
  });

  it('joins repeated query keys', () => {
    const event = toFunctionUrlEvent(
      request({ target: '/messages?tag=a&limit=5&tag=b%20c&empty=' }),
      context,
    );

    expect(event.rawQueryString).toBe('tag=a&limit=5&tag=b%20c&empty=');
    expect(event.queryStringParameters).toEqual({ tag: 'a,b c', limit: '5', empty: '' });
  });

  it('moves cookies out of the headers', () => {
    const event = toFunctionUrlEvent(
      request({ rawHeaders: ['Cookie', 'a=1; b=2', 'cookie', 'c=3', 'Accept', 'text/html'] }),
      context,
    );

    expect(event.cookies).toEqual(['a=1', 'b=2', 'c=3']);
    expect(event.headers).not.toHaveProperty('cookie');
    expect(event.headers.accept).toBe('text/html');
  });

  it('lower-cases and joins repeated headers', () => {
    const event = toFunctionUrlEvent(
      request({ rawHeaders: ['X-Tag', 'one', 'x-tag', 'two', 'Authorization', 'Bearer t'] }),
      context,
    );

    expect(event.headers['x-tag']).toBe('one,two');
    expect(event.headers.authorization).toBe('Bearer t');
  });

  it('adds the forwarding headers', () => {
    const event = toFunctionUrlEvent(
      request({ rawHeaders: ['X-Forwarded-Proto', 'https', 'X-Forwarded-For', '203.0.113.7'] }),
      context,
    );

    expect(event.headers['x-forwarded-proto']).toBe('http');
    expect(event.headers['x-forwarded-port']).toBe('8000');
    expect(event.headers['x-forwarded-for']).toBe('127.0.0.1');
    // Root=1-{epoch seconds, hex}-{24 hex digits}, as X-Ray trace ids read.
    const seconds = (context.now.getTime() / 1000).toString(16);
    expect(event.headers['x-amzn-trace-id']).toMatch(
      new RegExp(`^Root=1-${seconds}-[0-9a-f]{24}$`),
    );
  });

  it('passes a JSON body as text', () => {
    const event = toFunctionUrlEvent(
      request({
        method: 'POST',
        rawHeaders: ['Content-Type', 'application/json; charset=utf-8'],
        body: Buffer.from('{"text":"héllo"}'),
      }),
      context,
    );

    expect(event.body).toBe('{"text":"héllo"}');
    expect(event.isBase64Encoded).toBe(false);
  });

  it('encodes a binary body as base64', () => {
    const bytes = Buffer.from([0, 1, 2, 254, 255]);
    const event = toFunctionUrlEvent(
      request({
        method: 'PUT',
        rawHeaders: ['Content-Type', 'application/octet-stream'],
        body: bytes,
      }),
      context,
    );

    expect(event.isBase64Encoded).toBe(true);
    expect(Buffer.from(event.body!, 'base64')).toEqual(bytes);
  });

  it('encodes a body without content type', () => {
    const event = toFunctionUrlEvent(request({ method: 'POST', body: Buffer.from('x') }), context);

    expect(event.isBase64Encoded).toBe(true);
    expect(event.body).toBe('eA==');
  });
});

describe('formatRequestTime', () => {
  it('pads day and time', () => {
    expect(formatRequestTime(new Date(Date.UTC(2026, 10, 3, 4, 5, 6)))).toBe(
      '03/Nov/2026:04:05:06 +0000',
    );
  });
});

describe('toUrlResponse', () => {
  it('maps a full result', () => {
    const response = toUrlResponse({
      statusCode: 201,
      headers: { 'Content-Type': 'application/json', 'X-Count': 3, 'X-Null': null },
      cookies: ['a=1; Path=/', 'b=2'],
      body: '{"id":"1"}',
      isBase64Encoded: false,
    });

    expect(response.statusCode).toBe(201);
    expect(response.headers).toEqual([
      ['content-type', 'application/json'],
      ['x-count', '3'],
      ['set-cookie', 'a=1; Path=/'],
      ['set-cookie', 'b=2'],
    ]);
    expect(response.body.toString()).toBe('{"id":"1"}');
  });

  it('decodes a base64 body', () => {
    const response = toUrlResponse({ statusCode: 200, body: 'AAEC/w==', isBase64Encoded: true });

    expect(response.body).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('infers a response without statusCode', () => {
    const response = toUrlResponse({ hello: 'world' });

    expect(response.statusCode).toBe(200);
    expect(response.headers).toEqual([['content-type', 'application/json']]);
    expect(response.body.toString()).toBe('{"hello":"world"}');
  });

  it('sends an empty body when absent', () => {
    const response = toUrlResponse({ statusCode: 204 });

    expect(response.statusCode).toBe(204);
    expect(response.body.length).toBe(0);
  });
});

describe('cors', () => {
  const cors = {
    AllowOrigins: ['*'],
    AllowMethods: ['*'],
    AllowHeaders: ['authorization', 'content-type'],
  };

  it('answers a preflight', () => {
    const response = preflightResponse(cors, 'OPTIONS', {
      origin: 'https://example.org',
      'access-control-request-method': 'DELETE',
      'access-control-request-headers': 'authorization',
    });

    expect(response?.statusCode).toBe(200);
    expect(response?.headers).toEqual([
      ['access-control-allow-origin', '*'],
      ['access-control-allow-methods', 'DELETE'],
      ['access-control-allow-headers', 'authorization,content-type'],
      ['vary', 'Origin'],
    ]);
  });

  it('leaves other OPTIONS to the function', () => {
    expect(preflightResponse(cors, 'OPTIONS', { origin: 'https://example.org' })).toBeUndefined();
    expect(preflightResponse(undefined, 'OPTIONS', { origin: 'https://x.org' })).toBeUndefined();
  });

  it('omits headers for a foreign origin', () => {
    const listed = { ...cors, AllowOrigins: ['https://docs.example.org'] };
    const response = preflightResponse(listed, 'OPTIONS', {
      origin: 'https://evil.example',
      'access-control-request-method': 'GET',
    });

    expect(response?.headers).toEqual([]);
    expect(corsHeaders(listed, 'https://evil.example')).toEqual([]);
    expect(corsHeaders(listed, 'https://docs.example.org')).toEqual([
      ['access-control-allow-origin', 'https://docs.example.org'],
      ['vary', 'Origin'],
    ]);
  });
});
