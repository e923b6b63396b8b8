// Checks that the stand-in's payloads carry the fields GitHub's OpenAPI description marks as
// required. The key lists are typed against the response types of the Octokit methods the glue
// calls (generated from that description), so a misspelt or invented field name fails the type
// check.
import { describe, expect, it } from 'vitest';
import type { GitHubClient } from '../../actions/github/client.ts';
import { startStandIn } from './helpers.ts';

type Rest = GitHubClient['rest'];
type Data<Method extends (...args: never[]) => Promise<{ data: unknown }>> = Awaited<
  ReturnType<Method>
>['data'];
type IssueData = Data<Rest['issues']['get']>;
type CommentData = Data<Rest['issues']['getComment']>;
type LabelData = Data<Rest['issues']['getLabel']>;
type PullData = Data<Rest['pulls']['list']>[number];
type VariableData = Data<Rest['actions']['getRepoVariable']>;

const issueFields = [
  'id',
  'node_id',
  'url',
  'repository_url',
  'labels_url',
  'comments_url',
  'events_url',
  'html_url',
  'number',
  'state',
  'title',
  'user',
  'labels',
  'assignee',
  'milestone',
  'locked',
  'comments',
  'closed_at',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof IssueData)[];

const commentFields = [
  'id',
  'node_id',
  'url',
  'html_url',
  'user',
  'created_at',
  'updated_at',
  'issue_url',
] as const satisfies readonly (keyof CommentData)[];

const labelFields = [
  'id',
  'node_id',
  'url',
  'name',
  'description',
  'color',
  'default',
] as const satisfies readonly (keyof LabelData)[];

const pullFields = [
  'url',
  'id',
  'node_id',
  'html_url',
  'diff_url',
  'patch_url',
  'issue_url',
  'commits_url',
  'review_comments_url',
  'review_comment_url',
  'comments_url',
  'statuses_url',
  'number',
  'state',
  'locked',
  'title',
  'user',
  'body',
  'labels',
  'milestone',
  'created_at',
  'updated_at',
  'closed_at',
  'merged_at',
  'merge_commit_sha',
  'assignee',
  'head',
  'base',
  '_links',
  'author_association',
  'auto_merge',
] as const satisfies readonly (keyof PullData)[];

const variableFields = [
  'name',
  'value',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof VariableData)[];

async function getJson(url: string, token: string): Promise<Record<string, unknown>> {
  const response = await fetch(url, { headers: { authorization: `token ${token}` } });
  expect(response.status, url).toBe(200);
  return (await response.json()) as Record<string, unknown>;
}

function expectFields(payload: Record<string, unknown>, fields: readonly string[]): void {
  const missing = fields.filter((field) => !(field in payload));
  expect(missing).toEqual([]);
}

describe('GitHub stand-in payloads', () => {
  it('carry the required REST fields', async () => {
    const standIn = await startStandIn();
    const repo = `${standIn.url}/repos/octo-org/example-backend`;
    const issue = standIn.addIssue({ title: 'Drift in dev', labels: ['gitops:drift'] });
    const pull = standIn.addPullRequest({ headRef: 'dev' });
    const comment = standIn.addComment(issue, 'hello');
    standIn.repository().variables.set('AWS_ROLE_ARN', {
      name: 'AWS_ROLE_ARN',
      value: 'arn:aws:iam::123456789012:role/gitops-dev',
      createdAt: '2026-03-02T09:30:00Z',
      updatedAt: '2026-03-02T09:30:00Z',
    });

    expectFields(await getJson(`${repo}/issues/${issue}`, standIn.token), issueFields);
    expectFields(await getJson(`${repo}/issues/comments/${comment}`, standIn.token), commentFields);
    expectFields(await getJson(`${repo}/labels/gitops:drift`, standIn.token), labelFields);
    expectFields(await getJson(`${repo}/pulls/${pull}`, standIn.token), pullFields);
    expectFields(await getJson(`${repo}/issues/${pull}`, standIn.token), issueFields);
    expectFields(
      await getJson(`${repo}/actions/variables/AWS_ROLE_ARN`, standIn.token),
      variableFields,
    );
  });
});
