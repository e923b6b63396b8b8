// The preview's sticky comment on the pull request: its URLs while it runs, and a note once it is
// removed. The text has no timestamps, so a rerun with the same result leaves the comment as is.
import { upsertStickyComment } from '../github/index.ts';
import type { GitHubClient, RepositoryName, StickyCommentResult } from '../github/index.ts';
import type { DeployedFunction } from './lambda.ts';

/** Kind of the preview comment, so its hidden marker is `<!-- gitops:preview:dev -->`. */
export const previewCommentKind = 'preview';

/** Builds the comment of a deployed preview. */
export function deployedBody(
  environment: string,
  number: number,
  sha: string,
  functions: readonly DeployedFunction[],
): string {
  const rows = functions.map(
    (fn) =>
      `| \`${fn.key}\` | [${fn.url}](${fn.url}) | [docs](${fn.url}docs) | \`${fn.functionName}:${fn.alias}\` version ${fn.version} |`,
  );
  const commit = sha === '' ? '' : ` at commit \`${sha.slice(0, 12)}\``;
  return [
    `### Preview of #${number} on \`${environment}\``,
    '',
    `The preview runs this pull request${commit} with the configuration of \`${environment}\`. Each push updates it; closing the pull request removes it.`,
    '',
    '| Function | URL | Docs | Alias |',
    '| --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/** Builds the comment of a removed preview, listing what was removed. */
export function removedBody(
  environment: string,
  number: number,
  removed: readonly string[],
): string {
  return [
    `### Preview of #${number} on \`${environment}\``,
    '',
    'The preview was removed. Removed:',
    '',
    ...removed.map((item) => `- ${item}`),
  ].join('\n');
}

/** Creates or edits the preview comment of pull request `number`. */
export function writePreviewComment(options: {
  client: GitHubClient;
  repository: RepositoryName;
  environment: string;
  number: number;
  body: string;
}): Promise<StickyCommentResult> {
  return upsertStickyComment({
    client: options.client,
    repository: options.repository,
    issueNumber: options.number,
    environment: options.environment,
    kind: previewCommentKind,
    body: options.body,
    fullTextLocation: 'The full list is in the job summary of this run.',
  });
}
