// The workflow run the action is in, read from the GITHUB_* variables and the event payload the
// runner writes to GITHUB_EVENT_PATH. Read per call rather than at import, unlike
// `@actions/github`'s `context`, so tests can hand in their own environment.
import { readFileSync } from 'node:fs';
import { ActionError } from './errors.ts';

export interface RepositoryName {
  readonly owner: string;
  readonly repo: string;
}

/** The pull request a `pull_request` or `pull_request_target` run is for. */
export interface PullRequestContext {
  readonly number: number;
  /** `owner/name` of the repository the head branch is in; `undefined` when it was deleted. */
  readonly headRepository: string | undefined;
  readonly headRef: string;
  readonly headSha: string;
  /** True when the head branch lives in another repository than the base. */
  readonly fromFork: boolean;
}

/** Origin of a run's code or data when that is a fork of the repository. */
export interface ForkOrigin {
  /** `owner/name` of the fork; `undefined` when it was deleted. */
  readonly headRepository: string | undefined;
  /** The pull request from the fork, when the payload names one. */
  readonly pullRequest: number | undefined;
  /** The event that started the run: `pull_request`, `pull_request_target` or `workflow_run`. */
  readonly event: string;
}

export interface RunContext {
  readonly repository: RepositoryName;
  readonly runId: string;
  readonly runAttempt: number;
  readonly eventName: string;
  readonly ref: string;
  readonly sha: string;
  /** REST API base URL: GITHUB_API_URL, which GitHub Enterprise and the tests change. */
  readonly apiUrl: string;
  readonly serverUrl: string;
  readonly pullRequest: PullRequestContext | undefined;
  /**
   * Set when the run builds on a fork: a pull request from a fork, or a `workflow_run` that such a
   * pull request started. Such runs get no cloud credentials.
   */
  readonly fork: ForkOrigin | undefined;
}

type Environment = Readonly<Record<string, string | undefined>>;

function required(env: Environment, name: string, pattern: RegExp, example: string): string {
  const value = env[name];
  if (value === undefined || !pattern.test(value)) {
    const received = value === undefined ? 'it is not set' : `got ${JSON.stringify(value)}`;
    throw new ActionError(
      'ERR_RUN_CONTEXT',
      `${name} must look like ${example} (${received}). The runner sets it in GitHub Actions; set it yourself for a local run.`,
    );
  }
  return value;
}

function readEventPayload(env: Environment): Record<string, unknown> {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return {};
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new ActionError(
      'ERR_RUN_CONTEXT',
      `Could not read the event payload at GITHUB_EVENT_PATH=${path}: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

interface PullRequestPayload {
  number?: number;
  head?: { ref?: string; sha?: string; repo?: { full_name?: string } | null };
  base?: { repo?: { full_name?: string } };
}

function pullRequestOf(
  payload: Record<string, unknown>,
  repository: string,
): PullRequestContext | undefined {
  const pull = payload.pull_request as PullRequestPayload | undefined;
  if (!pull || typeof pull.number !== 'number') return undefined;
  const headRepository = pull.head?.repo?.full_name;
  const baseRepository = pull.base?.repo?.full_name ?? repository;
  return {
    number: pull.number,
    headRepository,
    headRef: pull.head?.ref ?? '',
    headSha: pull.head?.sha ?? '',
    // A deleted head repository can only have been a fork: a branch of the base would still exist.
    fromFork:
      headRepository === undefined || headRepository.toLowerCase() !== baseRepository.toLowerCase(),
  };
}

interface WorkflowRunPayload {
  head_repository?: { full_name?: string } | null;
  repository?: { full_name?: string };
  pull_requests?: Array<{ number?: number }>;
}

function forkOf(
  eventName: string,
  payload: Record<string, unknown>,
  pullRequest: PullRequestContext | undefined,
  repository: string,
): ForkOrigin | undefined {
  if (pullRequest?.fromFork) {
    return {
      headRepository: pullRequest.headRepository,
      pullRequest: pullRequest.number,
      event: eventName,
    };
  }
  const run = payload.workflow_run as WorkflowRunPayload | undefined;
  if (eventName !== 'workflow_run' || !run) return undefined;
  const head = run.head_repository?.full_name;
  const base = run.repository?.full_name ?? repository;
  if (head !== undefined && head.toLowerCase() === base.toLowerCase()) return undefined;
  // GitHub leaves `pull_requests` empty for runs from forks, so the number is usually unknown.
  return { headRepository: head, pullRequest: run.pull_requests?.[0]?.number, event: eventName };
}

/** Reads the run from `env` (the process environment by default). */
export function readRunContext(env: Environment = process.env): RunContext {
  const fullName = required(env, 'GITHUB_REPOSITORY', /^[\w.-]+\/[\w.-]+$/, 'owner/name');
  const [owner = '', repo = ''] = fullName.split('/');
  const payload = readEventPayload(env);
  const eventName = env.GITHUB_EVENT_NAME ?? '';
  const pullRequest = pullRequestOf(payload, fullName);
  return {
    repository: { owner, repo },
    runId: required(env, 'GITHUB_RUN_ID', /^\d+$/, 'a number such as 8000000001'),
    runAttempt: Number(env.GITHUB_RUN_ATTEMPT ?? '1') || 1,
    eventName,
    ref: env.GITHUB_REF ?? '',
    sha: env.GITHUB_SHA ?? '',
    apiUrl: (env.GITHUB_API_URL ?? 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, ''),
    pullRequest,
    fork: forkOf(eventName, payload, pullRequest, fullName),
  };
}
