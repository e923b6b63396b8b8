import { describe, expect, it } from 'vitest';
import {
  maxCommentCharacters,
  planMarker,
  upsertStickyComment,
} from '../../actions/github/sticky-comment.ts';
import { captureStdout, clientFor, startStandIn } from './helpers.ts';

const repository = { owner: 'octo-org', repo: 'example-backend' };

function commentsOn(standIn: Awaited<ReturnType<typeof startStandIn>>, issueNumber: number) {
  return [...standIn.repository().comments.values()].filter(
    (comment) => comment.issueNumber === issueNumber,
  );
}

describe('upsertStickyComment', () => {
  it('creates the comment once, then edits it', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });

    const first = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: '## Plan for dev\n\n1 to create',
    });
    const second = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: '## Plan for dev\n\n2 to create',
    });

    expect(first.action).toBe('created');
    expect(second.action).toBe('updated');
    expect(second.commentId).toBe(first.commentId);
    const comments = commentsOn(standIn, pull);
    expect(comments).toHaveLength(1);
    expect(comments[0]?.body).toBe(`${planMarker('dev')}\n## Plan for dev\n\n2 to create`);
    const writes = standIn.requests.filter((request) => request.method !== 'GET');
    expect(writes.map((request) => `${request.method} ${request.path}`)).toEqual([
      `POST /repos/octo-org/example-backend/issues/${pull}/comments`,
      `PATCH /repos/octo-org/example-backend/issues/comments/${first.commentId}`,
    ]);
  });

  it('leaves an identical comment alone', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    const options = { client, repository, issueNumber: pull, environment: 'dev', body: 'same' };

    await upsertStickyComment(options);
    const again = await upsertStickyComment(options);

    expect(again.action).toBe('unchanged');
    expect(standIn.requests.filter((request) => request.method === 'PATCH')).toHaveLength(0);
  });

  it('finds the marker comment on page 3', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    for (let index = 0; index < 230; index += 1) standIn.addComment(pull, `chatter ${index}`);
    const ours = standIn.addComment(pull, `${planMarker('dev')}\nold plan`, {
      login: 'github-actions[bot]',
      id: 41898282,
      type: 'Bot',
    });
    for (let index = 0; index < 20; index += 1) standIn.addComment(pull, `later ${index}`);

    const result = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: 'new plan',
    });

    expect(result.action).toBe('updated');
    expect(result.commentId).toBe(ours);
    expect(commentsOn(standIn, pull)).toHaveLength(251);
    const pages = standIn.requests
      .filter((request) => request.method === 'GET' && request.path.endsWith('/comments'))
      .map((request) => new URLSearchParams(request.query).get('page') ?? '1');
    expect(pages).toEqual(['1', '2', '3']);
    expect(standIn.requests.filter((request) => request.method === 'POST')).toHaveLength(0);
  });

  it('keeps environments apart', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });

    await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: 'a',
    });
    await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'prod',
      body: 'b',
    });

    const bodies = commentsOn(standIn, pull).map((comment) => comment.body);
    expect(bodies).toEqual([`${planMarker('dev')}\na`, `${planMarker('prod')}\nb`]);
  });

  it('keeps one comment per kind', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    for (const [kind, body] of [
      ['plan', 'plan 1'],
      ['preview', 'preview 1'],
      ['preview', 'preview 2'],
    ] as const) {
      await upsertStickyComment({
        client,
        repository,
        issueNumber: pull,
        environment: 'dev',
        body,
        kind,
      });
    }

    const bodies = commentsOn(standIn, pull).map((comment) => comment.body);
    expect(bodies).toEqual([
      `${planMarker('dev')}\nplan 1`,
      `${planMarker('dev', 'preview')}\npreview 2`,
    ]);
    expect(planMarker('dev', 'preview')).toBe('<!-- gitops:preview:dev -->');
  });

  it('ignores a reply that quotes the marker', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    standIn.addComment(pull, `> ${planMarker('dev')}\n> old plan\n\nWhy is this replaced?`);

    const result = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: 'plan',
    });

    expect(result.action).toBe('created');
    expect(commentsOn(standIn, pull)[0]?.body).toContain('Why is this replaced?');
  });

  it('deletes duplicate marker comments', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    const first = standIn.addComment(pull, `${planMarker('dev')}\nrun 1`);
    const second = standIn.addComment(pull, `${planMarker('dev')}\nrun 2`);
    const stdout = captureStdout();

    const result = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: 'run 3',
    });

    expect(result.commentId).toBe(first);
    expect(result.deletedDuplicates).toEqual([second]);
    expect(commentsOn(standIn, pull).map((comment) => comment.id)).toEqual([first]);
    expect(stdout.text()).toContain(`::warning::Deleted 1 duplicate plan comment(s)`);
  });

  it('prefers the bot comment to a copy', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    const copy = standIn.addComment(pull, `${planMarker('dev')}\npasted by hand`);
    const ours = standIn.addComment(pull, `${planMarker('dev')}\nold plan`, {
      login: 'github-actions[bot]',
      id: 41898282,
      type: 'Bot',
    });

    const result = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body: 'new plan',
    });

    expect(result.commentId).toBe(ours);
    expect(result.deletedDuplicates).toEqual([]);
    expect(standIn.repository().comments.get(copy)?.body).toBe(
      `${planMarker('dev')}\npasted by hand`,
    );
    expect(standIn.repository().comments.get(ours)?.body).toBe(`${planMarker('dev')}\nnew plan`);
  });

  it('trims a long plan under the limit with a note', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);
    const pull = standIn.addPullRequest({ headRef: 'feature' });
    const line = `+ aws.roles.lambda: ${'x'.repeat(80)}\n`;
    const body = `## Plan for dev\n\n\`\`\`diff\n${line.repeat(2000)}\`\`\`\n`;

    const result = await upsertStickyComment({
      client,
      repository,
      issueNumber: pull,
      environment: 'dev',
      body,
    });

    expect(body.length).toBeGreaterThan(maxCommentCharacters);
    expect(result.trimmed).toBe(true);
    const stored = commentsOn(standIn, pull)[0]?.body ?? '';
    expect(stored.length).toBeLessThanOrEqual(maxCommentCharacters);
    expect(stored.length).toBeGreaterThan(maxCommentCharacters - line.length - 400);
    expect(stored.startsWith(planMarker('dev'))).toBe(true);
    expect(stored).toMatch(/characters were left out to fit GitHub's limit of 65,536 characters/);
    // The cut falls inside the diff block, so the block is closed before the note.
    expect(stored).toMatch(/x\n```\n\n> \[!NOTE\]/);
  });

  it('wraps a failed request with the target', async () => {
    const standIn = await startStandIn();
    const client = clientFor(standIn);

    await expect(
      upsertStickyComment({ client, repository, issueNumber: 99, environment: 'dev', body: 'x' }),
    ).rejects.toMatchObject({
      code: 'ERR_GITHUB_REQUEST',
      message: expect.stringContaining('octo-org/example-backend#99') as unknown,
    });
  });
});
