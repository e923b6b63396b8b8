// The HTTP front of the stand-in. It works out which service and operation a request is for from
// the `X-Amz-Target` header, the awsQuery `Version` or Lambda's REST path. Then it applies the fault
// switches and permission checks, runs the operation, logs it, and writes the response in the
// protocol's shape. Signatures are not verified, but an `Authorization` header is required as AWS requires it.
import { createHash } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { authorize } from './authorization.ts';
import type { ServiceName } from './errors.ts';
import { AwsError, missingAuthentication, unknownOperation } from './errors.ts';
import { jsonErrorBody, jsonText, parseJsonBody, restJsonErrorBody } from './protocols/json.ts';
import type { QueryParams } from './protocols/query.ts';
import { parseQuery, queryErrorXml, queryResponseXml } from './protocols/query.ts';
import type { RequestLog } from './request-log.ts';
import { loggableParams } from './request-log.ts';
import type { AccessCheck, Operation, RestInput, RestRoute, Runtime } from './runtime.ts';
import { budgetsOperations } from './services/budgets.ts';
import { costExplorerOperations } from './services/cost-explorer.ts';
import { iamNamespace, iamOperations } from './services/iam.ts';
import { lambdaRoutes } from './services/lambda.ts';
import { logsOperations } from './services/logs.ts';
import { secretsManagerOperations } from './services/secrets-manager.ts';
import { stsNamespace, stsOperations } from './services/sts.ts';
import type { SessionRecord } from './state.ts';

/** Largest request body accepted, in bytes: a 50 MB zip grows by a third in base64. */
const maxBodyBytes = 80 * 1024 * 1024;

/** awsJson services by the prefix of their `X-Amz-Target`. */
const jsonServices: Record<
  string,
  { service: ServiceName; operations: Record<string, Operation<Record<string, unknown>>> }
> = {
  Logs_20140328: { service: 'logs', operations: logsOperations },
  AWSBudgetServiceGateway: { service: 'budgets', operations: budgetsOperations },
  AWSInsightsIndexService: { service: 'ce', operations: costExplorerOperations },
  secretsmanager: { service: 'secretsmanager', operations: secretsManagerOperations },
};

/** awsQuery services by their API `Version`. */
const queryServices: Record<
  string,
  { service: 'iam' | 'sts'; namespace: string; operations: Record<string, Operation<QueryParams>> }
> = {
  '2010-05-08': { service: 'iam', namespace: iamNamespace, operations: iamOperations },
  '2011-06-15': { service: 'sts', namespace: stsNamespace, operations: stsOperations },
};

/** STS operations that real AWS serves without a signature. */
const unsignedOperations = new Set(['AssumeRoleWithWebIdentity', 'AssumeRoleWithSAML']);

/** The operation names the stand-in serves, by service; the contract test compares them with the models. */
export const supportedOperations: Record<ServiceName, string[]> = {
  iam: Object.keys(iamOperations),
  sts: Object.keys(stsOperations),
  lambda: lambdaRoutes.map((route) => route.name),
  logs: Object.keys(logsOperations),
  budgets: Object.keys(budgetsOperations),
  ce: Object.keys(costExplorerOperations),
  secretsmanager: Object.keys(secretsManagerOperations),
};

interface CompiledRoute {
  readonly route: RestRoute;
  readonly pattern: RegExp;
  readonly labels: string[];
}

const compiledRoutes: CompiledRoute[] = lambdaRoutes.map((route) => {
  const labels: string[] = [];
  const source = route.path.replace(/\{(\w+)\}/g, (_match, label: string) => {
    labels.push(label);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), labels };
});

type Resolved =
  | {
      protocol: 'query';
      service: 'iam' | 'sts';
      operation: string;
      namespace: string;
      op: Operation<QueryParams>;
      input: QueryParams;
    }
  | {
      protocol: 'json';
      service: ServiceName;
      operation: string;
      op: Operation<Record<string, unknown>>;
      input: Record<string, unknown>;
    }
  | { protocol: 'rest'; service: 'lambda'; operation: string; op: RestRoute; input: RestInput };

