// The local function URL over real HTTP, running code deployed into the AWS stand-in with the real
// Lambda SDK: a tiny handler that echoes what it receives, so each test can check one rule of the
// event, the response, the reload on a new version or configuration, and the failure responses.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateRoleCommand, IAMClient } from '@aws-sdk/client-iam';
import {
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  LambdaClient,
  PublishVersionCommand,
  UpdateAliasCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import { zipSync } from 'fflate';
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { startServer } from '../helpers/servers.ts';
import type { AwsStandIn } from '../stand-ins/aws/index.ts';
import { startAwsStandIn } from '../stand-ins/aws/index.ts';
import type { LocalFunctionUrl } from '../stand-ins/lambda-runtime/index.ts';
import { startFunctionUrl } from '../stand-ins/lambda-runtime/index.ts';

// The handler under test: each path shows one behaviour. Plain JavaScript, as Lambda runs it.
const handlerSource = (label: string) => `
const startedAt = Date.now();
export const handler = async (event, context) => {
  switch (event.rawPath) {
    case '/echo':
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          label: ${JSON.stringify(label)},
          event,
          requestId: context.awsRequestId,
          functionName: context.functionName,
          remainingPositive: context.getRemainingTimeInMillis() > 0,
          env: {
            GREETING: process.env.GREETING,
            MONGODB_URI: process.env.MONGODB_URI,
            AWS_LAMBDA_FUNCTION_NAME: process.env.AWS_LAMBDA_FUNCTION_NAME,
            AWS_LAMBDA_FUNCTION_VERSION: process.env.AWS_LAMBDA_FUNCTION_VERSION,
            LAMBDA_TASK_ROOT: process.env.LAMBDA_TASK_ROOT,
            HOME: process.env.HOME,
          },
          startedAt,
        }),
      };
    case '/binary':
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 1, 2, 255]).toString('base64'),
        isBase64Encoded: true,
      };
    case '/cookies':
      return { statusCode: 200, cookies: ['a=1; Path=/', 'b=2'], body: 'ok' };
    case '/cors':
      return { statusCode: 200, headers: { 'access-control-allow-origin': 'https://own.example' }, body: 'ok' };
    case '/plain':
      return { hello: 'world' };
    case '/huge':
      return { statusCode: 200, body: 'x'.repeat(7 * 1024 * 1024) };
    case '/throw':
      throw new TypeError('boom');
    case '/slow':
      await new Promise((resolve) => setTimeout(resolve, 5000));
      return { statusCode: 200, body: 'late' };
    default:
      return { statusCode: 404, body: 'no route' };
  }
};
`;

function zipOf(files: Record<string, string>): Uint8Array {
  return zipSync(
    Object.fromEntries(Object.entries(files).map(([name, text]) => [name, Buffer.from(text)])),
  );
}

const trustPolicy = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

let aws: AwsStandIn;
let lambda: LambdaClient;
let codeRoot: string;
let roleArn: string;
let functionCount = 0;
const runtimeLines: string[] = [];
const functionLines: string[] = [];

beforeAll(async () => {
  aws = await startAwsStandIn({ listen: startServer });
  const config = { ...aws.clientConfig(), maxAttempts: 1 };
  lambda = new LambdaClient(config);
  const iam = new IAMClient(config);
  const role = await iam.send(
    new CreateRoleCommand({ RoleName: 'runtime-test', AssumeRolePolicyDocument: trustPolicy }),
  );
  roleArn = role.Role!.Arn!;
  iam.destroy();
  codeRoot = await mkdtemp(join(tmpdir(), 'function-url-'));
});

afterAll(async () => {
  lambda?.destroy();
  await rm(codeRoot, { recursive: true, force: true });
});

beforeEach(() => {
  runtimeLines.length = 0;
  functionLines.length = 0;
});

interface Deployed {
  readonly name: string;
  readonly url: LocalFunctionUrl;
  fetch(path: string, init?: RequestInit): Promise<Response>;
}

/** Deploys a function with alias `live` and a function URL on it, then serves that URL locally. */
async function deploy(
  options: { timeout?: number; files?: Record<string, string>; authType?: 'NONE' | 'AWS_IAM' } = {},
): Promise<Deployed> {
  functionCount += 1;
  const name = `runtime-test-${functionCount}`;
  await lambda.send(
    new CreateFunctionCommand({
      FunctionName: name,
      Role: roleArn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Timeout: options.timeout ?? 5,
      Code: { ZipFile: zipOf(options.files ?? { 'index.mjs': handlerSource('v1') }) },
      Environment: { Variables: { GREETING: 'hello' } },
    }),
  );
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(
    new CreateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: version.Version }),
  );
  await lambda.send(
    new CreateFunctionUrlConfigCommand({
      FunctionName: name,
      Qualifier: 'live',
      AuthType: options.authType ?? 'NONE',
      Cors: { AllowOrigins: ['*'], AllowMethods: ['*'], AllowHeaders: ['authorization'] },
    }),
  );
  return serve(name);
}

