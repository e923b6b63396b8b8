// GitHub Actions variables of a repository or of one of its environments: where the bootstrap
// step records values that workflows read as `${{ vars.NAME }}`, such as the role ARN.
import type { GitHubClient } from './client.ts';
import type { RepositoryName } from './context.ts';
import { ActionError } from './errors.ts';

export interface VariableTarget {
  readonly client: GitHubClient;
  readonly repository: RepositoryName;
  /** Environment name; without it the variable belongs to the repository. */
  readonly environment?: string;
}

function statusOf(error: unknown): number | undefined {
  return (error as { status?: number }).status;
}

function describeTarget(target: VariableTarget): string {
  const repository = `${target.repository.owner}/${target.repository.repo}`;
  return target.environment === undefined
    ? `repository ${repository}`
    : `environment ${target.environment} of ${repository}`;
}

function failure(
  action: string,
  name: string,
  target: VariableTarget,
  error: unknown,
): ActionError {
  const status = statusOf(error);
  const advice =
    status === 404 && target.environment !== undefined
      ? ` Create the environment ${target.environment} under Settings > Environments first.`
      : status === 401 || status === 403 || status === 404
        ? ' The token needs the "Variables" repository permission (read and write); GITHUB_TOKEN does not have it.'
        : ' Check the GitHub API address and the network, then run again.';
  return new ActionError(
    'ERR_GITHUB_REQUEST',
    `Could not ${action} variable ${name} of the ${describeTarget(target)}: ${(error as Error).message}.${advice}`,
    { cause: error },
  );
}

async function getValue(target: VariableTarget, name: string): Promise<string | undefined> {
  const { client, repository, environment } = target;
  try {
    const { data } =
      environment === undefined
        ? await client.rest.actions.getRepoVariable({ ...repository, name })
        : await client.rest.actions.getEnvironmentVariable({
            ...repository,
            environment_name: environment,
            name,
          });
    return data.value;
  } catch (error) {
    // A missing variable is a 404; so is a missing environment, which the caller cannot tell
    // apart from here, and both read as "not set".
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}

/** Reads a variable; returns `undefined` when it is not set. */
export async function readVariable(
  target: VariableTarget,
  name: string,
): Promise<string | undefined> {
  try {
    return await getValue(target, name);
  } catch (error) {
    throw failure('read', name, target, error);
  }
}

/** Sets a variable, creating it when missing and leaving it alone when it already has `value`. */
export async function writeVariable(
  target: VariableTarget,
  name: string,
  value: string,
): Promise<'created' | 'updated' | 'unchanged'> {
  const { client, repository, environment } = target;
  try {
    const current = await getValue(target, name);
    if (current === value) return 'unchanged';
    if (current === undefined) {
      if (environment === undefined) {
        await client.rest.actions.createRepoVariable({ ...repository, name, value });
      } else {
        await client.rest.actions.createEnvironmentVariable({
          ...repository,
          environment_name: environment,
          name,
          value,
        });
      }
      return 'created';
    }
    if (environment === undefined) {
      await client.rest.actions.updateRepoVariable({ ...repository, name, value });
    } else {
      await client.rest.actions.updateEnvironmentVariable({
        ...repository,
        environment_name: environment,
        name,
        value,
      });
    }
    return 'updated';
  } catch (error) {
    throw failure('write', name, target, error);
  }
}
