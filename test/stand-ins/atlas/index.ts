// A loopback stand-in for the MongoDB Atlas Administration API v2: Digest and service account
// authentication, dated media types, pagination, Atlas error bodies, cluster states that advance
// on a clock, rate limits, eventual consistency and fault switches, with a log of every exchange.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  StandInAuth,
  type ApiKey,
  type AuthFailure,
  type DigestNonceScope,
  type ServiceAccount,
} from './auth.ts';
import { settleClusters } from './clusters.ts';
import { AtlasApiError, type RouteResponse, type StandInContext } from './context.ts';
import { Faults, type Fault } from './faults.ts';
import { matchRoute, type Route } from './routes.ts';
import {
  emptyData,
  loadData,
  nextObjectId,
  saveData,
  type StandInData,
  type StoredAccessListEntry,
  type StoredDatabaseUser,
  type StoredInvoice,
  type StoredOrg,
  type StoredProject,
} from './state.ts';

export type { ApiKey, AuthFailure, DigestNonceScope, ServiceAccount } from './auth.ts';
export type { FaultMatch } from './faults.ts';
export type { StandInData } from './state.ts';

/** A listening server as `test/helpers/servers.ts` returns it. */
export interface ListeningServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface AtlasStandInOptions {
  readonly apiKeys?: readonly ApiKey[];
  readonly serviceAccounts?: readonly ServiceAccount[];
  /** Organisations that exist. Default: one, `000000000000000000000000`, as in `config/dev.yaml`. */
  readonly orgs?: readonly StoredOrg[];
  /** Clock in milliseconds; cluster states and token expiry follow it. Default `Date.now`. */
  readonly now?: () => number;
  /** How long CREATING, UPDATING and DELETING last on that clock, in milliseconds. Default 0. */
  readonly clusterCreateMs?: number;
  readonly clusterUpdateMs?: number;
  readonly clusterDeleteMs?: number;
  /** Lifetime of issued access tokens, in seconds. Default 3600, as Atlas issues them. */
  readonly tokenLifetimeSeconds?: number;
  /**
   * Time a Digest nonce is accepted after it was issued, on the stand-in clock, in milliseconds.
   * After it, a correct response gets 401 with `stale=true` and a new nonce. Default 300 000.
   */
  readonly digestNonceLifetimeMs?: number;
  /**
   * `challenge` (default): each Digest challenge carries a new nonce. `period`: every challenge
   * carries the current nonce until it expires, so concurrent requests share one nonce. Two
   * clients then count the same nonce separately and collide, so use one client per stand-in.
   */
  readonly digestNonceScope?: DigestNonceScope;
  /**
   * A `mongodb://` connection string, such as the MongoDB stand-in's `uri`, that every cluster's
   * `connectionStrings.standard` returns in place of Atlas host names, so a driver given that
   * string reaches a local server. `standardSrv` keeps the Atlas form, because an SRV string
   * needs a DNS record and cannot name a port.
   */
  readonly mongoUri?: string;
  /** A created resource answers 404 to this many GETs before it appears. Default 0. */
  readonly eventualConsistencyReads?: number;
  /** Requests allowed per principal and window before 429 RATE_LIMITED. Default unlimited. */
  readonly rateLimit?: { readonly limit: number; readonly windowMs: number };
  /** JSON file to load the state from at start and save it to after every write. */
  readonly stateFile?: string;
  /** Port to listen on, on 127.0.0.1. Default 0: the system picks one. */
  readonly port?: number;
  /** Starts the server; tests pass `startServer` so the server stops with the test. */
  readonly listen?: (server: Server) => Promise<ListeningServer>;
}

/** One request and its response, with `Authorization` cut down to its scheme. */
export interface RecordedExchange {
  readonly method: string;
  /** Path as sent, still encoded, such as `/api/atlas/v2/groups/x/accessList/0.0.0.0%2F0`. */
  readonly path: string;
  readonly query: Record<string, string>;
  readonly operationId: string | undefined;
  /** True for POST, PATCH and DELETE on the Administration API, whatever the outcome. */
  readonly write: boolean;
  readonly requestHeaders: Record<string, string>;
  readonly requestBody: unknown;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: unknown;
  /** The stand-in performed the request and closed the connection without answering. */
  dropped: boolean;
  /** Why the credentials were rejected, on a 401 from the Administration API. */
  authFailure?: AuthFailure;
}