async function serve(name: string): Promise<Deployed> {
  const url = await startFunctionUrl({
    functionName: name,
    qualifier: 'live',
    region: aws.region,
    state: () => aws.state(),
    codeRoot,
    overrides: () => ({ MONGODB_URI: 'mongodb://127.0.0.1:1/?directConnection=true' }),
    port: 0,
    log: (line) => runtimeLines.push(line),
    functionLog: (line) => functionLines.push(line),
  });
  // Stopped by the test that started it, like the servers from startServer.
  onTestFinished(() => url.close());
  return {
    name,
    url,
    fetch: (path, init) => fetch(`http://127.0.0.1:${url.port}${path}`, init),
  };
}

/** Publishes the current $LATEST and moves alias `live` to it, as the AWS provider deploys. */
async function publish(name: string): Promise<void> {
  const version = await lambda.send(new PublishVersionCommand({ FunctionName: name }));
  await lambda.send(
    new UpdateAliasCommand({ FunctionName: name, Name: 'live', FunctionVersion: version.Version }),
  );
}

interface Echo {
  label: string;
  event: {
    rawPath: string;
    rawQueryString: string;
    cookies?: string[];
    headers: Record<string, string>;
    queryStringParameters?: Record<string, string>;
    requestContext: { requestId: string; http: { method: string } };
    body?: string;
    isBase64Encoded: boolean;
  };
  requestId: string;
  functionName: string;
  remainingPositive: boolean;
  env: Record<string, string | undefined>;
  startedAt: number;
}