type Protocol = Resolved['protocol'];

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > maxBodyBytes) {
      throw new AwsError(
        'RequestEntityTooLargeException',
        `Request must be smaller than ${maxBodyBytes} bytes.`,
        413,
      );
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** Works out the protocol, service and operation of a request, or throws an `AwsError`. */
function resolve(request: IncomingMessage, url: URL, body: string): Resolved {
  const target = request.headers['x-amz-target'];
  if (typeof target === 'string') {
    const [prefix = '', operation = ''] = target.split('.');
    const entry = jsonServices[prefix];
    const op = entry?.operations[operation];
    if (entry === undefined || op === undefined) {
      throw unknownOperation(`the operation ${target}`);
    }
    return { protocol: 'json', service: entry.service, operation, op, input: parseJsonBody(body) };
  }

  const contentType = request.headers['content-type'] ?? '';
  if (request.method === 'POST' && contentType.startsWith('application/x-www-form-urlencoded')) {
    const params = parseQuery(body);
    const entry = queryServices[String(params.Version)];
    const operation = String(params.Action);
    const op = entry?.operations[operation];
    if (entry === undefined || op === undefined) {
      throw unknownOperation(`the action ${operation} of API version ${String(params.Version)}`);
    }
    const { Action: _action, Version: _version, ...input } = params;
    return {
      protocol: 'query',
      service: entry.service,
      operation,
      namespace: entry.namespace,
      op,
      input,
    };
  }

  for (const { route, pattern, labels } of compiledRoutes) {
    const match = pattern.exec(url.pathname);
    if (match === null || route.method !== request.method) {
      continue;
    }
    const values = Object.fromEntries(
      labels.map((label, index) => [label, decodeURIComponent(match[index + 1] ?? '')]),
    );
    const input: RestInput = {
      labels: values,
      query: url.searchParams,
      body: request.method === 'GET' || request.method === 'DELETE' ? {} : parseJsonBody(body),
    };
    return { protocol: 'rest', service: 'lambda', operation: route.name, op: route, input };
  }
  throw unknownOperation(`${request.method ?? 'GET'} ${url.pathname}`);
}

function guessProtocol(request: IncomingMessage): Protocol {
  if (typeof request.headers['x-amz-target'] === 'string') {
    return 'json';
  }
  return (request.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded')
    ? 'query'
    : 'rest';
}

function sendError(
  response: ServerResponse,
  protocol: Protocol,
  namespace: string,
  error: AwsError,
  requestId: string,
): void {
  const headers: Record<string, string> = { 'x-amzn-RequestId': requestId, ...error.headers };
  if (protocol === 'query') {
    response.writeHead(error.status, { ...headers, 'Content-Type': 'text/xml' });
    response.end(queryErrorXml(error, namespace, requestId));
  } else if (protocol === 'json') {
    response.writeHead(error.status, {
      ...headers,
      'Content-Type': 'application/x-amz-json-1.1',
      'x-amzn-ErrorType': error.code,
    });
    response.end(jsonText(jsonErrorBody(error)));
  } else {
    response.writeHead(error.status, {
      ...headers,
      'Content-Type': 'application/json',
      'x-amzn-ErrorType': error.code,
    });
    response.end(jsonText(restJsonErrorBody(error)));
  }
}

function sendResult(
  response: ServerResponse,
  resolved: Resolved,
  result: unknown,
  requestId: string,
): void {
  if (resolved.protocol === 'query') {
    response.writeHead(200, { 'x-amzn-RequestId': requestId, 'Content-Type': 'text/xml' });
    response.end(queryResponseXml(resolved.operation, resolved.namespace, result, requestId));
  } else if (resolved.protocol === 'json') {
    response.writeHead(200, {
      'x-amzn-RequestId': requestId,
      'Content-Type': 'application/x-amz-json-1.1',
    });
    response.end(jsonText(result ?? {}));
  } else {
    response.writeHead(resolved.op.status, {
      'x-amzn-RequestId': requestId,
      'Content-Type': 'application/json',
    });
    response.end(result === undefined ? '' : jsonText(result));
  }
}

/** Extracts the access key id from a SigV4 `Authorization` header. */
function accessKeyId(authorization: string | undefined): string | undefined {
  return authorization === undefined
    ? undefined
    : /Credential=([^/,\s]+)\//.exec(authorization)?.[1];
}

/** Returns the admin user that every access key the stand-in did not issue belongs to. */
export function adminIdentity(accountId: string, key: string): SessionRecord {
  const userId = `AIDA${createHash('sha256').update(accountId).digest('hex').slice(0, 16).toUpperCase()}`;
  return {
    AccessKeyId: key,
    Arn: `arn:aws:iam::${accountId}:user/gitops-admin`,
    UserId: userId,
    Expiration: Number.POSITIVE_INFINITY,
  };
}

function callerFor(runtime: Runtime, key: string | undefined, service: ServiceName): SessionRecord {
  const session = key === undefined ? undefined : runtime.state.sts.sessions[key];
  if (session === undefined) {
    return adminIdentity(runtime.accountId, key ?? '');
  }
  if (session.Expiration <= runtime.now()) {
    const code = service === 'iam' || service === 'sts' ? 'ExpiredToken' : 'ExpiredTokenException';
    throw new AwsError(
      code,
      'The security token included in the request is expired',
      service === 'lambda' ? 403 : 400,
    );
  }
  return session;
}

function defaultChecks(resolved: Resolved): AccessCheck[] {
  return [{ action: `${resolved.service}:${resolved.operation}`, resource: '*' }];
}

function summariseZip(base64: string): unknown {
  const bytes = Buffer.from(base64, 'base64');
  return { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('base64') };
}

function paramsForLog(resolved: Resolved): Record<string, unknown> {
  const raw =
    resolved.protocol === 'rest'
      ? {
          ...resolved.input.labels,
          ...Object.fromEntries(resolved.input.query),
          ...resolved.input.body,
        }
      : resolved.input;
  return loggableParams(raw, summariseZip);
}

export interface ServerParts {
  readonly runtime: Runtime;
  readonly log: RequestLog;
  /** Checks assumed-role callers against their role's policies. */
  readonly enforcePolicies: boolean;
  /** Called after each call that may have changed state, to persist it. */
  readonly persist: () => void;
  /** Request ids, separate from resource ids so that retries do not shift them. */
  readonly requestId: () => string;
}

/** Serves the zip a function's `Code.Location` points at, as a presigned S3 URL would. */
function serveCode(parts: ServerParts, url: URL, response: ServerResponse): void {
  const hex = /^\/\.stand-in\/lambda-code\/([0-9a-f]{64})\.zip$/.exec(url.pathname)?.[1];
  const base64 =
    hex === undefined
      ? undefined
      : parts.runtime.state.lambda.code[Buffer.from(hex, 'hex').toString('base64')];
  if (base64 === undefined) {
    response.writeHead(404, { 'Content-Type': 'text/plain' });
    response.end('No such code');
    return;
  }
  response.writeHead(200, { 'Content-Type': 'application/zip' });
  response.end(Buffer.from(base64, 'base64'));
}

/** Creates the request listener of the stand-in's HTTP server. */
export function createListener(parts: ServerParts): RequestListener {
  const { runtime, log } = parts;
  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const requestId = parts.requestId();
    if (request.method === 'GET' && url.pathname.startsWith('/.stand-in/')) {
      serveCode(parts, url, response);
      return;
    }

    let resolved: Resolved | undefined;
    try {
      const body = (await readBody(request)).toString('utf8');
      resolved = resolve(request, url, body);
    } catch (error) {
      const awsError =
        error instanceof AwsError ? error : new AwsError('InternalFailure', String(error), 500);
      sendError(response, guessProtocol(request), iamNamespace, awsError, requestId);
      return;
    }

    const namespace = resolved.protocol === 'query' ? resolved.namespace : '';
    const record = (
      status: number,
      extra: { errorCode?: string; response?: unknown; dropped?: boolean },
    ) =>
      log.add({
        service: resolved.service,
        operation: resolved.operation,
        params: paramsForLog(resolved),
        write: resolved.op.write,
        status,
        caller: runtime.caller.Arn,
        ...extra,
      });

    let result: unknown;
    try {
      const authorization = request.headers.authorization;
      if (authorization === undefined && !unsignedOperations.has(resolved.operation)) {
        throw missingAuthentication(resolved.service);
      }
      runtime.caller = callerFor(runtime, accessKeyId(authorization), resolved.service);
      const fault = runtime.faults.errorFor(resolved.service, resolved.operation, request.headers);
      if (fault !== undefined) {
        throw fault;
      }
      if (parts.enforcePolicies) {
        const op = resolved.op as Operation<unknown>;
        const checks = op.authorize?.(resolved.input, runtime) ?? defaultChecks(resolved);
        const denied = authorize(runtime, resolved.service, checks);
        if (denied !== undefined) {
          throw denied;
        }
      }
      result = (resolved.op as Operation<unknown>).run(resolved.input, runtime);
    } catch (error) {
      const awsError =
        error instanceof AwsError
          ? error
          : new AwsError(
              'InternalFailure',
              error instanceof Error ? error.message : String(error),
              500,
            );
      record(awsError.status, { errorCode: awsError.code });
      sendError(response, resolved.protocol, namespace, awsError, requestId);
      return;
    }

    if (resolved.op.write || resolved.service === 'sts') {
      parts.persist();
    }
    if (runtime.faults.dropsResponse(resolved.service, resolved.operation)) {
      record(0, { response: result, dropped: true });
      request.socket.destroy();
      return;
    }
    record(resolved.protocol === 'rest' ? resolved.op.status : 200, { response: result });
    sendResult(response, resolved, result, requestId);
  };
  return (request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.destroy(error instanceof Error ? error : new Error(String(error)));
    });
  };
}
