import { describe, expect, it } from 'vitest';
import { readVariable, writeVariable } from '../../actions/github/variables.ts';
import { clientFor, startStandIn } from './helpers.ts';

const repository = { owner: 'octo-org', repo: 'example-backend' };
const roleArn = 'arn:aws:iam::123456789012:role/gitops-dev';

describe('writeVariable', () => {
  it('creates, updates, then leaves alone', async () => {
    const standIn = await startStandIn();
    const target = { client: clientFor(standIn), repository };

    const created = await writeVariable(target, 'AWS_ROLE_ARN', roleArn);
    const updated = await writeVariable(target, 'AWS_ROLE_ARN', `${roleArn}-2`);
    const unchanged = await writeVariable(target, 'AWS_ROLE_ARN', `${roleArn}-2`);

    expect([created, updated, unchanged]).toEqual(['created', 'updated', 'unchanged']);
    expect(await readVariable(target, 'AWS_ROLE_ARN')).toBe(`${roleArn}-2`);
    const writes = standIn.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      'POST /repos/octo-org/example-backend/actions/variables',
      'PATCH /repos/octo-org/example-backend/actions/variables/AWS_ROLE_ARN',
    ]);
  });

  it('writes environment variables', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    await client.request('PUT /repos/{owner}/{repo}/environments/{environment_name}', {
      ...repository,
      environment_name: 'dev',
    });
    const target = { client, repository, environment: 'dev' };

    const result = await writeVariable(target, 'AWS_ROLE_ARN', roleArn);

    expect(result).toBe('created');
    expect(await readVariable(target, 'AWS_ROLE_ARN')).toBe(roleArn);
    expect(await readVariable({ client, repository }, 'AWS_ROLE_ARN')).toBeUndefined();
  });

  it('explains a missing environment', async () => {
    const standIn = await startStandIn();
    const target = { client: clientFor(standIn), repository, environment: 'prod' };

    const attempt = writeVariable(target, 'AWS_ROLE_ARN', roleArn);

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_GITHUB_REQUEST' });
    await expect(attempt).rejects.toThrow(
      /variable AWS_ROLE_ARN of the environment prod of octo-org\/example-backend: .*Create the environment prod/,
    );
  });

  it('explains a token without the permission', async () => {
    const standIn = await startStandIn({ readOnlyTokens: ['ghs_read'], tokens: [] });
    const target = { client: clientFor({ ...standIn, token: 'ghs_read' }), repository };

    const attempt = writeVariable(target, 'AWS_ROLE_ARN', roleArn);

    await expect(attempt).rejects.toThrow(
      /Resource not accessible by integration.*"Variables" repository permission/,
    );
  });
});

describe('readVariable', () => {
  it('returns undefined when not set', async () => {
    const standIn = await startStandIn();

    const value = await readVariable({ client: clientFor(standIn), repository }, 'AWS_ROLE_ARN');

    expect(value).toBeUndefined();
  });
});
