// @ts-check
// The readiness check of `actions/readiness`. It runs on the runner's preinstalled Node (20 or
// newer) before `npm ci`, so it imports nothing but Node's own modules.
import { appendFileSync, readFileSync } from 'node:fs';
import { basename, isAbsolute, relative, resolve, sep } from 'node:path';
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

/** An invalid `variables` or `config` input, reported as a failed step because the workflow must be fixed. */
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
 * reads that environment's variables and the repository's. A job in none reads only the repository's.
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
 * A line of a config file whose comment marks its value as a placeholder of the template.
 * @typedef {{ line: number, key: string, text: string }} Placeholder
 */

/**
 * The result of checking one config file: `found` is false when the file does not exist.
 * @typedef {{ path: string, found: boolean, placeholders: Placeholder[] }} ConfigCheck
 */

/**
 * Parses the `config` input: one path per line, relative to the workspace. Blank lines and lines
 * starting with `#` are skipped.
 * @param {string} text
 * @returns {string[]}
 */
export function parseConfigPaths(text) {
  /** @type {string[]} */
  const paths = [];
  /** @type {string[]} */
  const problems = [];
  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const path = line.trim();
    if (path === '' || path.startsWith('#')) continue;
    if (isAbsolute(path) || path.split(/[\\/]/).includes('..')) {
      problems.push(`line ${index + 1} (${path}) is not a path inside the workspace`);
      continue;
    }
    if (!paths.includes(path)) paths.push(path);
  }
  if (problems.length > 0) {
    throw new ReadinessInputError(
      `Input "config" is invalid: ${problems.join('; ')}. Write one path per line relative to the repository root, such as config/dev.yaml.`,
    );
  }
  return paths;
}

// A `# placeholder` comment after a value or on its own line: `#` must start the line or follow
// white space, as YAML requires of a comment. The text after `placeholder:` is group 1.
const placeholderPattern = /(?:^|\s)#\s*placeholder\b:?\s*(.*)$/i;

