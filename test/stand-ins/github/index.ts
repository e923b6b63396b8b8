// A GitHub stand-in on 127.0.0.1: the REST endpoints the runner glue calls, with token auth,
// rate-limit headers, secondary rate limits and a request log, plus the runner's OIDC ID-token
// endpoint. Point `GITHUB_API_URL` and `ACTIONS_ID_TOKEN_REQUEST_URL` at it
// (`runnerEnvironment()` returns both) and the real Octokit and `@actions/core` clients talk to it.
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import type { Account, Issue, IssueComment, Repository } from './model.ts';
import { actionsBot } from './model.ts';
import { HttpError, errorBody } from './http.ts';
import type { RouteResponse } from './http.ts';
import { createIdTokenIssuer, defaultRun } from './oidc.ts';
import type { RunDescription } from './oidc.ts';
import { createRestRouter } from './routes.ts';
import type { Store } from './routes.ts';

export type { RunDescription } from './oidc.ts';
export { subjectClaim } from './oidc.ts';
export { maxBodyCharacters } from './routes.ts';
export type { Issue, IssueComment, Label, Repository, Variable } from './model.ts';

/** Something that starts a server on 127.0.0.1 and stops it, such as the tests' `startServer`. */
export type Listen = (server: Server) => Promise<{ url: string; close(): Promise<void> }>;

export interface GitHubStandInOptions {
  /** `owner/name` of every hosted repository; the first is the run's. */
  readonly repositories?: readonly string[];
  /** Tokens accepted with full access. */
  readonly tokens?: readonly string[];
  /** Tokens that may read but not write, as GITHUB_TOKEN is in a pull request from a fork. */
  readonly readOnlyTokens?: readonly string[];
  /** The bearer token the ID-token endpoint expects (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  readonly idTokenRequestToken?: string;
  /** The run that ID tokens describe; unset fields take `defaultRun` values. */
  readonly run?: Partial<RunDescription>;
  /** `iss` of ID tokens. */
  readonly issuer?: string;
  /** Primary rate limit: requests per hour per token. */
  readonly rateLimit?: number;
  /** Clock for timestamps, rate-limit resets and token lifetimes. */
  readonly now?: () => Date;
  /** Web host for `html_url` fields. */
  readonly serverUrl?: string;
  /** Starts the server; by default it listens on 127.0.0.1 port 0 itself. */
  readonly listen?: Listen;
}

/** One request the stand-in received. Credentials are not recorded. */
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  /** Query string without the leading `?`. */
  readonly query: string;
  readonly status: number;
  /** Parsed JSON body of a write. */
  readonly body?: unknown;
}

export interface GitHubStandIn {
  /** `http://127.0.0.1:{port}`, the value for GITHUB_API_URL. */
  readonly url: string;
  /** The first accepted token, the value for GITHUB_TOKEN. */
  readonly token: string;
  /** The value for ACTIONS_ID_TOKEN_REQUEST_URL; it already has a query string, as GitHub's does. */
  readonly idTokenRequestUrl: string;
  readonly idTokenRequestToken: string;
  readonly issuer: string;
  /** Public keys that verify the ID tokens. */
  readonly jwks: { keys: JWK[] };
  readonly run: RunDescription;
  /** Every request so far, oldest first. */
  readonly requests: RecordedRequest[];
  /** The hosted repository's state, for seeding and assertions. */
  repository(fullName?: string): Repository;
  /** Adds an issue directly, as if someone had opened it. Returns its number. */
  addIssue(issue: { title: string; body?: string; labels?: string[]; user?: Account }): number;
  /** Adds an open pull request. Returns its number. */
  addPullRequest(pull: {
    title?: string;
    headRef: string;
    headSha?: string;
    baseRef?: string;
    headRepository?: string;
  }): number;
  /** Adds a comment directly. Returns its id. */
  addComment(issueNumber: number, body: string, user?: Account): number;
  /** Fails the next `times` REST requests with a secondary rate limit and `retry-after`. */
  limitSecondaryRate(limit: { times: number; retryAfterSeconds: number; status?: 403 | 429 }): void;
  /** Environment variables a runner step would have for this stand-in and run. */
  runnerEnvironment(): Record<string, string>;
  close(): Promise<void>;
}

const secondaryRateLimitMessage =
  'You have exceeded a secondary rate limit. Please wait a few minutes before you try again.';

async function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readJsonBody(request: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new HttpError(400, 'Problems parsing JSON');
  }
}

function bearer(request: IncomingMessage): string | undefined {
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1];
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>>,
): void {
  response.statusCode = status;
  for (const [name, value] of Object.entries(headers)) response.setHeader(name, value);
  if (status === 204 || body === undefined) {
    response.end();
    return;
  }
  response.setHeader('content-type', 'application/json; charset=utf-8');
  response.end(JSON.stringify(body));
}

