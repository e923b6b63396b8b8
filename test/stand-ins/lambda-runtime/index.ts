// A local Lambda function URL: an HTTP server on 127.0.0.1 that runs the code the AWS stand-in
// holds for a function. Each request becomes a payload 2.0 event for the version the URL's alias
// points at. A child process with the function's environment variables runs it, and the result
// becomes the response. A new version or configuration in the stand-in starts a new environment.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AwsState } from '../aws/state.ts';
import type { FunctionSnapshot } from './code.ts';
import { isDeployed, readSnapshot, unpackCode } from './code.ts';
import { corsHeaders, preflightResponse } from './cors.ts';
import type { InvokeOutcome } from './environment.ts';
import { ExecutionEnvironment } from './environment.ts';
import type { UrlResponse } from './events.ts';
import { toFunctionUrlEvent, toUrlResponse } from './events.ts';

/** Largest request or response payload of a function URL: 6 MB, Lambda's synchronous limit. */
const maxPayloadBytes = 6 * 1024 * 1024;

export interface FunctionUrlOptions {
  readonly functionName: string;
  /** The alias the function URL belongs to, such as `live`, or `$LATEST`. */
  readonly qualifier: string;
  readonly region: string;
  /** Returns the AWS stand-in's current state; read on every request. */
  readonly state: () => AwsState;
  /** Folder that code is unpacked into, one subfolder per function and code hash. */
  readonly codeRoot: string;
  /**
   * Returns variables set on top of the function's own, such as a local `MONGODB_URI`. Read when
   * an execution environment starts, so they may become known after the server listens.
   */
  readonly overrides?: () => Readonly<Record<string, string>>;
  /** Port on 127.0.0.1. Default 8000; 0 lets the system pick one. */
  readonly port?: number;
  /**
   * Port that clients believe they use, sent as `x-forwarded-port`; default the listening port.
   * Tests that map `localhost:8000` to another port in the browser set it to 8000.
   */
  readonly publicPort?: number;
  /** Receives the runtime's own lines: deploys, reloads, failed invocations. */
  readonly log?: (line: string) => void;
  /** Receives every line the function writes. */
  readonly functionLog?: (line: string) => void;
  /** Request ids; random UUIDs by default, as Lambda's. */
  readonly requestId?: () => string;
  readonly now?: () => Date;
}

/** What the function URL currently runs. */
export interface Deployment {
  readonly version: string;
  readonly codeSha256: string;
  readonly revision: string;
}

export interface LocalFunctionUrl {
  /** `http://localhost:{port}`, without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The deployment of the last request, or undefined before the first. */
  deployment(): Deployment | undefined;
  /** Number of execution environments started so far: the first, then one per reload or crash. */
  environmentsStarted(): number;
  /**
   * Starts an execution environment for the deployed version before the first request, so an
   * init failure shows at once. Returns why nothing runs: not deployed, or the init error.
   */
  warm(): Promise<string | undefined>;
  /** Stops the server and the execution environment. */
  close(): Promise<void>;
}

type Prepared =
  { environment: ExecutionEnvironment } | { failure: { errorType: string; errorMessage: string } };