describe('function URL', () => {
  it('passes the event and context', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/echo?tag=a&tag=b', {
      method: 'POST',
      headers: { cookie: 'session=1; theme=dark', 'content-type': 'text/plain' },
      body: 'hello',
    });
    const echo = (await response.json()) as Echo;

    expect(response.status).toBe(200);
    expect(echo.event.rawPath).toBe('/echo');
    expect(echo.event.rawQueryString).toBe('tag=a&tag=b');
    expect(echo.event.queryStringParameters).toEqual({ tag: 'a,b' });
    expect(echo.event.cookies).toEqual(['session=1', 'theme=dark']);
    expect(echo.event.body).toBe('hello');
    expect(echo.event.isBase64Encoded).toBe(false);
    expect(echo.event.requestContext.http.method).toBe('POST');
    expect(echo.requestId).toBe(echo.event.requestContext.requestId);
    expect(response.headers.get('x-amzn-requestid')).toBe(echo.requestId);
    expect(echo.functionName).toBe(fn.name);
    expect(echo.remainingPositive).toBe(true);
  });

  it('sets the function environment', async () => {
    const fn = await deploy();
    const echo = (await (await fn.fetch('/echo')).json()) as Echo;

    expect(echo.env.GREETING).toBe('hello');
    expect(echo.env.MONGODB_URI).toBe('mongodb://127.0.0.1:1/?directConnection=true');
    expect(echo.env.AWS_LAMBDA_FUNCTION_NAME).toBe(fn.name);
    expect(echo.env.AWS_LAMBDA_FUNCTION_VERSION).toBe('1');
    expect(echo.env.LAMBDA_TASK_ROOT).toContain(join(codeRoot, fn.name));
    // Nothing leaks from the process that runs the stack.
    expect(echo.env.HOME).toBeUndefined();
  });

  it('encodes a binary request body', async () => {
    const fn = await deploy();
    const bytes = Buffer.from([0, 128, 255]);
    const response = await fn.fetch('/echo', {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
    });
    const echo = (await response.json()) as Echo;

    expect(echo.event.isBase64Encoded).toBe(true);
    expect(Buffer.from(echo.event.body!, 'base64')).toEqual(bytes);
  });

  it('decodes a binary response', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/binary');

    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(Buffer.from(await response.arrayBuffer())).toEqual(Buffer.from([0, 1, 2, 255]));
  });

  it('sets each cookie', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/cookies');

    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await response.text()).toBe('ok');
  });

  it('infers a JSON response', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/plain');

    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.json()).toEqual({ hello: 'world' });
  });

  it('answers CORS from the URL settings', async () => {
    const fn = await deploy();
    const preflight = await fn.fetch('/echo', {
      method: 'OPTIONS',
      headers: { origin: 'https://docs.example', 'access-control-request-method': 'POST' },
    });
    const actual = await fn.fetch('/cors', { headers: { origin: 'https://docs.example' } });

    expect(preflight.status).toBe(200);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('*');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('POST');
    expect(actual.headers.get('access-control-allow-origin')).toBe('*');
  });

  it('rejects unsigned requests with AWS_IAM', async () => {
    const fn = await deploy({ authType: 'AWS_IAM' });
    const response = await fn.fetch('/echo');

    expect(response.status).toBe(403);
    expect(await response.text()).toBe('{"Message":"Forbidden"}');
  });

  it('answers 503 before a deploy', async () => {
    const fn = await serve('not-deployed-yet');
    const response = await fn.fetch('/echo');

    expect(response.status).toBe(503);
    expect(await response.text()).toContain('Lambda function not-deployed-yet does not exist yet');
  });

  it('reloads a new version', async () => {
    const fn = await deploy();
    const before = (await (await fn.fetch('/echo')).json()) as Echo;
    await lambda.send(
      new UpdateFunctionCodeCommand({
        FunctionName: fn.name,
        ZipFile: zipOf({ 'index.mjs': handlerSource('v2') }),
      }),
    );
    const unpublished = (await (await fn.fetch('/echo')).json()) as Echo;
    await publish(fn.name);
    const after = (await (await fn.fetch('/echo')).json()) as Echo;

    expect(before.label).toBe('v1');
    // The alias still points at version 1 until the new version is published and the alias moves.
    expect(unpublished.label).toBe('v1');
    expect(after.label).toBe('v2');
    expect(after.env.AWS_LAMBDA_FUNCTION_VERSION).toBe('2');
    expect(fn.url.deployment()?.version).toBe('2');
    expect(fn.url.environmentsStarted()).toBe(2);
    expect(runtimeLines.some((line) => line.includes(`${fn.name}:2 reloaded`))).toBe(true);
  });

  it('reloads a new environment', async () => {
    const fn = await deploy();
    await fn.fetch('/echo');
    await lambda.send(
      new UpdateFunctionConfigurationCommand({
        FunctionName: fn.name,
        Environment: { Variables: { GREETING: 'changed' } },
      }),
    );
    await publish(fn.name);
    const echo = (await (await fn.fetch('/echo')).json()) as Echo;

    expect(echo.env.GREETING).toBe('changed');
    expect(fn.url.environmentsStarted()).toBe(2);
  });

  it('applies new URL settings', async () => {
    const fn = await deploy();
    await fn.fetch('/echo');
    await lambda.send(
      new UpdateFunctionUrlConfigCommand({
        FunctionName: fn.name,
        Qualifier: 'live',
        AuthType: 'AWS_IAM',
      }),
    );
    const response = await fn.fetch('/echo');

    expect(response.status).toBe(403);
  });

  it('keeps one environment between requests', async () => {
    const fn = await deploy();
    const first = (await (await fn.fetch('/echo')).json()) as Echo;
    const second = (await (await fn.fetch('/echo')).json()) as Echo;

    expect(second.startedAt).toBe(first.startedAt);
    expect(second.requestId).not.toBe(first.requestId);
    expect(fn.url.environmentsStarted()).toBe(1);
  });

  it('answers 502 for a thrown error', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/throw');

    expect(response.status).toBe(502);
    expect(await response.text()).toBe('Internal Server Error');
    expect(runtimeLines.some((line) => line.includes('TypeError: boom'))).toBe(true);
  });

  it('ends a timed-out environment', async () => {
    const fn = await deploy({ timeout: 1 });
    const slow = await fn.fetch('/slow');
    const next = await fn.fetch('/plain');

    expect(slow.status).toBe(502);
    expect(runtimeLines.some((line) => line.includes('Task timed out after 1.00 seconds'))).toBe(
      true,
    );
    expect(next.status).toBe(200);
    expect(fn.url.environmentsStarted()).toBe(2);
  });

  it('answers 502 when init fails', async () => {
    const fn = await deploy({ files: { 'other.mjs': 'export const handler = () => 1;' } });
    const response = await fn.fetch('/echo');

    expect(response.status).toBe(502);
    expect(runtimeLines.join('\n')).toContain(
      "Runtime.ImportModuleError: Error: Cannot find module 'index'",
    );
  });

  it('collects the function output', async () => {
    const fn = await deploy({
      files: {
        'index.mjs':
          'export const handler = async () => { console.log("line from the function"); return { statusCode: 204 }; };',
      },
    });
    const response = await fn.fetch('/');

    expect(response.status).toBe(204);
    expect(functionLines).toContain('line from the function');
  });

  it('rejects a request over 6 MB', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/echo', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x'.repeat(6 * 1024 * 1024 + 1),
    });

    expect(response.status).toBe(413);
    expect(fn.url.environmentsStarted()).toBe(0);
  });

  it('answers 502 for a response over 6 MB', async () => {
    const fn = await deploy();
    const response = await fn.fetch('/huge');

    expect(response.status).toBe(502);
    expect(runtimeLines.join('\n')).toContain('more than the 6291456 a function URL returns');
  });
});