export interface AtlasStandIn {
  readonly url: string;
  readonly faults: Faults;
  /** Every exchange in arrival order. */
  readonly requests: RecordedExchange[];
  readonly state: StandInData;
  /** Token requests answered so far. */
  tokenRequests(): number;
  /** Exchanges that asked to change something. */
  writes(): RecordedExchange[];
  /** Seeds a project, such as one created by hand that the provider must not adopt. */
  addProject(project: Omit<StoredProject, 'id' | 'created'> & { id?: string }): StoredProject;
  addAccessListEntry(entry: StoredAccessListEntry): void;
  addDatabaseUser(user: StoredDatabaseUser): void;
  addInvoice(invoice: StoredInvoice): void;
  close(): Promise<void>;
}

const apiPrefix = '/api/atlas/v2';
const tokenPath = '/api/oauth/token';
const datedMediaType = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/;

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

function redactHeaders(headers: IncomingMessage['headers']): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const text = Array.isArray(value) ? value.join(', ') : (value ?? '');
    result[name] = name === 'authorization' ? (text.split(/\s+/)[0] ?? '') : text;
  }
  return result;
}

function mediaTypesOf(header: string | undefined): string[] {
  return (header ?? '')
    .split(',')
    .map((part) => part.split(';')[0]!.trim().toLowerCase())
    .filter((part) => part !== '');
}

