// One plan comment per pull request and environment, found by a hidden marker and edited in
// place on every run, so the conversation shows the latest plan once instead of a new comment
// per push.
import * as core from '@actions/core';
import type { GitHubClient } from './client.ts';
import type { RepositoryName, RunContext } from './context.ts';
import { ActionError } from './errors.ts';
import { trimMarkdown } from './trim.ts';

/** GitHub's limit on an issue or pull request comment body, in characters. */
export const maxCommentCharacters = 65_536;

/** Returns the hidden first line that identifies an environment's comment of `kind`. */
export function planMarker(environment: string, kind = 'plan'): string {
  return `<!-- gitops:${kind}:${environment} -->`;
}

/** Builds the note that ends a trimmed comment. */
function trimNote(omitted: number, fullTextLocation: string): string {
  return `> [!NOTE]\n> Trimmed: ${omitted.toLocaleString('en-US')} characters were left out to fit GitHub's limit of ${maxCommentCharacters.toLocaleString('en-US')} characters per comment. ${fullTextLocation}`;
}

export interface StickyCommentOptions {
  readonly client: GitHubClient;
  readonly repository: RepositoryName;
  /** Pull request (or issue) number. */
  readonly issueNumber: number;
  /** Config environment, such as `dev`; one comment exists per environment. */
  readonly environment: string;
  /** Markdown body, without the marker. */
  readonly body: string;
  /** Location of the untrimmed text, named at the end of the trim note. */
  readonly fullTextLocation?: string;
  /** Kind of comment, such as `preview`: its hidden marker and messages. Default `plan`. */
  readonly kind?: string;
}

export interface StickyCommentResult {
  readonly action: 'created' | 'updated' | 'unchanged';
  readonly commentId: number;
  readonly url: string;
  readonly trimmed: boolean;
  /** Ids of duplicate marker comments that were deleted. */
  readonly deletedDuplicates: readonly number[];
}

interface MarkerComment {
  readonly id: number;
  readonly body: string;
  readonly url: string;
  readonly author: string;
  readonly authorIsBot: boolean;
}

/**
 * Returns the marker comments on the issue, reading every page: those by bots first (the action
 * usually posts as `github-actions[bot]`), then oldest first.
 */
async function findMarkerComments(
  options: StickyCommentOptions,
  marker: string,
): Promise<MarkerComment[]> {
  const found: MarkerComment[] = [];
  const pages = options.client.paginate.iterator(options.client.rest.issues.listComments, {
    ...options.repository,
    issue_number: options.issueNumber,
    per_page: 100,
  });
  for await (const page of pages) {
    for (const comment of page.data) {
      // Only a comment that starts with the marker is ours: a reply that quotes it starts with `>`.
      if (comment.body?.trimStart().startsWith(marker)) {
        found.push({
          id: comment.id,
          body: comment.body,
          url: comment.html_url,
          author: comment.user?.login ?? '',
          authorIsBot: comment.user?.type === 'Bot',
        });
      }
    }
  }
  return found.sort((a, b) => Number(b.authorIsBot) - Number(a.authorIsBot) || a.id - b.id);
}

/**
 * Creates the environment's plan comment on the pull request, or edits the one that exists.
 * A body over 65,536 characters is trimmed with a note saying so. Further marker comments by the
 * same author (left by two runs racing) are deleted, so the pull request never shows two plans.
 * A copy a person posted is left alone.
 */
export async function upsertStickyComment(
  options: StickyCommentOptions,
): Promise<StickyCommentResult> {
  const kind = options.kind ?? 'plan';
  const marker = planMarker(options.environment, kind);
  const location = options.fullTextLocation ?? 'The full plan is in the job summary of this run.';
  const { text: body, trimmed } = trimMarkdown(
    `${marker}\n${options.body}`,
    maxCommentCharacters,
    (omitted) => trimNote(omitted, location),
  );
  const target = `${options.repository.owner}/${options.repository.repo}#${options.issueNumber}`;

  try {
    const [existing, ...others] = await findMarkerComments(options, marker);
    const duplicates = others.filter((comment) => comment.author === existing?.author);
    for (const duplicate of duplicates) {
      await options.client.rest.issues.deleteComment({
        ...options.repository,
        comment_id: duplicate.id,
      });
    }
    const deletedDuplicates = duplicates.map((duplicate) => duplicate.id);
    if (deletedDuplicates.length > 0) {
      core.warning(
        `Deleted ${deletedDuplicates.length} duplicate ${kind} comment(s) for ${options.environment} on ${target}: ${deletedDuplicates.join(', ')}.`,
      );
    }

    if (existing === undefined) {
      const { data } = await options.client.rest.issues.createComment({
        ...options.repository,
        issue_number: options.issueNumber,
        body,
      });
      return {
        action: 'created',
        commentId: data.id,
        url: data.html_url,
        trimmed,
        deletedDuplicates,
      };
    }
    if (existing.body === body) {
      const { id: commentId, url } = existing;
      return { action: 'unchanged', commentId, url, trimmed, deletedDuplicates };
    }
    const { data } = await options.client.rest.issues.updateComment({
      ...options.repository,
      comment_id: existing.id,
      body,
    });
    return {
      action: 'updated',
      commentId: data.id,
      url: data.html_url,
      trimmed,
      deletedDuplicates,
    };
  } catch (error) {
    throw new ActionError(
      'ERR_GITHUB_REQUEST',
      `Could not write the ${options.environment} ${kind} comment on ${target}: ${(error as Error).message}. The job needs "permissions: pull-requests: write".`,
      { cause: error },
    );
  }
}

/**
 * Finds the open pull request a run belongs to: the event's own for pull request events, else
 * the first open pull request whose head is the run's commit. Returns `undefined` when none is.
 */
export async function findPullRequestNumber(
  client: GitHubClient,
  context: RunContext,
): Promise<number | undefined> {
  if (context.pullRequest) return context.pullRequest.number;
  if (context.sha === '') return undefined;
  const { data } = await client.rest.repos.listPullRequestsAssociatedWithCommit({
    ...context.repository,
    commit_sha: context.sha,
  });
  return data.find((pull) => pull.state === 'open')?.number;
}