function readBody(request: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxPayloadBytes) {
        chunks.push(chunk);
      }
    });
    request.on('end', () => resolve(size > maxPayloadBytes ? undefined : Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function textResponse(statusCode: number, text: string): UrlResponse {
  return {
    statusCode,
    headers: [['content-type', 'text/plain; charset=utf-8']],
    body: Buffer.from(text, 'utf8'),
  };
}

function send(response: ServerResponse, result: UrlResponse, extra: [string, string][]): void {
  const headers: Record<string, string | string[]> = {};
  for (const [name, value] of [...result.headers, ...extra]) {
    const existing = headers[name];
    if (name === 'set-cookie') {
      headers[name] = [...(Array.isArray(existing) ? existing : []), value];
    } else {
      headers[name] = value;
    }
  }
  headers['content-length'] = String(result.body.length);
  response.writeHead(result.statusCode, headers);
  response.end(result.body);
}

/** Starts the function URL on 127.0.0.1. */
export async function startFunctionUrl(options: FunctionUrlOptions): Promise<LocalFunctionUrl> {
  const log = options.log ?? (() => {});
  const functionLog = options.functionLog ?? (() => {});
  const requestId = options.requestId ?? randomUUID;
  const now = options.now ?? (() => new Date());
  let port = options.port ?? 8000;
  let current: ExecutionEnvironment | undefined;
  let preparing: Promise<Prepared> | undefined;
  let preparingRevision: string | undefined;
  let started = 0;
  let lastDeployment: Deployment | undefined;

  // Starts an environment for the snapshot unless the current one already runs it.
  async function prepare(snapshot: FunctionSnapshot): Promise<Prepared> {
    const previous = current;
    const codeFolder = await unpackCode(options.codeRoot, snapshot);
    const created = await ExecutionEnvironment.start({
      snapshot,
      codeFolder,
      region: options.region,
      overrides: options.overrides?.() ?? {},
      functionLog,
    });
    started += 1;
    if ('initError' in created) {
      log(
        `function ${snapshot.functionName}:${snapshot.version} failed to initialize: ${created.initError.errorType}: ${created.initError.errorMessage}`,
      );
      return { failure: created.initError };
    }
    current = created;
    const verb = previous === undefined ? 'loaded' : 'reloaded';
    log(
      `function ${snapshot.functionName}:${snapshot.version} ${verb} (CodeSha256 ${snapshot.codeSha256})`,
    );
    if (previous !== undefined) {
      void previous.stop();
    }
    return { environment: created };
  }

  function environmentFor(snapshot: FunctionSnapshot): Promise<Prepared> {
    if (current?.alive === true && current.snapshot.revision === snapshot.revision) {
      return Promise.resolve({ environment: current });
    }
    if (preparing === undefined || preparingRevision !== snapshot.revision) {
      preparingRevision = snapshot.revision;
      preparing = prepare(snapshot).finally(() => {
        preparing = undefined;
        preparingRevision = undefined;
      });
    }
    return preparing;
  }

  function outcomeResponse(outcome: InvokeOutcome, id: string, snapshot: FunctionSnapshot) {
    if (outcome.kind === 'result') {
      const response = toUrlResponse(outcome.result);
      if (response.body.length <= maxPayloadBytes) {
        return response;
      }
      log(
        `request ${id} to ${snapshot.functionName}:${snapshot.version} failed: the response body is ${response.body.length} bytes, more than the ${maxPayloadBytes} a function URL returns`,
      );
      return textResponse(502, 'Internal Server Error');
    }
    const reason =
      outcome.kind === 'error'
        ? `${outcome.error.errorType}: ${outcome.error.errorMessage}`
        : outcome.kind === 'timeout'
          ? `Task timed out after ${outcome.seconds.toFixed(2)} seconds`
          : outcome.detail;
    log(`request ${id} to ${snapshot.functionName}:${snapshot.version} failed: ${reason}`);
    return textResponse(502, 'Internal Server Error');
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const id = requestId();
    const extra: [string, string][] = [['x-amzn-requestid', id]];
    const body = await readBody(request);
    if (body === undefined) {
      send(
        response,
        textResponse(413, `Request must be smaller than ${maxPayloadBytes} bytes`),
        extra,
      );
      return;
    }

    const snapshot = readSnapshot(options.state(), options.functionName, options.qualifier);
    if (!isDeployed(snapshot)) {
      send(response, textResponse(503, `Not deployed yet: ${snapshot.reason}.`), extra);
      return;
    }
    lastDeployment = {
      version: snapshot.version,
      codeSha256: snapshot.codeSha256,
      revision: snapshot.revision,
    };
    if (snapshot.authType !== 'NONE') {
      // Requests to an AWS_IAM function URL must be signed; the local URL checks no signature.
      send(response, textResponse(403, '{"Message":"Forbidden"}'), extra);
      return;
    }

    const origin = request.headers.origin;
    const preflight = preflightResponse(snapshot.cors, request.method ?? 'GET', request.headers);
    if (preflight !== undefined) {
      send(response, preflight, extra);
      return;
    }
    const cors = corsHeaders(snapshot.cors, origin);

    const prepared = await environmentFor(snapshot);
    if ('failure' in prepared) {
      send(response, textResponse(502, 'Internal Server Error'), [...extra, ...cors]);
      return;
    }
    const event = toFunctionUrlEvent(
      {
        method: request.method ?? 'GET',
        target: request.url ?? '/',
        rawHeaders: request.rawHeaders,
        body,
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        protocol: `HTTP/${request.httpVersion}`,
      },
      {
        requestId: id,
        urlId: snapshot.urlId,
        region: options.region,
        now: now(),
        scheme: 'http',
        port: options.publicPort ?? port,
      },
    );
    const outcome = await prepared.environment.invoke(event, {
      awsRequestId: id,
      functionName: snapshot.functionName,
      functionVersion: snapshot.version,
      invokedFunctionArn: snapshot.invokedFunctionArn,
      memoryLimitInMB: String(snapshot.memorySize),
      logGroupName: `/aws/lambda/${snapshot.functionName}`,
      logStreamName: `local/[${snapshot.version}]`,
    });
    const result = outcomeResponse(outcome, id, snapshot);
    // With CORS configured, the URL's settings replace the CORS headers the function sets.
    const headers =
      snapshot.cors === undefined
        ? result.headers
        : result.headers.filter(([name]) => !name.startsWith('access-control-'));
    send(response, { ...result, headers }, [...extra, ...cors]);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      log(`function URL request failed: ${error instanceof Error ? error.message : String(error)}`);
      if (!response.headersSent) {
        send(response, textResponse(500, 'Internal Server Error'), []);
      } else {
        response.destroy();
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;

  let closing: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}`,
    port,
    deployment: () => lastDeployment,
    environmentsStarted: () => started,
    async warm() {
      const snapshot = readSnapshot(options.state(), options.functionName, options.qualifier);
      if (!isDeployed(snapshot)) {
        return snapshot.reason;
      }
      const prepared = await environmentFor(snapshot);
      return 'failure' in prepared
        ? `${prepared.failure.errorType}: ${prepared.failure.errorMessage}`
        : undefined;
    },
    close() {
      closing ??= (async () => {
        await new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          server.closeAllConnections();
        });
        await preparing?.catch(() => undefined);
        await current?.stop();
      })();
      return closing;
    },
  };
}