async function listenLocally(server: Server, port: number): Promise<ListeningServer> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** Starts the stand-in on 127.0.0.1 and returns its address, state, log and fault switches. */
export async function startAtlasStandIn(options: AtlasStandInOptions = {}): Promise<AtlasStandIn> {
  const now = options.now ?? Date.now;
  const orgs = options.orgs ?? [{ id: '000000000000000000000000', name: 'gitops-template' }];
  const data = loadData(options.stateFile, emptyData([...orgs]));
  const mongoUri = options.mongoUri;
  if (mongoUri !== undefined && !/^mongodb:\/\/[^/?#]+/.test(mongoUri)) {
    throw new Error(
      `Atlas stand-in option mongoUri must be a mongodb:// connection string (got "${mongoUri}")`,
    );
  }
  const nonceLifetimeMs = options.digestNonceLifetimeMs ?? 300_000;
  if (!Number.isFinite(nonceLifetimeMs) || nonceLifetimeMs <= 0) {
    throw new Error(
      `Atlas stand-in option digestNonceLifetimeMs must be a positive number of milliseconds (got ${nonceLifetimeMs})`,
    );
  }
  // NOTE: Atlas does not publish how long its Digest nonces last; 5 minutes is a guess.
  const auth = new StandInAuth({
    apiKeys: options.apiKeys ?? [],
    serviceAccounts: options.serviceAccounts ?? [],
    now,
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    nonceLifetimeMs,
    nonceScope: options.digestNonceScope ?? 'challenge',
  });
  const faults = new Faults();
  const requests: RecordedExchange[] = [];
  const hidden = new Map<string, number>();
  const windows = new Map<string, { start: number; count: number }>();
  let baseUrl = 'http://127.0.0.1';

  const context: StandInContext = {
    data,
    now,
    get baseUrl() {
      return baseUrl;
    },
    clusterCreateMs: options.clusterCreateMs ?? 0,
    clusterUpdateMs: options.clusterUpdateMs ?? 0,
    clusterDeleteMs: options.clusterDeleteMs ?? 0,
    ...(mongoUri !== undefined && { mongoUri }),
    hideFromReads(key) {
      const reads = options.eventualConsistencyReads ?? 0;
      if (reads > 0) hidden.set(key, reads);
    },
    consumeHiddenRead(key) {
      const left = hidden.get(key) ?? 0;
      if (left <= 0) return false;
      hidden.set(key, left - 1);
      return true;
    },
  };

  function rateLimited(principal: string): Fault | undefined {
    if (options.rateLimit === undefined) return undefined;
    const { limit, windowMs } = options.rateLimit;
    const current = now();
    let window = windows.get(principal);
    if (window === undefined || current - window.start >= windowMs) {
      window = { start: current, count: 0 };
      windows.set(principal, window);
    }
    window.count += 1;
    if (window.count <= limit) return undefined;
    const retryAfterSeconds = Math.max(1, Math.ceil((window.start + windowMs - current) / 1000));
    return { kind: 'throttle', retryAfterSeconds };
  }

  function answer(
    response: ServerResponse,
    record: RecordedExchange,
    status: number,
    body: unknown,
    headers: Record<string, string>,
  ): void {
    const text = body === undefined ? '' : JSON.stringify(body);
    record.status = status;
    record.responseHeaders = headers;
    record.responseBody = body ?? null;
    response.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(text)) });
    response.end(text);
  }

  function answerError(response: ServerResponse, record: RecordedExchange, error: AtlasApiError) {
    answer(response, record, error.status, error.toBody(), { 'content-type': 'application/json' });
  }

  function answerFault(response: ServerResponse, record: RecordedExchange, fault: Fault): void {
    if (fault.kind === 'throttle') {
      const error = new AtlasApiError(
        429,
        'RATE_LIMITED',
        'You have exceeded the rate limit for this resource. Try again later.',
      );
      answer(response, record, 429, error.toBody(), {
        'content-type': 'application/json',
        'retry-after': String(fault.retryAfterSeconds),
        'ratelimit-limit': String(options.rateLimit?.limit ?? 100),
        'ratelimit-remaining': '0',
      });
      return;
    }
    if (fault.kind === 'status') {
      answerError(
        response,
        record,
        new AtlasApiError(fault.status, fault.errorCode, 'Unexpected error.'),
      );
    }
  }

  function checkMediaTypes(request: IncomingMessage, route: Route, hasBody: boolean) {
    const accepted = mediaTypesOf(request.headers.accept);
    const version = accepted.map((type) => datedMediaType.exec(type)?.[1]).find(Boolean);
    if (version !== route.version) {
      throw new AtlasApiError(
        406,
        'INVALID_VERSION_DATE',
        'Invalid accept header or version date.',
      );
    }
    if (!hasBody) return;
    const [contentType] = mediaTypesOf(request.headers['content-type']);
    const expected = `application/vnd.atlas.${route.version}+json`;
    if (contentType !== expected && contentType !== 'application/json') {
      // NOTE: Atlas's errorCode for this case is not documented; the status is what clients see.
      throw new AtlasApiError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `Unsupported content type ${contentType ?? '(none)'}; send ${expected}.`,
      );
    }
  }

  function handleToken(
    request: IncomingMessage,
    response: ServerResponse,
    record: RecordedExchange,
    body: string,
  ) {
    if (request.method !== 'POST') {
      answer(
        response,
        record,
        405,
        { error: 'invalid_request' },
        { 'content-type': 'application/json' },
      );
      return;
    }
    const result = auth.issueToken(request.headers.authorization, body);
    answer(response, record, result.status, result.body, {
      'content-type': 'application/json',
      'cache-control': 'no-store',
    });
  }

  function handleApi(
    request: IncomingMessage,
    response: ServerResponse,
    record: RecordedExchange & { operationId: string | undefined },
    url: URL,
    rawBody: string,
  ) {
    const method = request.method ?? 'GET';
    const apiPath = url.pathname.slice(apiPrefix.length);
    const matched = matchRoute(method, apiPath.split('/').slice(1));
    if (matched === undefined || !('route' in matched)) {
      const status = matched === undefined ? 404 : 405;
      throw new AtlasApiError(
        status,
        status === 404 ? 'RESOURCE_NOT_FOUND' : 'METHOD_NOT_ALLOWED',
        status === 404 ? `Cannot find resource ${url.pathname}.` : `${method} is not allowed here.`,
      );
    }
    const { route, params } = matched;
    record.operationId = route.operationId;

    const requestTarget = `${url.pathname}${url.search}`;
    const authResult = auth.authenticate(method, requestTarget, request.headers.authorization);
    if (!authResult.ok) {
      record.authFailure = authResult.failure;
      const error = new AtlasApiError(
        401,
        'USER_UNAUTHORIZED',
        'Current user is not authorized to perform this action.',
      );
      answer(response, record, 401, error.toBody(), {
        'content-type': 'application/json',
        ...(authResult.challenge !== undefined && { 'www-authenticate': authResult.challenge }),
      });
      return;
    }

    const fault =
      faults.take({ method, operationId: route.operationId, path: apiPath }) ??
      rateLimited(authResult.principal);
    if (fault !== undefined && fault.kind !== 'drop') {
      answerFault(response, record, fault);
      return;
    }

    const hasBody = rawBody.trim() !== '';
    checkMediaTypes(request, route, hasBody);
    let body: unknown;
    try {
      body = hasBody ? JSON.parse(rawBody) : undefined;
    } catch {
      throw new AtlasApiError(400, 'INVALID_JSON', 'Request body is not valid JSON.');
    }

    const result: RouteResponse = route.handle(context, {
      params,
      query: url.searchParams,
      body,
      selfUrl: `${baseUrl}${url.pathname}${url.search}`,
    });
    if (method !== 'GET') saveData(options.stateFile, data);

    const contentType = `application/vnd.atlas.${route.version}+json`;
    if (fault?.kind === 'drop') {
      record.status = result.status;
      record.responseBody = result.body ?? null;
      record.dropped = true;
      request.socket.destroy();
      return;
    }
    answer(response, record, result.status, result.body, { 'content-type': contentType });
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      const rawBody = await readBody(request);
      const method = request.method ?? 'GET';
      const api = url.pathname.startsWith(`${apiPrefix}/`);
      let requestBody: unknown = rawBody === '' ? null : rawBody;
      try {
        requestBody = rawBody === '' ? null : JSON.parse(rawBody);
      } catch {
        // Form bodies (the token request) are recorded as text.
      }
      const record: RecordedExchange & { operationId: string | undefined } = {
        method,
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        operationId: undefined,
        write: api && method !== 'GET' && method !== 'HEAD',
        requestHeaders: redactHeaders(request.headers),
        requestBody: url.pathname === tokenPath ? '<form>' : requestBody,
        status: 0,
        responseHeaders: {},
        responseBody: null,
        dropped: false,
      };
      requests.push(record);
      settleClusters(context);

      try {
        if (url.pathname === tokenPath) handleToken(request, response, record, rawBody);
        else if (api) handleApi(request, response, record, url, rawBody);
        else
          throw new AtlasApiError(
            404,
            'RESOURCE_NOT_FOUND',
            `Cannot find resource ${url.pathname}.`,
          );
      } catch (error) {
        if (!(error instanceof AtlasApiError)) throw error;
        answerError(response, record, error);
      }
    })().catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(`stand-in failure: ${(error as Error).message}`);
    });
  });

  const listening = options.listen
    ? await options.listen(server)
    : await listenLocally(server, options.port ?? 0);
  baseUrl = listening.url;

  const save = () => saveData(options.stateFile, data);
  return {
    url: listening.url,
    faults,
    requests,
    state: data,
    tokenRequests: () => auth.tokenRequests,
    writes: () => requests.filter((exchange) => exchange.write),
    addProject(project) {
      const stored: StoredProject = {
        ...project,
        id: project.id ?? nextObjectId(data),
        created: new Date(now()).toISOString(),
      };
      data.projects.push(stored);
      save();
      return stored;
    },
    addAccessListEntry(entry) {
      data.accessList.push(entry);
      save();
    },
    addDatabaseUser(user) {
      data.databaseUsers.push(user);
      save();
    },
    addInvoice(invoice) {
      data.invoices.push(invoice);
      save();
    },
    close: () => listening.close(),
  };
}
