// Issues for scheduled checks: one issue per environment and check kind (drift, billing), found
// by its label and a hidden marker. A check that finds something creates the issue or updates its
// body, reopening it when the problem recurs; a clean check comments and closes it.
import type { GitHubClient } from './client.ts';
import type { RepositoryName, RunContext } from './context.ts';
import { ActionError } from './errors.ts';
import { maxCommentCharacters } from './sticky-comment.ts';
import { trimMarkdown } from './trim.ts';

export type CheckKind = 'drift' | 'billing';

/** Label, title and wording of each check kind. */
const kinds: Record<
  CheckKind,
  { label: string; color: string; description: string; title: string; clean: string }
> = {
  drift: {
    label: 'gitops:drift',
    color: 'd93f0b',
    description: 'Cloud resources differ from config (opened by the scheduled drift check)',
    title: 'Drift in {environment}',
    clean: 'The drift check found {environment} matching its config again',
  },
  billing: {
    label: 'gitops:billing',
    color: 'fbca04',
    description: 'Spend crossed a budget threshold (opened by the scheduled billing check)',
    title: 'Billing alert for {environment}',
    clean: 'The billing check found {environment} back under its thresholds',
  },
};

/** Returns the web address of the run, for the links in check issues and their comments. */
export function runUrl(context: RunContext): string {
  const { owner, repo } = context.repository;
  return `${context.serverUrl}/${owner}/${repo}/actions/runs/${context.runId}`;
}

/** Returns the hidden first line that identifies an environment's issue for a check kind. */
export function checkMarker(kind: CheckKind, environment: string): string {
  return `<!-- gitops:${kind}:${environment} -->`;
}

export interface CheckIssueOptions {
  readonly client: GitHubClient;
  readonly repository: RepositoryName;
  readonly environment: string;
  readonly kind: CheckKind;
  /** Markdown report of what the check found, or `undefined` when it found nothing. */
  readonly findings: string | undefined;
  /** Link to the run, quoted in comments so readers can open its log. */
  readonly runUrl?: string;
}

export interface CheckIssueResult {
  readonly action: 'created' | 'updated' | 'unchanged' | 'reopened' | 'closed' | 'none';
  readonly issueNumber: number | undefined;
}

interface FoundIssue {
  readonly number: number;
  readonly state: string;
  readonly body: string;
}

function fill(template: string, environment: string): string {
  return template.replace('{environment}', environment);
}

/** Creates the kind's label unless it exists. A race with another run gets 422 `already_exists`. */
async function ensureLabel(options: CheckIssueOptions): Promise<void> {
  const kind = kinds[options.kind];
  try {
    await options.client.rest.issues.getLabel({ ...options.repository, name: kind.label });
    return;
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
  }
  try {
    await options.client.rest.issues.createLabel({
      ...options.repository,
      name: kind.label,
      color: kind.color,
      description: kind.description,
    });
  } catch (error) {
    if ((error as { status?: number }).status !== 422) throw error;
  }
}

/**
 * Finds the issues with the label and marker. The first open one is the issue, else the most
 * recently closed one, so a recurring problem reopens its old issue and keeps its history.
 * Further open ones (left by two runs racing) are returned as duplicates.
 */
async function findIssue(
  options: CheckIssueOptions,
  marker: string,
): Promise<{ issue: FoundIssue | undefined; duplicates: FoundIssue[] }> {
  const found: FoundIssue[] = [];
  const pages = options.client.paginate.iterator(options.client.rest.issues.listForRepo, {
    ...options.repository,
    labels: kinds[options.kind].label,
    state: 'all',
    per_page: 100,
  });
  for await (const page of pages) {
    for (const issue of page.data) {
      // The issues endpoint lists pull requests too.
      if (issue.pull_request || !issue.body?.trimStart().startsWith(marker)) continue;
      found.push({ number: issue.number, state: issue.state, body: issue.body });
    }
  }
  const open = found.filter((issue) => issue.state === 'open').sort((a, b) => a.number - b.number);
  if (open.length > 0) return { issue: open[0], duplicates: open.slice(1) };
  return { issue: found.sort((a, b) => b.number - a.number)[0], duplicates: [] };
}

