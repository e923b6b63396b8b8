// Shows a plan to people: the engine's text rendering in the log, its Markdown rendering in the
// job summary and in the sticky comment of the pull request the run belongs to.
import * as core from '@actions/core';
import type { Plan } from '../engine/plan-model.ts';
import { renderPlanMarkdown } from '../engine/render/markdown.ts';
import { renderPlanText } from '../engine/render/text.ts';
import type { GitHubClient } from './client.ts';
import type { RunContext } from './context.ts';
import { inGroup } from './groups.ts';
import {
  findPullRequestNumber,
  maxCommentCharacters,
  planMarker,
  upsertStickyComment,
} from './sticky-comment.ts';
import type { StickyCommentResult } from './sticky-comment.ts';
import { maxSummaryBytes, writeJobSummary } from './summary.ts';

export interface PublishPlanOptions {
  readonly plan: Plan;
  readonly context: RunContext;
  /** Without a client (no token), only the job summary is written. */
  readonly client?: GitHubClient;
}

export interface PublishPlanResult {
  readonly summaryWritten: boolean;
  /** Pull request the plan was posted to, if the run has one. */
  readonly pullRequest: number | undefined;
  readonly comment: StickyCommentResult | undefined;
}

/**
 * Writes the whole plan to the log, then to the job summary and, when the run belongs to an open
 * pull request, to the environment's sticky comment there. The trimmed forms point at the log. The comment is rendered to fit GitHub's limit together
 * with its marker, so the renderer, not a cut, decides what is left out.
 */
export async function publishPlan(options: PublishPlanOptions): Promise<PublishPlanResult> {
  const { plan, context, client } = options;
  const runUrl = `${context.serverUrl}/${context.repository.owner}/${context.repository.repo}/actions/runs/${context.runId}`;

  // The runner's log shows ANSI colours.
  await inGroup(`Plan for ${plan.environment}`, () => {
    core.info(renderPlanText(plan, { color: true }));
    return Promise.resolve();
  });

  // The renderer counts UTF-16 code units, and each takes at most 3 bytes in UTF-8, so a third of
  // the byte limit always fits.
  const summary = await writeJobSummary(
    renderPlanMarkdown(plan, { maxLength: Math.floor(maxSummaryBytes / 3) }),
    'The full plan is in the log of this step.',
  );

  const pullRequest = client ? await findPullRequestNumber(client, context) : undefined;
  if (client === undefined || pullRequest === undefined) {
    return { summaryWritten: summary.written, pullRequest, comment: undefined };
  }
  const markerLength = planMarker(plan.environment).length + 1;
  const comment = await upsertStickyComment({
    client,
    repository: context.repository,
    issueNumber: pullRequest,
    environment: plan.environment,
    body: renderPlanMarkdown(plan, { maxLength: maxCommentCharacters - markerLength }),
    fullTextLocation: `The full plan is in the job summary and the log of ${runUrl}.`,
  });
  return { summaryWritten: summary.written, pullRequest, comment };
}
