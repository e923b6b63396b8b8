// The GitHub Actions variables the workflows read as `${{ vars.NAME }}`, and where they go.
//
// Per-environment values go to the GitHub environment `aws.github.environment`. The plan and deploy
// jobs run in that environment, where its variables take precedence over repository ones, and dev
// and prod each have their own roles, so one repository variable could not serve both.
//
// The preview jobs read AWS_PREVIEW_ROLE_ARN, AWS_REGION and OKTA_SECRET_NAME from the repository.
// A job that names an environment gets the OIDC subject `environment:NAME`, which the preview role
// does not trust, so preview and sweep jobs run without an environment and see repository
// variables only. The environment with `previewRole` therefore also writes those three there.
// `--variables-scope repository` puts every variable in the repository, for a repository with one
// environment.
import { getOctokit } from '@actions/github';
import type { GitHubConfig } from '../providers/aws/schema.ts';
import type { RepositoryName } from '../github/context.ts';
import { writeVariable } from '../github/variables.ts';
import type { VariableTarget } from '../github/variables.ts';
import { vendorOfSecret } from './secrets.ts';

export interface RepositoryVariable {
  readonly name: string;
  readonly value: string;
  /** The GitHub environment, or `undefined` for a repository variable. */
  readonly environment: string | undefined;
}

/** The role ARNs the bootstrap created, by role. */
export interface RoleArns {
  readonly plan: string;
  readonly deploy: string;
  readonly preview: string | undefined;
}

/**
 * Lists the variables the deploy workflow reads, sorted by scope and then name. They go to the
 * GitHub environment, because there a variable cannot reach another environment's jobs. With
 * `scope` `repository` they go to the repository, which suits a repository with one environment.
 * The other workflows read no variables: their jobs run outside any environment, so a variable
 * would apply to dev and prod alike.
 */
export function repositoryVariables(
  github: GitHubConfig,
  region: string,
  roles: RoleArns,
  scope: 'environment' | 'repository' = 'environment',
): RepositoryVariable[] {
  const environment = scope === 'environment' ? github.environment : undefined;
  const secretOf = (vendor: 'atlas' | 'okta') =>
    (github.secretNames ?? []).find((name) => vendorOfSecret(name) === vendor);
  const atlasSecret = secretOf('atlas');
  const oktaSecret = secretOf('okta');
  const variables: RepositoryVariable[] = [
    { name: 'AWS_DEPLOY_ROLE_ARN', value: roles.deploy, environment },
    { name: 'AWS_REGION', value: region, environment },
    ...(atlasSecret === undefined
      ? []
      : [{ name: 'ATLAS_SECRET_NAME', value: atlasSecret, environment }]),
    ...(oktaSecret === undefined
      ? []
      : [{ name: 'OKTA_SECRET_NAME', value: oktaSecret, environment }]),
  ];
  const unique = new Map<string, RepositoryVariable>();
  for (const variable of variables) {
    unique.set(`${variable.environment ?? ''}/${variable.name}`, variable);
  }
  return [...unique.values()].sort(
    (a, b) =>
      (a.environment ?? '').localeCompare(b.environment ?? '') || a.name.localeCompare(b.name),
  );
}

/** Describes where a variable lives, as the GitHub settings page names it. */
export function describeScope(variable: RepositoryVariable): string {
  return variable.environment === undefined ? 'repository' : `environment ${variable.environment}`;
}

/** Formats the variables as an aligned list for the terminal. */
export function formatVariables(variables: readonly RepositoryVariable[]): string {
  const width = Math.max(...variables.map((variable) => variable.name.length));
  return variables
    .map(
      (variable) =>
        `  ${variable.name.padEnd(width)}  ${variable.value}  (${describeScope(variable)})\n`,
    )
    .join('');
}

export interface GitHubTarget {
  readonly token: string;
  /** REST API base URL, such as https://api.github.com. */
  readonly baseUrl: string;
  readonly repository: RepositoryName;
}

/**
 * Sets each variable and returns one line per variable with what happened. The token is passed
 * to Octokit only: unlike `createGitHubClient`, this never registers it with `core.setSecret`,
 * which outside a runner would print it.
 */
export async function setVariables(
  target: GitHubTarget,
  variables: readonly RepositoryVariable[],
): Promise<string[]> {
  const client = getOctokit(target.token, { baseUrl: target.baseUrl.replace(/\/+$/, '') });
  const lines: string[] = [];
  for (const variable of variables) {
    const where: VariableTarget = {
      client,
      repository: target.repository,
      ...(variable.environment === undefined ? {} : { environment: variable.environment }),
    };
    const outcome = await writeVariable(where, variable.name, variable.value);
    lines.push(`variable ${variable.name} (${describeScope(variable)}): ${outcome}`);
  }
  return lines;
}
