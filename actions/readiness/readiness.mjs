// @ts-check
// The readiness check of `actions/readiness`. It runs on the runner's preinstalled Node (20 or
// newer) before `npm ci`, so it imports nothing but Node's own modules.
import { appendFileSync } from 'node:fs';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

/**
 * Descriptions of the template's workflow variables for the job summary. A name not listed here is
 * still checked and is shown with a generic description.
 * @type {Readonly<Record<string, string>>}
 */
export const variableDescriptions = {
  AWS_PLAN_ROLE_ARN:
    'ARN of the read-only IAM role that pull request plans assume through GitHub OIDC.',
  AWS_DEPLOY_ROLE_ARN: 'ARN of the IAM role that deployments assume through GitHub OIDC.',
  AWS_REGION: 'AWS Region of the STS and Secrets Manager calls, such as `us-east-1`.',
  ATLAS_SECRET_NAME:
    'Name of the AWS Secrets Manager secret (JSON) with the Atlas service account client id and secret.',
  OKTA_SECRET_NAME: 'Name of the AWS Secrets Manager secret (JSON) with the Okta API token.',
};

const namePattern = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An invalid `variables` input, reported as a failed step because the workflow must be fixed. */
export class ReadinessInputError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = 'ReadinessInputError';
  }
}

/**
 * Parses the `variables` input: one `NAME=value` line per variable. Blank lines and lines
 * starting with `#` are skipped. Values are trimmed, so a value of only spaces counts as empty.
 * Errors name the line by its number only, because a value may be on it.
 * @param {string} text
 * @returns {Array<{ name: string, set: boolean }>}
 */
export function parseVariables(text) {
  /** @type {Array<{ name: string, set: boolean }>} */
  const variables = [];
  /** @type {string[]} */
  const problems = [];
  const seen = new Set();
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    const trimmed = line.trim();
    if (trimmed === '' || trimmed.startsWith('#')) continue;
    const lineNumber = index + 1;
    const equals = trimmed.indexOf('=');
    const name = equals === -1 ? '' : trimmed.slice(0, equals).trim();
    if (!namePattern.test(name)) {
      problems.push(
        `line ${lineNumber} is not NAME=value with a name of letters, digits and underscores`,
      );
      continue;
    }
    if (seen.has(name)) {
      problems.push(`line ${lineNumber} repeats ${name}`);
      continue;
    }
    seen.add(name);
    variables.push({ name, set: trimmed.slice(equals + 1).trim() !== '' });
  }
  if (problems.length > 0) {
    throw new ReadinessInputError(
      `Input "variables" is invalid: ${problems.join('; ')}. Write one line per variable, such as AWS_REGION=\${{ vars.AWS_REGION }}, and keep each value on one line.`,
    );
  }
  if (variables.length === 0) {
    throw new ReadinessInputError(
      'Input "variables" lists no variables. Write one line per variable, such as AWS_REGION=${{ vars.AWS_REGION }}.',
    );
  }
  return variables;
}

/**
 * Escapes text for the message of a workflow command, as `@actions/core` does.
 * @param {string} text
 */