// A mapping key at the start of `content`: plain, single-quoted or double-quoted, then `:` and
// white space or the end of the line.
const keyPattern =
  /^(?:"((?:[^"\\]|\\.)*)"|'((?:[^']|'')*)'|([^\s#'"\-[{][^:#]*?|-[^\s:#][^:#]*?))\s*:(?:\s|$)/;

// A block scalar indicator (`|`, `>-`, `|2` ...) as the whole value, optionally with a comment.
const blockScalarPattern = /:\s+[|>][0-9+-]*\s*(?:#.*)?$/;

/**
 * Finds the lines of a YAML text marked with a `# placeholder` comment, with the key path of
 * each, such as `aws.budgets.monthly.subscribers[0].address`. It scans lines instead of parsing
 * YAML, because the check runs before `npm ci`, so the path follows block indentation only.
 * NOTE: a flow collection (`{...}` or `[...]`) that spans lines, or a key inside one, is not
 * followed, so a placeholder on such a line gets the path of the enclosing block key.
 * @param {string} text
 * @returns {Placeholder[]}
 */
export function findPlaceholders(text) {
  /** @type {Placeholder[]} */
  const placeholders = [];
  /** @type {Array<{ indent: number, key: string, item: boolean, items: number }>} */
  const stack = [];
  /** Indentation of the key whose block scalar the following lines belong to, or -1. */
  let blockIndent = -1;

  for (const [index, line] of text.split(/\r?\n/).entries()) {
    const content = line.trimStart();
    const indent = line.length - content.length;
    if (blockIndent !== -1) {
      if (content === '' || indent > blockIndent) continue;
      blockIndent = -1;
    }

    const path = content === '' || content.startsWith('#') ? '' : trackKeys(stack, indent, content);
    const marker = placeholderPattern.exec(content);
    if (marker) placeholders.push({ line: index + 1, key: path, text: (marker[1] ?? '').trim() });
    if (path !== '' && blockScalarPattern.test(content)) blockIndent = stack.at(-1)?.indent ?? -1;
  }
  return placeholders;
}

/**
 * Updates `stack`, the keys and list items that enclose a line, with the line at `indent`, and
 * returns the key path of the line, or the path of its parent when the line has no key.
 * @param {Array<{ indent: number, key: string, item: boolean, items: number }>} stack
 * @param {number} indent
 * @param {string} content the line without its indentation, neither empty nor a comment
 * @returns {string}
 */
function trackKeys(stack, indent, content) {
  let rest = content;
  let column = indent;
  if (rest === '-' || rest.startsWith('- ')) {
    // A sequence item may sit at its key's own indentation, so only items pop at equal indent.
    while (stack.length > 0) {
      const top = stack.at(-1)?.indent ?? -1;
      if (top > indent || (top === indent && stack.at(-1)?.item)) stack.pop();
      else break;
    }
    const parent = stack.at(-1);
    const position = parent ? parent.items++ : 0;
    stack.push({ indent, key: `[${position}]`, item: true, items: 0 });
    const afterDash = rest.slice(1);
    rest = afterDash.trimStart();
    column = indent + 1 + (afterDash.length - rest.length);
  } else {
    while (stack.length > 0 && (stack.at(-1)?.indent ?? -1) >= indent) stack.pop();
  }

  const match = keyPattern.exec(rest);
  if (match) {
    const key = match[1] ?? match[2]?.replace(/''/g, "'") ?? (match[3] ?? '').trim();
    stack.push({ indent: column, key, item: false, items: 0 });
  }
  return stack
    .map((entry) => (entry.item ? entry.key : `.${entry.key}`))
    .join('')
    .replace(/^\./, '');
}

/**
 * Checks each config file of `paths`, relative to `workspace`.
 * @param {string[]} paths
 * @param {string} workspace
 * @returns {ConfigCheck[]}
 */
export function checkConfigs(paths, workspace) {
  return paths.map((path) => {
    const fullPath = resolve(workspace, path);
    const fromWorkspace = relative(workspace, fullPath);
    if (fromWorkspace === '..' || fromWorkspace.startsWith(`..${sep}`)) {
      throw new ReadinessInputError(
        `Input "config" names ${path}, which is outside the workspace.`,
      );
    }
    let text;
    try {
      text = readFileSync(fullPath, 'utf8');
    } catch (error) {
      const code = /** @type {NodeJS.ErrnoException} */ (error).code;
      if (code === 'ENOENT') return { path, found: false, placeholders: [] };
      const reason = code === 'EISDIR' ? 'is a folder, not a file' : `cannot be read (${code})`;
      throw new ReadinessInputError(
        `Input "config" names ${path}, which ${reason}. Name a config file, such as config/dev.yaml.`,
      );
    }
    return { path, found: true, placeholders: findPlaceholders(text) };
  });
}

/**
 * Escapes text for a cell of a Markdown table.
 * @param {string} text
 */
function tableCell(text) {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|');
}

/**
 * Returns the bootstrap command of the set-up steps, in Markdown. Without a GitHub environment,
 * the environment is the name of each config file, such as `prod` for `config/prod.yaml`.
 * @param {string} environment
 * @param {ConfigCheck[]} configs
 */
function bootstrapCommand(environment, configs) {
  const command = (/** @type {string} */ name) => `\`npm run bootstrap -- --env ${name}\``;
  if (environment !== '') return command(environment);
  const names = [
    ...new Set(configs.map((config) => basename(config.path).replace(/\.ya?ml$/, ''))),
  ];
  if (names.length === 0) return `${command('dev')} (\`--env prod\` for production)`;
  return names.map(command).join(' and ');
}

/**
 * Renders the job summary of a workflow that was skipped because `missing` variables are empty or
 * a config file of `configs` is missing or has placeholders. `environment` is the GitHub
 * environment of the job, or empty for none.
 * @param {string} workflow
 * @param {{ missing: string[], configs: ConfigCheck[] }} findings
 * @param {string} environment
 * @param {NodeJS.ProcessEnv} env
 */
export function renderSummary(workflow, findings, environment, env) {
  const { missing, configs } = findings;
  const lines = [`## ${workflow}: skipped, this repository is not set up yet`, ''];

  const missingFiles = configs.filter((config) => !config.found);
  const withPlaceholders = configs.filter((config) => config.placeholders.length > 0);
  if (missingFiles.length > 0) {
    lines.push(
      'This workflow reads config files that are not in the repository, so it skipped its cloud steps instead of failing:',
      '',
      ...missingFiles.map((config) => `- ${config.path} not found`),
      '',
    );
  }
  if (withPlaceholders.length > 0) {
    lines.push(
      'The config still has values of the template, marked `# placeholder`, so this workflow skipped its cloud steps instead of failing:',
      '',
      '| Line | Key | What to set |',
      '| --- | --- | --- |',
      ...withPlaceholders.flatMap((config) =>
        config.placeholders.map(
          (placeholder) =>
            `| \`${config.path}:${placeholder.line}\` | ${placeholder.key === '' ? '' : `\`${placeholder.key}\``} | ${tableCell(placeholder.text)} |`,
        ),
      ),
      '',
    );
  }
  if (missing.length > 0) {
    lines.push(
      `This workflow needs ${missing.length === 1 ? 'a variable that is' : 'variables that are'} not set, so it skipped its cloud steps instead of failing:`,
      '',
      '| Variable | What it is |',
      '| --- | --- |',
      ...missing.map((name) => {
        const description = variableDescriptions[name] ?? 'A variable this workflow reads.';
        return `| \`${name}\` | ${description} |`;
      }),
      '',
    );
  }

  const bootstrap = bootstrapCommand(environment, configs);
  /** @type {string[]} */
  const steps = [];
  if (missingFiles.length > 0) {
    steps.push(
      `Add ${missingFiles.map((config) => `\`${config.path}\``).join(', ')}, for example as a copy of another environment's config with this environment's names, or remove the environment from the workflow.`,
    );
  }
  if (configs.length > 0) {
    steps.push(
      `Edit the config${configs.length === 1 ? '' : 's'} ${configs.map((config) => `\`${config.path}\``).join(', ')}: replace each placeholder with your fork's own value (your AWS account id, the repository and owner ids of your fork, your Atlas organization id, your Okta org and so on) and remove its \`# placeholder\` comment. The comment on each line says what belongs there.`,
      `In a clone, with administrator credentials of the AWS account, run ${bootstrap} once. It creates the roles that GitHub OIDC can assume and the credentials secrets that the config names.`,
      'Push the config. The workflows read the role, Region and secrets from it.',
    );
  } else {
    steps.push(
      `In a clone, with administrator credentials of the AWS account, run ${bootstrap}. It creates the roles that GitHub OIDC can assume and the credentials secrets, then prints these variables, or sets them when given \`--github-token-env VAR\` with a GitHub token.`,
    );
  }
  if (missing.length > 0) steps.push(whereToSet(environment));
  steps.push('Run this workflow again.');

  lines.push(
    'To set up the repository:',
    '',
    ...steps.map((step, index) => `${index + 1}. ${step}`),
    '',
  );
  if (configs.length > 0) {
    lines.push(
      'Repository and environment variables, such as `AWS_PLAN_ROLE_ARN`, `AWS_REGION`, `ATLAS_SECRET_NAME` and `OKTA_SECRET_NAME`, are optional overrides: when one is empty, the workflow takes that value from the config.',
      '',
    );
  }
  lines.push(`The steps are described in [Set up your fork](${setUpGuideLink(env)}).`, '');
  return lines.join('\n');
}

