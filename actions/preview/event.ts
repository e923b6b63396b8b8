// The pull request a deploy or remove run is for, read from the event payload. Only a pull request
// whose head branch is in this repository gets a preview: a fork's code never runs with the
// preview role.
import { readFileSync } from 'node:fs';
import { ActionError } from '../github/index.ts';
import type { RunContext } from '../github/index.ts';

/** The pull request of a `pull_request` run, as a preview needs it. */
export interface PreviewPullRequest {
  readonly number: number;
  /** Branch the pull request targets, such as `dev`. */
  readonly baseRef: string;
  readonly headSha: string;
}

type Environment = Readonly<Record<string, string | undefined>>;

function baseRefOf(env: Environment): string {
  const path = env.GITHUB_EVENT_PATH;
  if (!path) return '';
  // readRunContext has already parsed this file, so it exists and contains JSON.
  const payload = JSON.parse(readFileSync(path, 'utf8')) as {
    pull_request?: { base?: { ref?: unknown } };
  };
  const ref = payload.pull_request?.base?.ref;
  return typeof ref === 'string' ? ref : '';
}

/**
 * Returns the run's pull request. Throws `ActionError` when the run has none (deploy and remove
 * need the pull_request event) or when the pull request comes from a fork.
 */
export function readPreviewPullRequest(
  context: RunContext,
  mode: string,
  env: Environment = process.env,
): PreviewPullRequest {
  const pull = context.pullRequest;
  if (pull === undefined) {
    throw new ActionError(
      'ERR_RUN_CONTEXT',
      `Mode ${mode} needs a pull_request event, but this run is for a ${context.eventName || 'unknown'} event without a pull request in its payload. Run mode ${mode} from "on: pull_request", or use mode sweep on a schedule.`,
    );
  }
  if (pull.fromFork || context.fork !== undefined) {
    const head = pull.headRepository ?? 'a deleted fork';
    throw new ActionError(
      'ERR_OIDC_FORK_PULL_REQUEST',
      `Pull request #${pull.number} comes from the fork ${head}, and previews run only for branches of ${context.repository.owner}/${context.repository.repo}: a fork's code never gets the preview role. Push the branch to this repository and open the pull request from there. In the workflow, skip the job with "if: github.event.pull_request.head.repo.full_name == github.repository".`,
    );
  }
  return { number: pull.number, baseRef: baseRefOf(env), headSha: pull.headSha };
}
