// Lambda proxy events in the shapes AWS sends: function URL and HTTP API (payload format 2.0),
// REST API (payload format 1.0). Field names and nesting follow the AWS developer guides for
// Lambda function URLs and for API Gateway Lambda proxy integrations.

export interface HttpRequest {
  method: string;
  /** Path with an optional query string, such as `/messages?limit=5`. */
  url: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Send the body base64-encoded, as AWS does for binary media. */
  base64?: boolean;
}

const requestTime = { text: '15/Jan/2026:10:00:00 +0000', epoch: 1_768_471_200_000 };

/** Builds a Lambda function URL event (payload format 2.0, routeKey `$default`). */
export function functionUrlEvent(request: HttpRequest, requestId = 'url-request-1') {
  return {
    ...version2(request, requestId),
    requestContext: {
      ...version2(request, requestId).requestContext,
      apiId: 'abcdefghijklmnopqrstuvwxyz0123',
      domainName: 'abcdefghijklmnopqrstuvwxyz0123.lambda-url.us-east-1.on.aws',
      domainPrefix: 'abcdefghijklmnopqrstuvwxyz0123',
      authorizer: undefined,
    },
  };
}

/** Builds an API Gateway HTTP API event (payload format 2.0). */
export function httpApiEvent(request: HttpRequest, requestId = 'http-api-request-1') {
  return version2(request, requestId);
}

function version2(request: HttpRequest, requestId: string) {
  const { path, query } = splitUrl(request.url);
  const headers = lowerCase(request.headers ?? {});
  const { body, isBase64Encoded } = encodeBody(request);
  const queryStringParameters: Record<string, string> = {};
  // Payload 2.0 joins repeated keys with commas here; rawQueryString keeps them apart.
  for (const [name, value] of new URLSearchParams(query)) {
    queryStringParameters[name] =
      name in queryStringParameters ? `${queryStringParameters[name]},${value}` : value;
  }
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: path,
    rawQueryString: query,
    headers: { host: 'api.example.com', 'x-forwarded-proto': 'https', ...headers },
    ...(query === '' ? {} : { queryStringParameters }),
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      domainName: 'a1b2c3d4e5.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'a1b2c3d4e5',
      http: {
        method: request.method,
        path,
        protocol: 'HTTP/1.1',
        sourceIp: '203.0.113.7',
        userAgent: headers['user-agent'] ?? 'test-agent',
      },
      requestId,
      routeKey: '$default',
      stage: '$default',
      time: requestTime.text,
      timeEpoch: requestTime.epoch,
    },
    ...(body === undefined ? {} : { body }),
    isBase64Encoded,
  };
}

/** Builds an API Gateway REST API proxy event (payload format 1.0). */
export function restApiEvent(request: HttpRequest, requestId = 'rest-request-1') {
  const { path, query } = splitUrl(request.url);
  const headers = { Host: 'api.example.com', 'X-Forwarded-Proto': 'https', ...request.headers };
  const { body, isBase64Encoded } = encodeBody(request);
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (const [name, value] of new URLSearchParams(query)) {
    // Payload 1.0 keeps only the last value of a repeated key in queryStringParameters.
    single[name] = value;
    (multi[name] ??= []).push(value);
  }
  return {
    resource: '/{proxy+}',
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, [value]]),
    ),
    queryStringParameters: query === '' ? null : single,
    multiValueQueryStringParameters: query === '' ? null : multi,
    pathParameters: { proxy: path.slice(1) },
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'a1b2c3d4e5',
      httpMethod: request.method,
      identity: { sourceIp: '203.0.113.7', userAgent: 'test-agent' },
      path: `/prod${path}`,
      protocol: 'HTTP/1.1',
      requestId,
      requestTime: requestTime.text,
      requestTimeEpoch: requestTime.epoch,
      resourceId: 'abc123',
      resourcePath: '/{proxy+}',
      stage: 'prod',
    },
    body: body ?? null,
    isBase64Encoded,
  };
}

/** Builds a Lambda context with the fields the handler reads. */
export function lambdaContext(awsRequestId = 'c6af9ac6-7b61-11e6-9a41-93e812345678') {
  return {
    awsRequestId,
    functionName: 'example-backend-dev',
    functionVersion: '1',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:example-backend-dev:live',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/example-backend-dev',
    logStreamName: '2026/01/15/[1]abcdef',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 10_000,
  };
}

function splitUrl(url: string): { path: string; query: string } {
  const index = url.indexOf('?');
  return index === -1
    ? { path: url, query: '' }
    : { path: url.slice(0, index), query: url.slice(index + 1) };
}

function lowerCase(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]),
  );
}

function encodeBody(request: HttpRequest): { body: string | undefined; isBase64Encoded: boolean } {
  if (request.body === undefined) {
    return { body: undefined, isBase64Encoded: false };
  }
  const bytes = Buffer.isBuffer(request.body) ? request.body : Buffer.from(request.body);
  return request.base64
    ? { body: bytes.toString('base64'), isBase64Encoded: true }
    : { body: bytes.toString('utf8'), isBase64Encoded: false };
}
