import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  assumeRoleWithGitHubOidc,
  createOidcCredentialProvider,
  roleSessionName,
} from '../../actions/github/aws-credentials.ts';
import { readRunContext } from '../../actions/github/context.ts';
import type { GitHubStandIn } from '../stand-ins/github/index.ts';
import { startAwsResponder } from './aws-responder.ts';
import { captureStdout, frozenNow, startStandIn } from './helpers.ts';

const roleArn = 'arn:aws:iam::123456789012:role/gitops-dev';

afterEach(() => {
  vi.unstubAllEnvs();
});

/** Puts the stand-in's runner variables into process.env, where `core.getIDToken` reads them. */
function enterRunner(standIn: GitHubStandIn): Record<string, string> {
  const env = standIn.runnerEnvironment();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  return env;
}

async function setUp(options: { trust?: readonly string[] } = {}) {
  const standIn = await startStandIn({ run: { environment: 'dev' } });
  const aws = await startAwsResponder({
    jwks: standIn.jwks,
    issuer: standIn.issuer,
    now: frozenNow,
    trust: { [roleArn]: options.trust ?? ['repo:octo-org/example-backend:environment:dev'] },
    secrets: {},
  });
  const env = enterRunner(standIn);
  return { standIn, aws, env, context: readRunContext(env) };
}

function writeEvent(payload: unknown): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gitops-event-')), 'event.json');
  writeFileSync(path, JSON.stringify(payload));
  return path;
}

/** Index of the first stdout line containing `value`, or -1. */
function firstLineWith(lines: string[], value: string): number {
  return lines.findIndex((line) => line.includes(value));
}

describe('assumeRoleWithGitHubOidc', () => {
  it('exchanges the ID token for credentials', async () => {
    const { aws, env, context } = await setUp();

    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    expect(credentials.accessKeyId).toBe('ASIAGITHUBOIDC000001');
    expect(credentials.expiration.toISOString()).toBe('2026-03-02T10:30:00.000Z');
    expect(aws.assumeRoleCalls).toHaveLength(1);
    const call = aws.assumeRoleCalls[0];
    expect(call?.roleArn).toBe(roleArn);
    expect(call?.roleSessionName).toBe('octo-org-example-backend-8000000001');
    expect(call?.durationSeconds).toBe('3600');
    expect(call?.claims?.aud).toBe('sts.amazonaws.com');
    expect(call?.claims?.sub).toBe('repo:octo-org/example-backend:environment:dev');
    expect(call?.claims?.repository_id).toBe('700000001');
  });

  it('masks the token and credentials first', async () => {
    const { aws, env, context } = await setUp();
    const issued: string[] = [];
    const stdout = captureStdout();

    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
      // Wraps the runner call to record the token that was issued.
      getIdToken: async (audience) => {
        const { getIDToken } = await import('@actions/core');
        const token = await getIDToken(audience);
        issued.push(token);
        return token;
      },
    });

    const lines = stdout.lines();
    for (const secret of [
      credentials.accessKeyId,
      credentials.secretAccessKey,
      credentials.sessionToken,
      ...issued,
    ]) {
      const mask = lines.indexOf(`::add-mask::${secret}`);
      expect(mask, `add-mask for ${secret.slice(0, 8)}...`).toBeGreaterThanOrEqual(0);
      expect(firstLineWith(lines, secret)).toBe(mask);
    }
    expect(stdout.text()).toContain('::add-mask::ASIAGITHUBOIDC000001');
    expect(stdout.text()).toContain(
      'Assumed arn:aws:sts::123456789012:assumed-role/gitops-dev/octo-org-example-backend-8000000001 until 2026-03-02T10:30:00.000Z.',
    );
  });

  it('explains a missing id-token permission', async () => {
    const { aws, env, context } = await setUp();
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_URL', undefined);
    const { ACTIONS_ID_TOKEN_REQUEST_URL: _removed, ...withoutUrl } = env;

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env: withoutUrl,
      stsEndpoint: aws.url,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_OIDC_PERMISSION_MISSING' });
    await expect(attempt).rejects.toThrow(/ACTIONS_ID_TOKEN_REQUEST_URL is not set/);
    await expect(attempt).rejects.toThrow(/permissions: \{ id-token: write, contents: read \}/);
    expect(aws.assumeRoleCalls).toHaveLength(0);
  });

  it('rejects a pull request from a fork', async () => {
    const { standIn, aws, env } = await setUp();
    const eventPath = writeEvent({
      pull_request: {
        number: 7,
        head: {
          ref: 'patch-1',
          sha: 'f'.repeat(40),
          repo: { full_name: 'stranger/example-backend' },
        },
        base: { ref: 'dev', repo: { full_name: 'octo-org/example-backend' } },
      },
      repository: { full_name: 'octo-org/example-backend' },
    });
    const context = readRunContext({
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
    });

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_OIDC_FORK_PULL_REQUEST' });
    await expect(attempt).rejects.toThrow(
      /pull request #7 from the fork stranger\/example-backend/,
    );
    await expect(attempt).rejects.toThrow(/Push the branch to octo-org\/example-backend/);
    expect(standIn.requests.filter((request) => request.path === '/_apis/idtoken')).toHaveLength(0);
    expect(aws.assumeRoleCalls).toHaveLength(0);
  });

  it('rejects a workflow_run from a fork', async () => {
    const { aws, env } = await setUp();
    const eventPath = writeEvent({
      workflow_run: {
        event: 'pull_request',
        head_repository: { full_name: 'stranger/example-backend' },
        repository: { full_name: 'octo-org/example-backend' },
        pull_requests: [],
      },
    });
    const context = readRunContext({
      ...env,
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: eventPath,
    });

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_OIDC_FORK_PULL_REQUEST' });
    await expect(attempt).rejects.toThrow(
      /a workflow_run event from the fork stranger\/example-backend/,
    );
    expect(aws.assumeRoleCalls).toHaveLength(0);
  });

  it('accepts a workflow_run from the repository', async () => {
    const { aws, env } = await setUp();
    const eventPath = writeEvent({
      workflow_run: {
        head_repository: { full_name: 'octo-org/example-backend' },
        repository: { full_name: 'octo-org/example-backend' },
      },
    });
    const context = readRunContext({
      ...env,
      GITHUB_EVENT_NAME: 'workflow_run',
      GITHUB_EVENT_PATH: eventPath,
    });

    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    expect(context.fork).toBeUndefined();
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
  });

  it('accepts a pull request from a branch', async () => {
    const { aws, env } = await setUp({ trust: ['repo:octo-org/example-backend:environment:dev'] });
    const eventPath = writeEvent({
      pull_request: {
        number: 8,
        head: {
          ref: 'feature',
          sha: 'e'.repeat(40),
          repo: { full_name: 'octo-org/example-backend' },
        },
        base: { ref: 'dev', repo: { full_name: 'octo-org/example-backend' } },
      },
    });
    const context = readRunContext({
      ...env,
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
    });

    const credentials = await assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    expect(context.pullRequest?.fromFork).toBe(false);
    expect(credentials.accessKeyId).toMatch(/^ASIA/);
  });

  it('explains a trust policy that rejects the subject', async () => {
    const { aws, env, context } = await setUp({
      trust: ['repo:octo-org/example-backend:ref:refs/heads/main'],
    });
    const stdout = captureStdout();

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
      maxAttempts: 1,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_AWS_ASSUME_ROLE' });
    await expect(attempt).rejects.toThrow(/failed with AccessDenied/);
    await expect(attempt).rejects.toThrow(
      /sub" condition matching this token's sub "repo:octo-org\/example-backend:environment:dev"/,
    );
    const token = /::add-mask::(ey\S+)/.exec(stdout.text())?.[1] ?? '';
    expect(token).not.toBe('');
    const message = await attempt.catch((error: Error) => error.message);
    expect(message).not.toContain(token);
  });

  it('reports a rejected ID-token request', async () => {
    const { aws, env, context } = await setUp();
    vi.stubEnv('ACTIONS_ID_TOKEN_REQUEST_TOKEN', 'wrong-request-token');

    const attempt = assumeRoleWithGitHubOidc({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_OIDC_TOKEN_REQUEST' });
    await expect(attempt).rejects.toThrow(/audience sts\.amazonaws\.com/);
    expect(aws.assumeRoleCalls).toHaveLength(0);
  });
});

