// The preview action. Mode deploy gives a same-repository pull request its own Lambda functions,
// URLs and Okta redirect URIs, and comments the URLs. Mode remove deletes all of that when the
// pull request closes. Mode sweep removes what closed pull requests left behind.
import * as core from '@actions/core';
import { runAction, StepSkipped, writeJobSummary } from '../github/index.ts';
import { deployedBody, removedBody, writePreviewComment } from './comment.ts';
import { deployPreview } from './deploy.ts';
import { removePreview } from './remove.ts';
import { deploySummary, removeSummary, sweepSummary } from './report.ts';
import { openPreviewSession } from './session.ts';
import type { PreviewSession, SessionOptions } from './session.ts';
import { pullRequestState, sweepPreviews } from './sweep.ts';

async function deploy(session: PreviewSession, number: number): Promise<void> {
  const { config, context } = session;
  // A run that waited behind the removal of a pull request closed meanwhile must not bring its
  // preview back: GitHub may start the queued deploy after the remove.
  if ((await pullRequestState(session.github, context.repository, number)) === 'closed') {
    core.setOutput('url', '');
    core.setOutput('removed', '[]');
    throw new StepSkipped(
      'Preview skipped',
      `Pull request #${number} is closed, so its preview is not deployed.`,
    );
  }
  const result = await deployPreview(session, number);
  await writePreviewComment({
    client: session.github,
    repository: context.repository,
    environment: config.environment,
    number,
    body: deployedBody(
      config.environment,
      number,
      session.pullRequest?.headSha ?? '',
      result.functions,
    ),
  });
  await writeJobSummary(deploySummary(config.environment, number, result));
  core.setOutput('url', result.functions[0]?.url ?? '');
  core.setOutput('removed', '[]');
  core.info(`Preview of #${number} is at ${result.functions.map((fn) => fn.url).join(', ')}`);
}

async function remove(session: PreviewSession, number: number): Promise<void> {
  const { config, context } = session;
  const removed = await removePreview(session, number);
  // A rerun finds nothing and leaves the comment of the first removal as it is.
  if (removed.length > 0) {
    await writePreviewComment({
      client: session.github,
      repository: context.repository,
      environment: config.environment,
      number,
      body: removedBody(config.environment, number, removed),
    });
  }
  await writeJobSummary(removeSummary(config.environment, number, removed));
  core.setOutput('url', '');
  core.setOutput('removed', JSON.stringify(removed));
  core.info(`Removed ${removed.length} resource(s) of the preview of #${number}.`);
}

async function sweep(session: PreviewSession): Promise<void> {
  const { config, context } = session;
  const result = await sweepPreviews(session);
  for (const pull of result.pullRequests) {
    if (pull.removed.length === 0) continue;
    await writePreviewComment({
      client: session.github,
      repository: context.repository,
      environment: config.environment,
      number: pull.number,
      body: removedBody(config.environment, pull.number, pull.removed),
    });
  }
  await writeJobSummary(sweepSummary(config.environment, result));
  const removed = [...result.pullRequests.flatMap((pull) => pull.removed), ...result.orphans];
  core.setOutput('url', '');
  core.setOutput('removed', JSON.stringify(removed));
  core.info(`The sweep removed ${removed.length} resource(s).`);
}

/** Runs the preview action. Every failure ends in the one catch of `runAction`. */
export function run(options: SessionOptions = {}): Promise<void> {
  return runAction(async () => {
    const session = await openPreviewSession(options);
    try {
      // The session has a pull request for deploy and remove, and none for sweep.
      const pull = session.pullRequest;
      if (pull === undefined) {
        await sweep(session);
      } else if (session.inputs.mode === 'deploy') {
        await deploy(session, pull.number);
      } else {
        await remove(session, pull.number);
      }
    } finally {
      session.dispose();
    }
  });
}