/**
 * Returns why the workflow is not ready, one clause per finding, or an empty list when it is.
 * @param {{ name: string, set: boolean }[]} variables
 * @param {ConfigCheck[]} configs
 * @returns {string[]}
 */
function notReadyReasons(variables, configs) {
  /** @type {string[]} */
  const reasons = [];
  const missing = variables.filter((variable) => !variable.set).map((variable) => variable.name);
  if (missing.length > 0) {
    reasons.push(
      `${missing.length} of ${variables.length} variables are not set: ${missing.join(', ')}`,
    );
  }
  for (const config of configs) {
    if (!config.found) reasons.push(`${config.path} was not found`);
    const count = config.placeholders.length;
    if (count > 0) reasons.push(`${config.path} has ${count} placeholder${count === 1 ? '' : 's'}`);
  }
  return reasons;
}

/**
 * Runs the check with the runner's environment: writes output `ready`, and a job summary when a
 * variable is empty or a config file is missing or has placeholders. Returns the exit code.
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
    const variablesText = env.INPUT_VARIABLES ?? '';
    const configPaths = parseConfigPaths(env.INPUT_CONFIG ?? '');
    const hasVariables = variablesText.split(/\r?\n/).some((line) => {
      const trimmed = line.trim();
      return trimmed !== '' && !trimmed.startsWith('#');
    });
    if (!hasVariables && configPaths.length === 0) {
      throw new ReadinessInputError(
        'Inputs "variables" and "config" are both empty. Set config to the config file the job reads, such as config/dev.yaml, or variables to one NAME=value line per variable.',
      );
    }
    const variables = hasVariables ? parseVariables(variablesText) : [];
    const workspace = env.GITHUB_WORKSPACE || process.cwd();
    const configs = checkConfigs(configPaths, workspace);

    const reasons = notReadyReasons(variables, configs);
    if (reasons.length === 0) {
      appendFileSync(outputPath, 'ready=true\n');
      if (hasVariables) {
        print(
          variables.length === 1
            ? 'The variable is set.'
            : `All ${variables.length} variables are set.`,
        );
      }
      for (const config of configs) print(`${config.path} has no placeholders.`);
      return 0;
    }

    appendFileSync(outputPath, 'ready=false\n');
    const missing = variables.filter((variable) => !variable.set).map((variable) => variable.name);
    const summaryPath = env.GITHUB_STEP_SUMMARY;
    if (summaryPath) {
      appendFileSync(summaryPath, renderSummary(workflow, { missing, configs }, environment, env));
    }
    const because = reasons.length === 1 ? reasons[0] : reasons.join('; ');
    const message = `${workflow} skipped its cloud steps because ${because}. The job summary lists the set-up steps.`;
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