/** Closes duplicate issues as `duplicate`, each with a comment pointing at the issue kept. */
async function closeDuplicates(
  options: CheckIssueOptions,
  kept: number,
  duplicates: readonly FoundIssue[],
): Promise<void> {
  for (const duplicate of duplicates) {
    await options.client.rest.issues.createComment({
      ...options.repository,
      issue_number: duplicate.number,
      body: `Duplicate of #${kept}, which tracks the ${options.kind} check of ${options.environment}.`,
    });
    await options.client.rest.issues.update({
      ...options.repository,
      issue_number: duplicate.number,
      state: 'closed',
      state_reason: 'duplicate',
    });
  }
}

function issueBody(marker: string, findings: string, runUrl: string | undefined): string {
  const location = runUrl
    ? `The full report is in the log of ${runUrl}.`
    : 'The full report is in the log of the check run.';
  return trimMarkdown(
    `${marker}\n${findings}`,
    maxCommentCharacters,
    (omitted) =>
      `> [!NOTE]\n> Trimmed: ${omitted.toLocaleString('en-US')} characters were left out to fit GitHub's limit of ${maxCommentCharacters.toLocaleString('en-US')} characters. ${location}`,
  ).text;
}

async function reconcile(options: CheckIssueOptions): Promise<CheckIssueResult> {
  const { client, repository, environment, findings, runUrl } = options;
  const kind = kinds[options.kind];
  const marker = checkMarker(options.kind, environment);
  const seenIn = runUrl ? ` in ${runUrl}` : '';

  await ensureLabel(options);
  const { issue, duplicates } = await findIssue(options, marker);
  if (issue !== undefined) await closeDuplicates(options, issue.number, duplicates);

  if (findings === undefined) {
    if (issue?.state !== 'open') return { action: 'none', issueNumber: issue?.number };
    await client.rest.issues.createComment({
      ...repository,
      issue_number: issue.number,
      body: `${fill(kind.clean, environment)}${seenIn}. Closing this issue; it reopens if the problem returns.`,
    });
    await client.rest.issues.update({
      ...repository,
      issue_number: issue.number,
      state: 'closed',
      state_reason: 'completed',
    });
    return { action: 'closed', issueNumber: issue.number };
  }

  const body = issueBody(marker, findings, runUrl);
  if (issue === undefined) {
    const { data } = await client.rest.issues.create({
      ...repository,
      title: fill(kind.title, environment),
      body,
      labels: [kind.label],
    });
    return { action: 'created', issueNumber: data.number };
  }
  if (issue.state === 'closed') {
    await client.rest.issues.update({
      ...repository,
      issue_number: issue.number,
      state: 'open',
      body,
    });
    await client.rest.issues.createComment({
      ...repository,
      issue_number: issue.number,
      body: `The ${options.kind} check found this again${seenIn}, so the issue is reopened with the new report.`,
    });
    return { action: 'reopened', issueNumber: issue.number };
  }
  if (issue.body === body) return { action: 'unchanged', issueNumber: issue.number };
  await client.rest.issues.update({ ...repository, issue_number: issue.number, body });
  return { action: 'updated', issueNumber: issue.number };
}

/**
 * Brings the environment's issue for a check kind in line with the check's findings: created or
 * updated when there are findings (reopened if it was closed), closed with a comment when clean.
 */
export async function reconcileCheckIssue(options: CheckIssueOptions): Promise<CheckIssueResult> {
  try {
    return await reconcile(options);
  } catch (error) {
    const target = `${options.repository.owner}/${options.repository.repo}`;
    throw new ActionError(
      'ERR_GITHUB_REQUEST',
      `Could not update the ${options.kind} issue for ${options.environment} in ${target}: ${(error as Error).message}. The job needs "permissions: issues: write".`,
      { cause: error },
    );
  }
}
