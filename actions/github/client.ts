// The GitHub REST client: `@actions/github`'s Octokit (REST endpoint methods and pagination),
// aimed at GITHUB_API_URL, with bounded retries when GitHub rate-limits a request.
import * as core from '@actions/core';
import { getOctokit } from '@actions/github';

export type GitHubClient = ReturnType<typeof getOctokit>;

export interface GitHubClientOptions {
  /** GITHUB_TOKEN or another token; registered as a secret before first use. */
  readonly token: string;
  /** REST API base URL, GITHUB_API_URL by default. */
  readonly baseUrl?: string;
  /** Retries after a rate-limit response, beyond the first attempt. */
  readonly maxRetries?: number;
  /**
   * Maximum wait in milliseconds the client accepts before a retry. A primary rate limit that
   * resets later than this fails at once instead of holding the job.
   */
  readonly maxRetryDelayMs?: number;
  /** Waits between attempts; tests pass one that returns at once and records the delay. */
  readonly sleep?: (milliseconds: number) => Promise<void>;
  readonly now?: () => Date;
  /** Receives one line per retry with the attempt number and the delay. */
  readonly log?: (message: string) => void;
}

/** The part of Octokit's `RequestError` that the retry hook reads. */
interface ResponseError {
  readonly status: number;
  readonly message: string;
  readonly response?: { headers: Record<string, string | number | undefined> };
}

function isResponseError(error: unknown): error is ResponseError {
  return (
    error instanceof Error &&
    typeof (error as Partial<ResponseError>).status === 'number' &&
    typeof (error as Partial<ResponseError>).response === 'object'
  );
}

/** GitHub's documented wait of at least a minute when a secondary rate limit comes without `retry-after`. */
const secondaryLimitDefaultDelayMs = 60_000;

/**
 * Returns the delay GitHub requests before a retry, or `undefined` when the error is not a rate limit:
 * `retry-after` seconds (secondary limits), else the `x-ratelimit-reset` epoch second when
 * `x-ratelimit-remaining` is 0 (primary limit), else a minute for a secondary-limit message.
 */
export function rateLimitDelayMs(error: unknown, now: Date): number | undefined {
  if (!isResponseError(error) || (error.status !== 403 && error.status !== 429)) return undefined;
  const headers = error.response?.headers ?? {};
  const retryAfter = Number(headers['retry-after']);
  if (headers['retry-after'] !== undefined && Number.isFinite(retryAfter)) {
    return Math.max(0, retryAfter) * 1000;
  }
  if (String(headers['x-ratelimit-remaining']) === '0') {
    const reset = Number(headers['x-ratelimit-reset']);
    if (Number.isFinite(reset)) return Math.max(0, reset * 1000 - now.getTime());
  }
  if (/secondary rate limit/i.test(error.message)) return secondaryLimitDefaultDelayMs;
  return undefined;
}

/** Creates the REST client. Its requests retry rate limits with the delay GitHub requests. */
export function createGitHubClient(options: GitHubClientOptions): GitHubClient {
  core.setSecret(options.token);
  const maxRetries = options.maxRetries ?? 3;
  const maxRetryDelayMs = options.maxRetryDelayMs ?? 5 * 60_000;
  const sleep =
    options.sleep ??
    ((milliseconds: number) => new Promise<void>((resolve) => setTimeout(resolve, milliseconds)));
  const now = options.now ?? (() => new Date());
  const log = options.log ?? ((message: string) => core.info(message));

  const client = getOctokit(options.token, {
    baseUrl: (options.baseUrl ?? process.env.GITHUB_API_URL ?? 'https://api.github.com').replace(
      /\/+$/,
      '',
    ),
  });

  client.hook.wrap('request', async (request, requestOptions) => {
    const label = `${requestOptions.method} ${requestOptions.url}`;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await request(requestOptions);
      } catch (error) {
        const delayMs = rateLimitDelayMs(error, now());
        if (delayMs === undefined || attempt > maxRetries) throw error;
        if (delayMs > maxRetryDelayMs) {
          throw new Error(
            `GitHub rate-limited ${label} until ${Math.ceil(delayMs / 1000)}s from now, longer than the ${Math.ceil(maxRetryDelayMs / 1000)}s this client waits: ${(error as Error).message}`,
            { cause: error },
          );
        }
        log(
          `GitHub rate-limited ${label} (HTTP ${(error as ResponseError).status}): attempt ${attempt} of ${maxRetries + 1} failed, retrying in ${Math.ceil(delayMs / 1000)}s.`,
        );
        await sleep(delayMs);
      }
    }
  });
  return client;
}
