// The job summary of each mode, as Markdown. No timestamps, so reruns print the same text.
import type { DeployResult } from './deploy.ts';
import type { SweepResult } from './sweep.ts';

function list(items: readonly string[], empty: string): string[] {
  return items.length === 0 ? [empty] : items.map((item) => `- ${item}`);
}

/** Builds the job summary of a deploy: each function's URL and version, and the Okta changes. */
export function deploySummary(environment: string, number: number, result: DeployResult): string {
  return [
    `## Preview of #${number} on \`${environment}\``,
    '',
    '| Function | URL | Version |',
    '| --- | --- | --- |',
    ...result.functions.map(
      (fn) => `| \`${fn.functionName}:${fn.alias}\` | ${fn.url} | ${fn.version} |`,
    ),
    '',
    'Okta changes:',
    '',
    ...list(result.oktaChanges, 'None: the redirect URIs and trusted origins were in place.'),
  ].join('\n');
}

/** Builds the job summary of a removal: what was removed. */
export function removeSummary(
  environment: string,
  number: number,
  removed: readonly string[],
): string {
  return [
    `## Removed the preview of #${number} on \`${environment}\``,
    '',
    ...list(removed, 'Nothing was left to remove.'),
  ].join('\n');
}

/** Builds the job summary of a sweep: each pull request found, its state and what was removed. */
export function sweepSummary(environment: string, result: SweepResult): string {
  const rows = result.pullRequests.map((pull) => {
    const action =
      pull.state === 'closed'
        ? `removed ${pull.removed.length} resource(s)`
        : pull.state === 'open'
          ? 'kept: the pull request is open'
          : 'kept: GitHub does not know this pull request';
    return `| #${pull.number} | ${pull.state} | ${action} |`;
  });
  const removed = result.pullRequests.flatMap((pull) =>
    pull.removed.map((item) => `${item} (#${pull.number})`),
  );
  return [
    `## Preview sweep of \`${environment}\``,
    '',
    ...(rows.length === 0
      ? ['No previews found.']
      : ['| Pull request | State | Result |', '| --- | --- | --- |', ...rows]),
    '',
    'Removed:',
    '',
    ...list(
      [...removed, ...result.orphans.map((item) => `${item} (its function no longer exists)`)],
      'Nothing.',
    ),
  ].join('\n');
}