describe('createOidcCredentialProvider', () => {
  it('renews with a fresh token near expiry', async () => {
    const { standIn, aws, env, context } = await setUp();
    let now = frozenNow;
    const provider = createOidcCredentialProvider({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
      now: () => now,
    });

    const first = await provider();
    const cached = await provider();
    now = new Date(frozenNow.getTime() + 56 * 60_000);
    const renewed = await provider();

    expect(cached).toBe(first);
    expect(renewed.accessKeyId).not.toBe(first.accessKeyId);
    expect(aws.assumeRoleCalls).toHaveLength(2);
    expect(standIn.requests.filter((request) => request.path === '/_apis/idtoken')).toHaveLength(2);
  });

  it('shares one renewal between callers', async () => {
    const { aws, env, context } = await setUp();
    const provider = createOidcCredentialProvider({
      roleArn,
      region: 'us-east-1',
      context,
      env,
      stsEndpoint: aws.url,
    });

    const [a, b] = await Promise.all([provider(), provider()]);

    expect(a).toBe(b);
    expect(aws.assumeRoleCalls).toHaveLength(1);
  });
});

describe('roleSessionName', () => {
  const cases = [
    {
      why: 'plain names pass through',
      repository: { owner: 'octo-org', repo: 'example-backend' },
      runId: '8000000001',
      expected: 'octo-org-example-backend-8000000001',
    },
    {
      why: 'characters outside [\\w+=,.@-] become hyphens',
      repository: { owner: 'octo org', repo: 'exa/mple#1' },
      runId: '42',
      expected: 'octo-org-exa-mple-1-42',
    },
    {
      why: 'a long repository is cut so the run id stays whole',
      repository: {
        owner: 'an-organisation-with-a-long-name',
        repo: 'and-an-even-longer-repository-name',
      },
      runId: '18000000001',
      expected: 'an-organisation-with-a-long-name-and-an-even-longer-18000000001',
    },
    {
      why: 'allowed punctuation is kept',
      repository: { owner: 'a.b', repo: 'c_d+e=f,g@h' },
      runId: '1',
      expected: 'a.b-c_d+e=f,g@h-1',
    },
  ];

  for (const { why, repository, runId, expected } of cases) {
    it(why, () => {
      const name = roleSessionName({ repository, runId });
      expect(name).toBe(expected);
      expect(name.length).toBeLessThanOrEqual(64);
      expect(name).toMatch(/^[\w+=,.@-]{2,64}$/);
    });
  }
});
