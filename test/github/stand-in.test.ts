import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { subjectClaim } from '../stand-ins/github/index.ts';
import type { GitHubStandIn } from '../stand-ins/github/index.ts';
import { defaultRun } from '../stand-ins/github/oidc.ts';
import { frozenNow, startStandIn } from './helpers.ts';

const repo = '/repos/octo-org/example-backend';

function call(
  standIn: GitHubStandIn,
  method: string,
  path: string,
  body?: unknown,
  token: string | null = standIn.token,
): Promise<Response> {
  return fetch(`${standIn.url}${path}`, {
    method,
    headers: {
      ...(token === null ? {} : { authorization: `token ${token}` }),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('GitHub stand-in', () => {
  it('requires a known token', async () => {
    const standIn = await startStandIn();

    const missing = await call(standIn, 'GET', `${repo}/issues`, undefined, null);
    const wrong = await call(standIn, 'GET', `${repo}/issues`, undefined, 'ghs_wrong');
    const bearer = await fetch(`${standIn.url}${repo}/issues`, {
      headers: { authorization: `Bearer ${standIn.token}` },
    });

    expect(missing.status).toBe(401);
    expect(await missing.json()).toMatchObject({
      message: 'Requires authentication',
      status: '401',
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ message: 'Bad credentials' });
    expect(bearer.status).toBe(200);
  });

  it('links pages with rel next and last', async () => {
    const standIn = await startStandIn();
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    for (let index = 0; index < 65; index += 1) standIn.addComment(pull, `comment ${index}`);

    const first = await call(standIn, 'GET', `${repo}/issues/${pull}/comments`);
    const second = await call(standIn, 'GET', `${repo}/issues/${pull}/comments?per_page=30&page=2`);
    const last = await call(standIn, 'GET', `${repo}/issues/${pull}/comments?per_page=30&page=3`);

    const base = `${standIn.url}${repo}/issues/${pull}/comments`;
    expect(first.headers.get('link')).toBe(
      `<${base}?per_page=30&page=2>; rel="next", <${base}?per_page=30&page=3>; rel="last"`,
    );
    expect(second.headers.get('link')).toBe(
      `<${base}?per_page=30&page=1>; rel="prev", <${base}?per_page=30&page=3>; rel="next", <${base}?per_page=30&page=3>; rel="last", <${base}?per_page=30&page=1>; rel="first"`,
    );
    expect(((await first.json()) as unknown[]).length).toBe(30);
    expect(((await last.json()) as Array<{ body: string }>).map((comment) => comment.body)).toEqual(
      ['comment 60', 'comment 61', 'comment 62', 'comment 63', 'comment 64'],
    );
  });

  it('caps per_page at 100', async () => {
    const standIn = await startStandIn();
    for (let index = 0; index < 120; index += 1) standIn.addIssue({ title: `Issue ${index}` });

    const response = await call(standIn, 'GET', `${repo}/issues?per_page=500`);

    expect(((await response.json()) as unknown[]).length).toBe(100);
    expect(response.headers.get('link')).toContain('per_page=100&page=2>; rel="next"');
  });

  it('sends rate-limit headers', async () => {
    const standIn = await startStandIn({ rateLimit: 2 });

    const first = await call(standIn, 'GET', `${repo}/issues`);
    await call(standIn, 'GET', `${repo}/issues`);
    const exceeded = await call(standIn, 'GET', `${repo}/issues`);

    const reset = String(frozenNow.getTime() / 1000 + 3600);
    expect(first.headers.get('x-ratelimit-limit')).toBe('2');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('1');
    expect(first.headers.get('x-ratelimit-used')).toBe('1');
    expect(first.headers.get('x-ratelimit-reset')).toBe(reset);
    expect(first.headers.get('x-ratelimit-resource')).toBe('core');
    expect(exceeded.status).toBe(403);
    expect(exceeded.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(((await exceeded.json()) as { message: string }).message).toMatch(
      /^API rate limit exceeded/,
    );
  });

  it('answers a secondary limit with retry-after', async () => {
    const standIn = await startStandIn();
    standIn.limitSecondaryRate({ times: 1, retryAfterSeconds: 42 });

    const limited = await call(standIn, 'GET', `${repo}/issues`);
    const next = await call(standIn, 'GET', `${repo}/issues`);

    expect(limited.status).toBe(403);
    expect(limited.headers.get('retry-after')).toBe('42');
    expect(((await limited.json()) as { message: string }).message).toMatch(/secondary rate limit/);
    expect(next.status).toBe(200);
  });

  it('rejects writes with a read-only token', async () => {
    const standIn = await startStandIn({ readOnlyTokens: ['ghs_fork'] });

    const read = await call(standIn, 'GET', `${repo}/issues`, undefined, 'ghs_fork');
    const write = await call(standIn, 'POST', `${repo}/issues`, { title: 'x' }, 'ghs_fork');

    expect(read.status).toBe(200);
    expect(write.status).toBe(403);
    expect(await write.json()).toMatchObject({ message: 'Resource not accessible by integration' });
  });

  it('rejects bodies over 65,536 characters', async () => {
    const standIn = await startStandIn();
    const issue = standIn.addIssue({ title: 'x' });

    const fits = await call(standIn, 'POST', `${repo}/issues/${issue}/comments`, {
      body: '😀'.repeat(65_536),
    });
    const tooLong = await call(standIn, 'POST', `${repo}/issues/${issue}/comments`, {
      body: 'a'.repeat(65_537),
    });

    expect(fits.status).toBe(201);
    expect(tooLong.status).toBe(422);
    expect(await tooLong.json()).toMatchObject({
      message: 'Validation Failed',
      errors: [
        {
          resource: 'IssueComment',
          field: 'body',
          code: 'custom',
          message: 'body is too long (maximum is 65536 characters)',
        },
      ],
    });
  });

  it('filters issues by every label', async () => {
    const standIn = await startStandIn();
    standIn.addIssue({ title: 'both', labels: ['gitops:drift', 'env:dev'] });
    standIn.addIssue({ title: 'one', labels: ['gitops:drift'] });

    const response = await call(standIn, 'GET', `${repo}/issues?labels=gitops:drift,ENV:DEV`);

    expect(
      ((await response.json()) as Array<{ title: string }>).map((issue) => issue.title),
    ).toEqual(['both']);
  });

  it('reports a duplicate label', async () => {
    const standIn = await startStandIn();

    const created = await call(standIn, 'POST', `${repo}/labels`, {
      name: 'gitops:drift',
      color: 'D93F0B',
    });
    const again = await call(standIn, 'POST', `${repo}/labels`, { name: 'GITOPS:DRIFT' });

    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ name: 'gitops:drift', color: 'd93f0b' });
    expect(again.status).toBe(422);
    expect(await again.json()).toMatchObject({
      errors: [{ resource: 'Label', code: 'already_exists', field: 'name' }],
    });
  });

  it('looks up pull requests by head', async () => {
    const standIn = await startStandIn({ repositories: ['octo-org/example-backend'] });
    const own = standIn.addPullRequest({ headRef: 'dev' });
    standIn.addPullRequest({ headRef: 'dev', headRepository: 'stranger/example-backend' });

    const response = await call(standIn, 'GET', `${repo}/pulls?head=octo-org:dev&state=open`);
    const single = await call(standIn, 'GET', `${repo}/pulls/${own + 1}`);

    expect(
      ((await response.json()) as Array<{ number: number }>).map((pull) => pull.number),
    ).toEqual([own]);
    expect(await single.json()).toMatchObject({
      head: { ref: 'dev', repo: { full_name: 'stranger/example-backend', fork: true } },
      base: { ref: 'main', repo: { full_name: 'octo-org/example-backend', fork: false } },
    });
  });

  it('stores repository and environment variables', async () => {
    const standIn = await startStandIn();

    const created = await call(standIn, 'POST', `${repo}/actions/variables`, {
      name: 'aws_role_arn',
      value: 'arn:1',
    });
    const duplicate = await call(standIn, 'POST', `${repo}/actions/variables`, {
      name: 'AWS_ROLE_ARN',
      value: 'arn:2',
    });
    const updated = await call(standIn, 'PATCH', `${repo}/actions/variables/AWS_ROLE_ARN`, {
      value: 'arn:3',
    });
    const read = await call(standIn, 'GET', `${repo}/actions/variables/aws_role_arn`);
    const noEnvironment = await call(standIn, 'POST', `${repo}/environments/dev/variables`, {
      name: 'AWS_REGION',
      value: 'us-east-1',
    });
    const madeEnvironment = await call(standIn, 'PUT', `${repo}/environments/dev`);
    const environment = await call(standIn, 'POST', `${repo}/environments/dev/variables`, {
      name: 'AWS_REGION',
      value: 'us-east-1',
    });
    const list = await call(standIn, 'GET', `${repo}/environments/dev/variables`);
    const missing = await call(standIn, 'GET', `${repo}/environments/prod/variables`);
    const invalid = await call(standIn, 'POST', `${repo}/actions/variables`, {
      name: 'GITHUB_X',
      value: '1',
    });

    expect(created.status).toBe(201);
    expect(duplicate.status).toBe(409);
    expect(updated.status).toBe(204);
    expect(await read.json()).toMatchObject({ name: 'AWS_ROLE_ARN', value: 'arn:3' });
    expect(noEnvironment.status).toBe(404);
    expect(madeEnvironment.status).toBe(200);
    expect(environment.status).toBe(201);
    expect(await list.json()).toMatchObject({
      total_count: 1,
      variables: [{ name: 'AWS_REGION', value: 'us-east-1' }],
    });
    expect(missing.status).toBe(404);
    expect(invalid.status).toBe(422);
  });

  it('issues signed ID tokens with GitHub claims', async () => {
    const standIn = await startStandIn({ run: { environment: 'dev' } });

    const response = await fetch(`${standIn.idTokenRequestUrl}&audience=sts.amazonaws.com`, {
      headers: { authorization: `Bearer ${standIn.idTokenRequestToken}` },
    });
    const { value } = (await response.json()) as { value: string };
    const jwks = createRemoteJWKSet(new URL(`${standIn.url}/.well-known/jwks`));
    const { payload, protectedHeader } = await jwtVerify(value, jwks, {
      issuer: 'https://token.actions.githubusercontent.com',
      audience: 'sts.amazonaws.com',
      currentDate: frozenNow,
    });

    expect(protectedHeader).toMatchObject({ alg: 'RS256', typ: 'JWT', kid: 'github-stand-in-1' });
    expect(payload).toMatchObject({
      sub: 'repo:octo-org/example-backend:environment:dev',
      environment: 'dev',
      repository: 'octo-org/example-backend',
      repository_owner: 'octo-org',
      repository_id: '700000001',
      ref: 'refs/heads/dev',
      ref_type: 'branch',
      run_id: '8000000001',
      event_name: 'push',
      job_workflow_ref: 'octo-org/example-backend/.github/workflows/reconcile.yml@refs/heads/dev',
      iat: frozenNow.getTime() / 1000,
      exp: frozenNow.getTime() / 1000 + 300,
    });
  });

  it('uses the owner as the default audience', async () => {
    const standIn = await startStandIn();

    const response = await fetch(standIn.idTokenRequestUrl, {
      headers: { authorization: `Bearer ${standIn.idTokenRequestToken}` },
    });
    const { value } = (await response.json()) as { value: string };
    const claims = JSON.parse(
      Buffer.from(value.split('.')[1] ?? '', 'base64url').toString(),
    ) as Record<string, unknown>;

    expect(claims.aud).toBe('https://github.com/octo-org');
    expect(claims.sub).toBe('repo:octo-org/example-backend:ref:refs/heads/dev');
  });

  it('rejects a wrong ID-token request token', async () => {
    const standIn = await startStandIn();

    const response = await fetch(standIn.idTokenRequestUrl, {
      headers: { authorization: 'Bearer nope' },
    });

    expect(response.status).toBe(401);
  });

  it('logs requests without credentials', async () => {
    const standIn = await startStandIn();

    await call(standIn, 'POST', `${repo}/labels`, { name: 'a' });
    await call(standIn, 'GET', `${repo}/labels?per_page=5`);

    expect(standIn.requests).toEqual([
      { method: 'POST', path: `${repo}/labels`, query: '', status: 201, body: { name: 'a' } },
      { method: 'GET', path: `${repo}/labels`, query: 'per_page=5', status: 200 },
    ]);
    expect(JSON.stringify(standIn.requests)).not.toContain(standIn.token);
  });

  it('returns 404 for unknown repositories and paths', async () => {
    const standIn = await startStandIn();

    const repository = await call(standIn, 'GET', '/repos/someone/else/issues');
    const path = await call(standIn, 'GET', `${repo}/nothing-here`);
    const method = await call(standIn, 'PUT', `${repo}/issues`);

    expect(repository.status).toBe(404);
    expect(path.status).toBe(404);
    expect(method.status).toBe(404);
  });
});

describe('subjectClaim', () => {
  const cases = [
    {
      why: 'a job environment wins',
      run: { ...defaultRun, environment: 'prod' },
      expected: 'repo:octo-org/example-backend:environment:prod',
    },
    {
      why: 'pull requests have their own subject',
      run: { ...defaultRun, eventName: 'pull_request' },
      expected: 'repo:octo-org/example-backend:pull_request',
    },
    {
      why: 'other events use the ref',
      run: { ...defaultRun, ref: 'refs/tags/v1' },
      expected: 'repo:octo-org/example-backend:ref:refs/tags/v1',
    },
  ];

  for (const { why, run, expected } of cases) {
    it(why, () => {
      expect(subjectClaim(run)).toBe(expected);
    });
  }
});
