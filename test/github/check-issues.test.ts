import { describe, expect, it } from 'vitest';
import { checkMarker, reconcileCheckIssue } from '../../actions/github/check-issues.ts';
import type { CheckIssueOptions } from '../../actions/github/check-issues.ts';
import { clientFor, startStandIn } from './helpers.ts';

const repository = { owner: 'octo-org', repo: 'example-backend' };
const runUrl = 'https://github.com/octo-org/example-backend/actions/runs/8000000001';

async function setUp() {
  const standIn = await startStandIn();
  const client = clientFor(standIn);
  const check = (findings: string | undefined, overrides: Partial<CheckIssueOptions> = {}) =>
    reconcileCheckIssue({
      client,
      repository,
      environment: 'dev',
      kind: 'drift',
      findings,
      runUrl,
      ...overrides,
    });
  return { standIn, check };
}

describe('reconcileCheckIssue', () => {
  it('creates a labelled issue with the marker', async () => {
    const { standIn, check } = await setUp();

    const result = await check('1 resource drifted: aws.roles.lambda');

    expect(result.action).toBe('created');
    const issue = standIn.repository().issues.get(result.issueNumber ?? 0);
    expect(issue?.title).toBe('Drift in dev');
    expect(issue?.body).toBe(
      `${checkMarker('drift', 'dev')}\n1 resource drifted: aws.roles.lambda`,
    );
    expect(issue?.labels.map((label) => label.name)).toEqual(['gitops:drift']);
    expect(standIn.repository().labels.get('gitops:drift')?.color).toBe('d93f0b');
  });

  it('updates the open issue body', async () => {
    const { standIn, check } = await setUp();
    const created = await check('1 resource drifted');

    const updated = await check('2 resources drifted');
    const same = await check('2 resources drifted');

    expect(updated).toEqual({ action: 'updated', issueNumber: created.issueNumber });
    expect(same).toEqual({ action: 'unchanged', issueNumber: created.issueNumber });
    expect(standIn.repository().issues.size).toBe(1);
    expect(standIn.repository().issues.get(created.issueNumber ?? 0)?.body).toContain(
      '2 resources drifted',
    );
  });

  it('closes with a comment when clean', async () => {
    const { standIn, check } = await setUp();
    const created = await check('1 resource drifted');

    const closed = await check(undefined);

    expect(closed).toEqual({ action: 'closed', issueNumber: created.issueNumber });
    const issue = standIn.repository().issues.get(created.issueNumber ?? 0);
    expect(issue?.state).toBe('closed');
    expect(issue?.stateReason).toBe('completed');
    const comments = [...standIn.repository().comments.values()];
    expect(comments.map((comment) => comment.body)).toEqual([
      `The drift check found dev matching its config again in ${runUrl}. Closing this issue; it reopens if the problem returns.`,
    ]);
  });

  it('reopens the issue when drift recurs', async () => {
    const { standIn, check } = await setUp();
    const created = await check('1 resource drifted');
    await check(undefined);

    const reopened = await check('aws.functions.api drifted');

    expect(reopened).toEqual({ action: 'reopened', issueNumber: created.issueNumber });
    const issue = standIn.repository().issues.get(created.issueNumber ?? 0);
    expect(issue?.state).toBe('open');
    expect(issue?.body).toContain('aws.functions.api drifted');
    expect(standIn.repository().issues.size).toBe(1);
    const last = [...standIn.repository().comments.values()].at(-1);
    expect(last?.body).toBe(
      `The drift check found this again in ${runUrl}, so the issue is reopened with the new report.`,
    );
  });

  it('does nothing when clean without an issue', async () => {
    const { standIn, check } = await setUp();

    const result = await check(undefined);

    expect(result).toEqual({ action: 'none', issueNumber: undefined });
    expect(standIn.repository().issues.size).toBe(0);
    const writes = standIn.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => request.path)).toEqual([
      '/repos/octo-org/example-backend/labels',
    ]);
  });

  it('keeps kinds and environments apart', async () => {
    const { standIn, check } = await setUp();

    const drift = await check('drifted');
    const billing = await check('80% of the budget spent', { kind: 'billing' });
    const prod = await check('drifted', { environment: 'prod' });

    expect(new Set([drift.issueNumber, billing.issueNumber, prod.issueNumber]).size).toBe(3);
    const titles = [...standIn.repository().issues.values()].map((issue) => issue.title);
    expect(titles).toEqual(['Drift in dev', 'Billing alert for dev', 'Drift in prod']);
  });

  it('ignores a labelled issue without the marker', async () => {
    const { standIn, check } = await setUp();
    const manual = standIn.addIssue({
      title: 'Drift seen by hand',
      body: 'I noticed drift',
      labels: ['gitops:drift'],
    });

    const result = await check('drifted');

    expect(result.action).toBe('created');
    expect(result.issueNumber).not.toBe(manual);
    expect(standIn.repository().issues.get(manual)?.body).toBe('I noticed drift');
  });

  it('closes duplicate open issues', async () => {
    const { standIn, check } = await setUp();
    const marker = checkMarker('drift', 'dev');
    const first = standIn.addIssue({
      title: 'Drift in dev',
      body: `${marker}\nrun 1`,
      labels: ['gitops:drift'],
    });
    const second = standIn.addIssue({
      title: 'Drift in dev',
      body: `${marker}\nrun 2`,
      labels: ['gitops:drift'],
    });

    const result = await check('run 3');

    expect(result).toEqual({ action: 'updated', issueNumber: first });
    const duplicate = standIn.repository().issues.get(second);
    expect(duplicate?.state).toBe('closed');
    expect(duplicate?.stateReason).toBe('duplicate');
    const comments = [...standIn.repository().comments.values()];
    expect(comments.map((comment) => [comment.issueNumber, comment.body])).toEqual([
      [second, `Duplicate of #${first}, which tracks the drift check of dev.`],
    ]);
  });

  it('finds its issue past the first page', async () => {
    const { standIn, check } = await setUp();
    const created = await check('drifted');
    for (let index = 0; index < 120; index += 1) {
      standIn.addIssue({ title: `Noise ${index}`, body: 'other', labels: ['gitops:drift'] });
    }

    const result = await check('drifted more');

    expect(result).toEqual({ action: 'updated', issueNumber: created.issueNumber });
  });

  it('wraps a failure with the permission hint', async () => {
    const standIn = await startStandIn({ readOnlyTokens: ['ghs_read-only'], tokens: [] });
    const client = clientFor({ ...standIn, token: 'ghs_read-only' });

    const attempt = reconcileCheckIssue({
      client,
      repository,
      environment: 'dev',
      kind: 'billing',
      findings: 'over budget',
    });

    await expect(attempt).rejects.toMatchObject({ code: 'ERR_GITHUB_REQUEST' });
    await expect(attempt).rejects.toThrow(
      /Resource not accessible by integration.*permissions: issues: write/,
    );
  });
});
