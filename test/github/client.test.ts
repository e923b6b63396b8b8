import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGitHubClient, rateLimitDelayMs } from '../../actions/github/client.ts';
import { readRunContext } from '../../actions/github/context.ts';
import { findPullRequestNumber } from '../../actions/github/sticky-comment.ts';
import { clientFor, frozenNow, startStandIn } from './helpers.ts';

const repository = { owner: 'octo-org', repo: 'example-backend' };

describe('createGitHubClient', () => {
  it('retries a secondary rate limit', async () => {
    const standIn = await startStandIn();
    const delays: number[] = [];
    const lines: string[] = [];
    const client = createGitHubClient({
      token: standIn.token,
      baseUrl: standIn.url,
      sleep: (milliseconds) => {
        delays.push(milliseconds);
        return Promise.resolve();
      },
      log: (line) => lines.push(line),
    });
    standIn.limitSecondaryRate({ times: 2, retryAfterSeconds: 7 });

    const { data } = await client.rest.issues.listForRepo({ ...repository });

    expect(data).toEqual([]);
    expect(delays).toEqual([7000, 7000]);
    expect(lines).toEqual([
      'GitHub rate-limited GET /repos/{owner}/{repo}/issues (HTTP 403): attempt 1 of 4 failed, retrying in 7s.',
      'GitHub rate-limited GET /repos/{owner}/{repo}/issues (HTTP 403): attempt 2 of 4 failed, retrying in 7s.',
    ]);
    expect(standIn.requests.map((request) => request.status)).toEqual([403, 403, 200]);
  });

  it('gives up after the last retry', async () => {
    const standIn = await startStandIn();
    const delays: number[] = [];
    const client = clientFor(standIn, delays);
    standIn.limitSecondaryRate({ times: 10, retryAfterSeconds: 1, status: 429 });

    await expect(client.rest.issues.listForRepo({ ...repository })).rejects.toMatchObject({
      status: 429,
    });
    expect(delays).toEqual([1000, 1000, 1000]);
    expect(standIn.requests).toHaveLength(4);
  });

  it('fails at once past the longest wait', async () => {
    const standIn = await startStandIn({ rateLimit: 1 });
    const delays: number[] = [];
    const client = clientFor(standIn, delays);
    await client.rest.issues.listForRepo({ ...repository });

    await expect(client.rest.issues.listForRepo({ ...repository })).rejects.toThrow(
      /GitHub rate-limited GET \/repos\/\{owner\}\/\{repo\}\/issues until 3600s from now, longer than the 300s this client waits/,
    );
    expect(delays).toEqual([]);
  });

  it('does not retry other errors', async () => {
    const standIn = await startStandIn();
    const delays: number[] = [];
    const client = createGitHubClient({
      token: 'ghs_wrong',
      baseUrl: standIn.url,
      sleep: (milliseconds) => {
        delays.push(milliseconds);
        return Promise.resolve();
      },
    });

    await expect(client.rest.issues.listForRepo({ ...repository })).rejects.toMatchObject({
      status: 401,
      message: expect.stringContaining('Bad credentials') as unknown,
    });
    expect(delays).toEqual([]);
    expect(standIn.requests).toHaveLength(1);
  });
});

describe('rateLimitDelayMs', () => {
  const responseError = (status: number, headers: Record<string, string>, message = 'Forbidden') =>
    Object.assign(new Error(message), { status, response: { headers } });

  const cases = [
    {
      why: 'retry-after wins',
      error: responseError(403, { 'retry-after': '30' }),
      expected: 30_000,
    },
    {
      why: 'an exhausted primary limit waits for the reset',
      error: responseError(403, {
        'x-ratelimit-remaining': '0',
        'x-ratelimit-reset': String(frozenNow.getTime() / 1000 + 90),
      }),
      expected: 90_000,
    },
    {
      why: 'a secondary limit without retry-after waits a minute',
      error: responseError(403, {}, 'You have exceeded a secondary rate limit'),
      expected: 60_000,
    },
    {
      why: 'a permission 403 is not a rate limit',
      error: responseError(403, { 'x-ratelimit-remaining': '4999' }),
      expected: undefined,
    },
    {
      why: 'a 500 is not a rate limit',
      error: responseError(500, { 'retry-after': '5' }),
      expected: undefined,
    },
    {
      why: 'a network error is not a rate limit',
      error: new Error('ECONNRESET'),
      expected: undefined,
    },
  ];

  for (const { why, error, expected } of cases) {
    it(why, () => {
      expect(rateLimitDelayMs(error, frozenNow)).toBe(expected);
    });
  }
});

describe('readRunContext', () => {
  it('reads the run from the environment', async () => {
    const standIn = await startStandIn();

    const context = readRunContext(standIn.runnerEnvironment());

    expect(context).toEqual({
      repository,
      runId: '8000000001',
      runAttempt: 1,
      eventName: 'push',
      ref: 'refs/heads/dev',
      sha: '0123456789abcdef0123456789abcdef01234567',
      apiUrl: standIn.url,
      serverUrl: 'https://github.com',
      pullRequest: undefined,
      fork: undefined,
    });
  });

  it('names a missing GITHUB_REPOSITORY', () => {
    expect(() => readRunContext({ GITHUB_RUN_ID: '1' })).toThrow(
      'GITHUB_REPOSITORY must look like owner/name (it is not set). The runner sets it in GitHub Actions; set it yourself for a local run.',
    );
  });

  it('treats a deleted head repository as a fork', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'gitops-event-')), 'event.json');
    writeFileSync(
      path,
      JSON.stringify({ pull_request: { number: 3, head: { ref: 'x', sha: 'a', repo: null } } }),
    );

    const context = readRunContext({
      GITHUB_REPOSITORY: 'octo-org/example-backend',
      GITHUB_RUN_ID: '1',
      GITHUB_EVENT_PATH: path,
    });

    expect(context.pullRequest).toEqual({
      number: 3,
      headRepository: undefined,
      headRef: 'x',
      headSha: 'a',
      fromFork: true,
    });
  });
});

describe('findPullRequestNumber', () => {
  it('finds the open pull request of a pushed commit', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    standIn.addPullRequest({ headRef: 'other', headSha: 'b'.repeat(40) });
    const pull = standIn.addPullRequest({ headRef: 'dev' });

    const found = await findPullRequestNumber(client, readRunContext(standIn.runnerEnvironment()));

    expect(found).toBe(pull);
    expect(standIn.requests.map((request) => request.path)).toEqual([
      `/repos/octo-org/example-backend/commits/${standIn.run.sha}/pulls`,
    ]);
  });

  it('returns undefined without a pull request', async () => {
    const standIn = await startStandIn();

    const found = await findPullRequestNumber(
      clientFor(standIn),
      readRunContext(standIn.runnerEnvironment()),
    );

    expect(found).toBeUndefined();
  });
});