/** Starts the GitHub stand-in on 127.0.0.1 with a port the system picks. */
export async function startGitHubStandIn(
  options: GitHubStandInOptions = {},
): Promise<GitHubStandIn> {
  const now = options.now ?? (() => new Date());
  const repositoryNames = options.repositories ?? [defaultRun.repository];
  const tokens = new Set(options.tokens ?? ['ghs_stand-in-token']);
  const readOnlyTokens = new Set(options.readOnlyTokens ?? []);
  const idTokenRequestToken = options.idTokenRequestToken ?? 'stand-in-id-token-request-token';
  const rateLimit = options.rateLimit ?? 5000;
  const run: RunDescription = {
    ...defaultRun,
    repository: repositoryNames[0] ?? defaultRun.repository,
    ...options.run,
  };
  const issuer = options.issuer ?? 'https://token.actions.githubusercontent.com';

  const repositories = new Map<string, Repository>();
  repositoryNames.forEach((fullName, index) => {
    const [owner = '', name = ''] = fullName.split('/');
    repositories.set(fullName.toLowerCase(), {
      id: fullName === run.repository ? run.repositoryId : 700_000_100 + index,
      owner,
      name,
      issues: new Map(),
      comments: new Map(),
      labels: new Map(),
      variables: new Map(),
      environmentVariables: new Map(),
      nextNumber: 1,
    });
  });

  // Sequential ids in GitHub's ranges, so payloads look familiar and repeat from run to run.
  const counters = { issue: 1_000_000_000, comment: 2_000_000_000, label: 3_000_000_000 };
  const links = { apiUrl: '', serverUrl: options.serverUrl ?? 'https://github.com' };
  const store: Store = {
    repositories,
    links,
    actor: actionsBot,
    now: () =>
      now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    nextId: (kind) => ++counters[kind],
  };
  const router = createRestRouter(store);
  const idTokens = await createIdTokenIssuer({ issuer, run, now });

  const requests: RecordedRequest[] = [];
  const usage = new Map<string, { used: number; resetAt: number }>();
  let secondary: { remaining: number; retryAfterSeconds: number; status: 403 | 429 } | undefined;

  // Rate-limit headers for `token`, counting this request; GitHub sends them on every response.
  function rateLimitHeaders(token: string): { headers: Record<string, string>; exceeded: boolean } {
    const nowSeconds = Math.floor(now().getTime() / 1000);
    let window = usage.get(token);
    if (!window || window.resetAt <= nowSeconds) {
      window = { used: 0, resetAt: nowSeconds + 3600 };
      usage.set(token, window);
    }
    const exceeded = window.used >= rateLimit;
    if (!exceeded) window.used += 1;
    return {
      exceeded,
      headers: {
        'x-ratelimit-limit': String(rateLimit),
        'x-ratelimit-remaining': String(rateLimit - window.used),
        'x-ratelimit-reset': String(window.resetAt),
        'x-ratelimit-used': String(window.used),
        'x-ratelimit-resource': 'core',
      },
    };
  }

  async function handleIdToken(request: IncomingMessage, url: URL): Promise<RouteResponse> {
    if (bearer(request) !== idTokenRequestToken) {
      throw new HttpError(401, 'The ID token request token is missing or invalid');
    }
    if (url.searchParams.get('api-version') !== '2.0') {
      throw new HttpError(400, 'api-version 2.0 is required');
    }
    const value = await idTokens.issue(url.searchParams.get('audience') ?? undefined);
    return { status: 200, body: { count: value.length, value } };
  }

  function handleRest(request: IncomingMessage, url: URL, body: unknown): RouteResponse {
    const method = request.method ?? 'GET';
    if (secondary && secondary.remaining > 0) {
      secondary.remaining -= 1;
      throw new HttpError(secondary.status, secondaryRateLimitMessage, undefined, {
        'retry-after': String(secondary.retryAfterSeconds),
      });
    }
    const token = bearer(request);
    if (token === undefined) throw new HttpError(401, 'Requires authentication');
    if (!tokens.has(token) && !readOnlyTokens.has(token)) {
      throw new HttpError(401, 'Bad credentials');
    }
    const limit = rateLimitHeaders(token);
    if (limit.exceeded) {
      throw new HttpError(
        403,
        'API rate limit exceeded for installation. Wait for the reset time in x-ratelimit-reset.',
        undefined,
        limit.headers,
      );
    }
    if (method !== 'GET' && readOnlyTokens.has(token)) {
      throw new HttpError(403, 'Resource not accessible by integration', undefined, limit.headers);
    }
    const result = router.dispatch(method, url.pathname, url.searchParams, body);
    return { ...result, headers: { ...limit.headers, ...result.headers } };
  }

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', links.apiUrl);
    const method = request.method ?? 'GET';
    let recordedBody: unknown;
    let result: RouteResponse;
    try {
      recordedBody = await readJsonBody(request);
      if (url.pathname === '/_apis/idtoken') {
        result = await handleIdToken(request, url);
      } else if (url.pathname === '/.well-known/jwks') {
        result = { status: 200, body: idTokens.jwks };
      } else if (url.pathname === '/.well-known/openid-configuration') {
        result = {
          status: 200,
          body: {
            issuer,
            jwks_uri: `${links.apiUrl}/.well-known/jwks`,
            subject_types_supported: ['public', 'pairwise'],
            response_types_supported: ['id_token'],
            id_token_signing_alg_values_supported: ['RS256'],
          },
        };
      } else {
        result = handleRest(request, url, recordedBody);
      }
    } catch (error) {
      if (!(error instanceof HttpError)) throw error;
      result = { status: error.status, body: errorBody(error), headers: error.headers };
    }
    requests.push({
      method,
      path: url.pathname,
      query: url.searchParams.toString(),
      status: result.status,
      ...(recordedBody === undefined ? {} : { body: recordedBody }),
    });
    send(response, result.status, result.body, {
      'x-github-api-version-selected': '2022-11-28',
      'x-github-request-id': `STAND-IN:${requests.length}`,
      ...result.headers,
    });
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.statusCode = 500;
      response.end(JSON.stringify({ message: String(error) }));
    });
  });
  const listening = await (options.listen ?? listenOnLoopback)(server);
  links.apiUrl = listening.url;

  function repository(fullName = run.repository): Repository {
    const found = repositories.get(fullName.toLowerCase());
    if (!found) throw new Error(`The GitHub stand-in does not host ${fullName}`);
    return found;
  }

  return {
    url: listening.url,
    token: [...tokens][0] ?? '',
    idTokenRequestUrl: `${listening.url}/_apis/idtoken?api-version=2.0`,
    idTokenRequestToken,
    issuer,
    jwks: idTokens.jwks,
    run,
    requests,
    repository,

    addIssue({ title, body, labels = [], user = { login: 'octocat', id: 583_231, type: 'User' } }) {
      const target = repository();
      const timestamp = store.now();
      const issue: Issue = {
        id: store.nextId('issue'),
        number: target.nextNumber++,
        title,
        body: body ?? null,
        state: 'open',
        stateReason: null,
        labels: labels.map((name) => {
          const existing = target.labels.get(name.toLowerCase());
          if (existing) return existing;
          const label = { id: store.nextId('label'), name, color: 'ededed', description: null };
          target.labels.set(name.toLowerCase(), label);
          return label;
        }),
        user,
        createdAt: timestamp,
        updatedAt: timestamp,
        closedAt: null,
      };
      target.issues.set(issue.number, issue);
      return issue.number;
    },

    addPullRequest({
      title = 'Change the dev config',
      headRef,
      headSha = run.sha,
      baseRef = 'main',
      headRepository = run.repository,
    }) {
      const target = repository();
      const timestamp = store.now();
      const issue: Issue = {
        id: store.nextId('issue'),
        number: target.nextNumber++,
        title,
        body: null,
        state: 'open',
        stateReason: null,
        labels: [],
        user: { login: 'octocat', id: 583_231, type: 'User' },
        createdAt: timestamp,
        updatedAt: timestamp,
        closedAt: null,
        pull: { headRef, headSha, baseRef, headRepository },
      };
      target.issues.set(issue.number, issue);
      return issue.number;
    },

    addComment(issueNumber, body, user = { login: 'octocat', id: 583_231, type: 'User' }) {
      const target = repository();
      if (!target.issues.has(issueNumber)) {
        throw new Error(`The GitHub stand-in has no issue #${issueNumber}`);
      }
      const timestamp = store.now();
      const comment: IssueComment = {
        id: store.nextId('comment'),
        issueNumber,
        body,
        user,
        createdAt: timestamp,
        updatedAt: timestamp,
      };
      target.comments.set(comment.id, comment);
      return comment.id;
    },

    limitSecondaryRate({ times, retryAfterSeconds, status = 403 }) {
      secondary = { remaining: times, retryAfterSeconds, status };
    },

    runnerEnvironment() {
      return {
        GITHUB_ACTIONS: 'true',
        GITHUB_API_URL: listening.url,
        GITHUB_SERVER_URL: links.serverUrl,
        GITHUB_REPOSITORY: run.repository,
        GITHUB_REPOSITORY_ID: String(run.repositoryId),
        GITHUB_REPOSITORY_OWNER: run.repository.split('/')[0] ?? '',
        GITHUB_REF: run.ref,
        GITHUB_SHA: run.sha,
        GITHUB_EVENT_NAME: run.eventName,
        GITHUB_RUN_ID: String(run.runId),
        GITHUB_RUN_NUMBER: String(run.runNumber),
        GITHUB_RUN_ATTEMPT: String(run.runAttempt),
        GITHUB_ACTOR: run.actor,
        GITHUB_WORKFLOW: run.workflow,
        GITHUB_TOKEN: [...tokens][0] ?? '',
        ACTIONS_ID_TOKEN_REQUEST_URL: `${listening.url}/_apis/idtoken?api-version=2.0`,
        ACTIONS_ID_TOKEN_REQUEST_TOKEN: idTokenRequestToken,
      };
    },

    close: () => listening.close(),
  };
}
