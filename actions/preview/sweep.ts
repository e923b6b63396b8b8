// Mode sweep: finds the previews of this repository and environment from the vendors' records
// (function tags, the app's preview list, trusted origin names), reads from GitHub whether each
// pull request is still open, and removes the previews of closed ones. Okta records whose function no
// longer exists are removed too: a remove that stopped half way leaves those behind.
import type { GitHubClient, RepositoryName } from '../github/index.ts';
import type { PreviewOriginRecord } from '../providers/okta/index.ts';
import { functionExists, listPreviewFunctions } from './lambda.ts';
import { previewNumberOf, previewNumberOfId } from './names.ts';
import { removeOktaRecords, removePreview } from './remove.ts';
import type { PreviewSession } from './session.ts';

/** One pull request the sweep looked at. */
export interface SweptPullRequest {
  readonly number: number;
  /** `open`, `closed`, or `unknown` when GitHub returns 404 for the number. */
  readonly state: 'open' | 'closed' | 'unknown';
  readonly removed: readonly string[];
}

/** The pull requests a sweep found and what it removed. */
export interface SweepResult {
  readonly pullRequests: readonly SweptPullRequest[];
  /** Okta records removed because their function no longer exists. */
  readonly orphans: readonly string[];
}

/** Reads whether pull request `number` is open, closed, or unknown to GitHub. */
export async function pullRequestState(
  client: GitHubClient,
  repository: RepositoryName,
  number: number,
): Promise<SweptPullRequest['state']> {
  try {
    const { data } = await client.rest.pulls.get({ ...repository, pull_number: number });
    return data.state === 'closed' ? 'closed' : 'open';
  } catch (error) {
    if ((error as { status?: unknown }).status === 404) return 'unknown';
    throw error;
  }
}

/** Returns the Okta records of this repository and environment. Read-only. */
async function oktaRecords(session: PreviewSession): Promise<PreviewOriginRecord[]> {
  const { okta, provider, config } = session;
  if (okta === undefined) return [];
  const appAddress = config.okta?.appAddress;
  const redirects = appAddress === undefined ? [] : await okta.listRedirects(provider, appAddress);
  const origins = await okta.listOrigins(provider);
  return [...redirects, ...origins].filter(
    (record) =>
      record.environment === config.environment &&
      previewNumberOfId(record.preview, session.context.repository) !== undefined,
  );
}

/**
 * Returns the preview functions of open pull requests that Okta records but AWS no longer has.
 * The closed pull requests' records are already removed. Read-only.
 */
async function findOrphanedFunctions(
  session: PreviewSession,
  records: readonly PreviewOriginRecord[],
  pullRequests: readonly SweptPullRequest[],
): Promise<Set<string>> {
  const { aws, provider, config, context } = session;
  const orphaned = new Set<string>();
  const unchecked = new Set<string>();
  for (const record of records) {
    const number = previewNumberOfId(record.preview, context.repository);
    const open = pullRequests.some((pull) => pull.number === number && pull.state !== 'closed');
    if (!open || orphaned.has(record.functionName) || unchecked.has(record.functionName)) continue;
    // The preview role may read only `<functionName>-pr-*` of the config's functions.
    const known = config.functions.some(
      (base) => previewNumberOf(record.functionName, base.functionName) === number,
    );
    if (!known) {
      unchecked.add(record.functionName);
      provider.log.warning(
        `okta: kept the preview record of ${record.functionName} (${record.preview}): it is not a preview of a function in aws.functions, so the sweep cannot check whether it still exists.`,
      );
    } else if (!(await functionExists(aws, provider, record.functionName))) {
      orphaned.add(record.functionName);
    }
  }
  return orphaned;
}

/** Sweeps the leftovers of closed pull requests. */
export async function sweepPreviews(session: PreviewSession): Promise<SweepResult> {
  const { aws, provider, config, context, github } = session;
  const functions = await listPreviewFunctions(aws, provider, config.functions, (number) =>
    session.identityOf(number),
  );
  const records = await oktaRecords(session);
  const numbers = new Set(functions.map((fn) => fn.number));
  for (const record of records) {
    const number = previewNumberOfId(record.preview, context.repository);
    if (number !== undefined) numbers.add(number);
  }

  const pullRequests: SweptPullRequest[] = [];
  for (const number of [...numbers].sort((left, right) => left - right)) {
    const state = await pullRequestState(github, context.repository, number);
    if (state === 'unknown') {
      provider.log.warning(
        `GitHub has no pull request #${number} in ${context.repository.owner}/${context.repository.repo}; its preview is kept. Remove it by hand if it is a leftover.`,
      );
    }
    const removed = state === 'closed' ? await removePreview(session, number) : [];
    pullRequests.push({ number, state, removed });
  }

  const orphaned = await findOrphanedFunctions(session, records, pullRequests);
  const orphans =
    orphaned.size === 0 || session.okta === undefined
      ? []
      : await removeOktaRecords(
          session.okta,
          provider,
          config.okta?.appAddress,
          (record) =>
            record.environment === config.environment &&
            previewNumberOfId(record.preview, context.repository) !== undefined &&
            orphaned.has(record.functionName),
        );
  return { pullRequests, orphans };
}