function escapeCommandData(text) {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * Escapes text for a property of a workflow command, such as `title`.
 * @param {string} text
 */
function escapeCommandProperty(text) {
  return escapeCommandData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/**
 * Returns the address of the README section on setting up a fork, on the commit under test when
 * the runner names it, else the README's path in the repository.
 * @param {NodeJS.ProcessEnv} env
 */
function setUpGuideLink(env) {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository, GITHUB_SHA: sha } = env;
  if (server && repository && sha) {
    return `${server}/${repository}/blob/${sha}/README.md#set-up-your-fork`;
  }
  return 'README.md#set-up-your-fork';
}

/**
 * Returns the set-up step that names where to set the variables. A job in a GitHub environment
 * sees that environment's variables and the repository's. A job in none sees only the repository's.
 * @param {string} environment
 */
function whereToSet(environment) {
  const repositoryPage = '**Settings > Secrets and variables > Actions > Variables**';
  if (environment === '') {
    return `Set each variable it printed as a repository variable under ${repositoryPage}. This job runs in no GitHub environment, so a variable set only on an environment is missing here.`;
  }
  return `Set each variable it printed on the environment under **Settings > Environments > ${environment} > Environment variables**, or as a repository variable under ${repositoryPage}. This job runs in environment \`${environment}\`, whose variables take precedence.`;
}

/**
 * Renders the job summary of a workflow that was skipped because `missing` variables are empty.
 * `environment` is the GitHub environment of the job, or empty for none.
 * @param {string} workflow
 * @param {string[]} missing
 * @param {string} environment
 * @param {NodeJS.ProcessEnv} env
 */
export function renderSummary(workflow, missing, environment, env) {
  const rows = missing.map((name) => {
    const description = variableDescriptions[name] ?? 'A variable this workflow reads.';
    return `| \`${name}\` | ${description} |`;
  });
  const bootstrap =
    environment === ''
      ? '`npm run bootstrap -- --env dev` (`--env prod` for production)'
      : `\`npm run bootstrap -- --env ${environment}\``;
  return [
    `## ${workflow}: skipped, this repository is not set up yet`,
    '',
    `This workflow needs ${missing.length === 1 ? 'a variable that is' : 'variables that are'} not set, so it skipped its cloud steps instead of failing:`,
    '',
    '| Variable | What it is |',
    '| --- | --- |',
    ...rows,
    '',
    'To set up the repository:',
    '',
    `1. In a clone, with administrator credentials of the AWS account, run ${bootstrap}. It creates the roles that GitHub OIDC can assume and the credentials secrets, then prints these variables, or sets them when given \`--github-token-env VAR\` with a GitHub token.`,
    `2. ${whereToSet(environment)}`,
    '3. Run this workflow again.',
    '',
    `The steps are described in [Set up your fork](${setUpGuideLink(env)}).`,
    '',
  ].join('\n');
}

/**
 * Runs the check with the runner's environment: writes output `ready`, and a job summary when a
 * variable is empty. Returns the exit code.
 * @param {NodeJS.ProcessEnv} env
 * @param {(line: string) => void} print
 * @returns {number}
 */
export function runReadiness(env, print) {
  try {
    const outputPath = env.GITHUB_OUTPUT;
    if (!outputPath) {
      throw new ReadinessInputError(
        'GITHUB_OUTPUT is not set. Run this script as the step of actions/readiness on a GitHub runner.',
      );
    }
    const workflow = (env.INPUT_WORKFLOW ?? '').trim() || env.GITHUB_WORKFLOW || 'This workflow';
    const environment = (env.INPUT_ENVIRONMENT ?? '').trim();
    const variables = parseVariables(env.INPUT_VARIABLES ?? '');
    const missing = variables.filter((variable) => !variable.set).map((variable) => variable.name);

    if (missing.length === 0) {
      appendFileSync(outputPath, 'ready=true\n');
      print(`All ${variables.length} variables are set.`);
      return 0;
    }

    appendFileSync(outputPath, 'ready=false\n');
    const summaryPath = env.GITHUB_STEP_SUMMARY;
    if (summaryPath)
      appendFileSync(summaryPath, renderSummary(workflow, missing, environment, env));
    const message = `${workflow} skipped its cloud steps because ${missing.length} of ${variables.length} variables are not set: ${missing.join(', ')}. The job summary lists the set-up steps.`;
    print(
      `::notice title=${escapeCommandProperty('Repository not set up')}::${escapeCommandData(message)}`,
    );
    return 0;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    print(
      `::error title=${escapeCommandProperty('Readiness check')}::${escapeCommandData(message)}`,
    );
    return 1;
  }
}

// Runs only as the step's script, so tests can import the functions above.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = runReadiness(process.env, (line) => process.stdout.write(`${line}\n`));
}
