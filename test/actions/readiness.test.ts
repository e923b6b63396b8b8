// The readiness action as the runner runs it: the composite step's `run` line under bash, with the
// INPUT_* values its `env` map passes and the runner's output and summary files.
import { spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../../', import.meta.url));
const actionPath = join(root, 'actions/readiness');

interface CompositeStep {
  id?: string;
  shell?: string;
  env?: Record<string, string>;
  run?: string;
}

interface CompositeAction {
  name: string;
  inputs: Record<string, { required?: boolean; default?: string }>;
  outputs: Record<string, { value?: string }>;
  runs: { using: string; steps: CompositeStep[] };
}

const action = parse(readFileSync(join(actionPath, 'action.yml'), 'utf8')) as CompositeAction;
const step = action.runs.steps[0]!;

let runnerFiles: string;
let workspace: string;
beforeEach(() => {
  runnerFiles = mkdtempSync(join(tmpdir(), 'gitops-readiness-'));
  workspace = join(runnerFiles, 'workspace');
  mkdirSync(workspace);
});

/** Writes `text` to `path` under the test's workspace. */
function writeWorkspaceFile(path: string, text: string): void {
  mkdirSync(dirname(join(workspace, path)), { recursive: true });
  writeFileSync(join(workspace, path), text);
}
afterEach(() => {
  rmSync(runnerFiles, { recursive: true, force: true });
});

interface StepResult {
  status: number | null;
  stdout: string;
  stderr: string;
  output: string;
  summary: string;
}

/**
 * Runs the action's step as the runner does: each `${{ inputs.NAME }}` of the step's env becomes
 * the input's value, and the `run` script runs under bash with GITHUB_ACTION_PATH set.
 */
function runStep(inputs: Record<string, string>, extra: Record<string, string> = {}): StepResult {
  const outputPath = join(runnerFiles, 'output.txt');
  const summaryPath = join(runnerFiles, 'summary.md');
  writeFileSync(outputPath, '');
  writeFileSync(summaryPath, '');
  const stepEnv = Object.fromEntries(
    Object.entries(step.env ?? {}).map(([name, expression]) => {
      const input = /^\$\{\{ inputs\.(\w+) \}\}$/.exec(expression)?.[1];
      expect(input, `${name}: ${expression}`).toBeDefined();
      return [name, inputs[input!] ?? action.inputs[input!]?.default ?? ''];
    }),
  );
  // The runner writes a `shell: bash` step to a file and runs it with these options.
  const scriptPath = join(runnerFiles, 'step.sh');
  writeFileSync(scriptPath, step.run!);
  const result = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', scriptPath], {
    encoding: 'utf8',
    cwd: extra.GITHUB_WORKSPACE ?? workspace,
    env: {
      PATH: process.env.PATH ?? '',
      GITHUB_ACTION_PATH: actionPath,
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: outputPath,
      GITHUB_STEP_SUMMARY: summaryPath,
      GITHUB_SERVER_URL: 'https://github.com',
      GITHUB_REPOSITORY: 'octo-org/example-backend',
      GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
      GITHUB_WORKFLOW: 'Deploy',
      ...stepEnv,
      ...extra,
    },
    timeout: 30_000,
  });
  return {
    status: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    output: readFileSync(outputPath, 'utf8'),
    summary: readFileSync(summaryPath, 'utf8'),
  };
}

describe('readiness action.yml', () => {
  it('is a composite action', () => {
    expect(action.runs.using).toBe('composite');
    expect(action.runs.steps).toHaveLength(1);
  });

  it('runs the script on the runner Node', () => {
    expect(step.shell).toBe('bash');
    expect(step.run).toBe('node "$GITHUB_ACTION_PATH/readiness.mjs"');
    expect(existsSync(join(actionPath, 'readiness.mjs'))).toBe(true);
  });

  it('takes workflow, environment, config and variables', () => {
    expect(Object.keys(action.inputs).sort()).toEqual([
      'config',
      'environment',
      'variables',
      'workflow',
    ]);
    expect(action.inputs.environment!.default).toBe('');
    expect(action.inputs.config!.required).toBe(false);
    expect(action.inputs.config!.default).toBe('');
    expect(action.inputs.variables!.required).toBe(false);
    expect(action.inputs.variables!.default).toBe('');
    expect(action.inputs.workflow!.default).toBe('${{ github.workflow }}');
  });

  it('passes inputs as explicit env', () => {
    expect(step.env).toEqual({
      INPUT_WORKFLOW: '${{ inputs.workflow }}',
      INPUT_ENVIRONMENT: '${{ inputs.environment }}',
      INPUT_CONFIG: '${{ inputs.config }}',
      INPUT_VARIABLES: '${{ inputs.variables }}',
    });
  });

  it('outputs ready from its step', () => {
    expect(step.id).toBe('check');
    expect(action.outputs.ready!.value).toBe('${{ steps.check.outputs.ready }}');
  });
});

const allSet = [
  'AWS_DEPLOY_ROLE_ARN=arn:aws:iam::123456789012:role/example-backend-dev-deploy',
  'ATLAS_SECRET_NAME=example-backend-dev/atlas',
  'OKTA_SECRET_NAME=example-backend-dev/okta',
  '',
].join('\n');

describe('readiness step', () => {
  it('outputs ready when all are set', () => {
    const result = runStep({ workflow: 'Deploy', variables: allSet });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=true\n');
    expect(result.summary).toBe('');
    expect(result.stdout).toBe('All 3 variables are set.\n');
    expect(result.stderr).toBe('');
  });

  it('lists the missing ones in the summary', () => {
    const variables = [
      'AWS_DEPLOY_ROLE_ARN=',
      'ATLAS_SECRET_NAME=example-backend-dev/atlas',
      'OKTA_SECRET_NAME=   ',
    ].join('\n');
    const result = runStep({ workflow: 'Deploy', variables });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=false\n');
    expect(result.summary).toContain('## Deploy: skipped, this repository is not set up yet');
    expect(result.summary).toContain(
      '| `AWS_DEPLOY_ROLE_ARN` | ARN of the IAM role that deployments assume through GitHub OIDC. |',
    );
    expect(result.summary).toContain('| `OKTA_SECRET_NAME` |');
    expect(result.summary).not.toContain('ATLAS_SECRET_NAME');
    expect(result.summary).toContain('`npm run bootstrap -- --env dev`');
    expect(result.summary).toContain(
      '[Set up your fork](https://github.com/octo-org/example-backend/blob/0123456789abcdef0123456789abcdef01234567/README.md#set-up-your-fork)',
    );
    expect(result.stdout).toBe(
      '::notice title=Repository not set up::Deploy skipped its cloud steps because 2 of 3 variables are not set: AWS_DEPLOY_ROLE_ARN, OKTA_SECRET_NAME. The job summary lists the set-up steps.\n',
    );
  });

  it('writes one summary when none are set', () => {
    const variables = 'AWS_PLAN_ROLE_ARN=\nATLAS_SECRET_NAME=\nOKTA_SECRET_NAME=\n';
    const result = runStep({ workflow: 'Pull request', variables });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=false\n');
    expect(result.summary.match(/^## /gm)).toHaveLength(1);
    for (const name of ['AWS_PLAN_ROLE_ARN', 'ATLAS_SECRET_NAME', 'OKTA_SECRET_NAME']) {
      expect(result.summary).toContain(`| \`${name}\` |`);
    }
    expect(result.stdout).toContain('because 3 of 3 variables are not set');
  });

  it('says where to set the variables in an environment', () => {
    const result = runStep({ workflow: 'Deploy', environment: 'prod', variables: 'AWS_REGION=\n' });
    expect(result.summary).toContain('`npm run bootstrap -- --env prod`');
    expect(result.summary).toContain('**Settings > Environments > prod > Environment variables**');
    expect(result.summary).toContain('This job runs in environment `prod`');
  });

  it('says where to set the variables without an environment', () => {
    const result = runStep({ workflow: 'Drift check', variables: 'AWS_REGION=\n' });
    expect(result.summary).toContain(
      '`npm run bootstrap -- --env dev` (`--env prod` for production)',
    );
    expect(result.summary).toContain('as a repository variable');
    expect(result.summary).toContain('This job runs in no GitHub environment');
    expect(result.summary).not.toContain('Settings > Environments');
  });

  it('describes an unknown name generically', () => {
    const result = runStep({ workflow: 'Preview', variables: 'AWS_PREVIEW_ROLE_ARN=\n' });
    expect(result.summary).toContain(
      '| `AWS_PREVIEW_ROLE_ARN` | A variable this workflow reads. |',
    );
  });

  it('never prints a value', () => {
    const variables =
      'AWS_REGION=eu-west-3\nATLAS_SECRET_NAME=distinctive-secret-name\nOKTA_SECRET_NAME=\n';
    const result = runStep({ workflow: 'Deploy', variables });
    for (const text of [result.stdout, result.stderr, result.summary, result.output]) {
      expect(text).not.toContain('eu-west-3');
      expect(text).not.toContain('distinctive-secret-name');
    }
  });

  it('ignores blank and comment lines', () => {
    const variables = `\n# The deploy role and the secrets\n${allSet}\n\n`;
    const result = runStep({ workflow: 'Deploy', variables });
    expect(result.output).toBe('ready=true\n');
  });

  it('uses GITHUB_WORKFLOW without a name', () => {
    const result = runStep({ workflow: '', variables: 'AWS_REGION=\n' });
    expect(result.summary).toContain('## Deploy: skipped');
  });

  it('fails on a malformed line', () => {
    const variables =
      'AWS_REGION=us-east-1\narn:aws:iam::123456789012:role/deploy\nOKTA SECRET=x\n';
    const result = runStep({ workflow: 'Deploy', variables });
    expect(result.status).toBe(1);
    expect(result.output).toBe('');
    expect(result.summary).toBe('');
    expect(result.stdout).toBe(
      '::error title=Readiness check::Input "variables" is invalid: line 2 is not NAME=value with a name of letters, digits and underscores; line 3 is not NAME=value with a name of letters, digits and underscores. Write one line per variable, such as AWS_REGION=${{ vars.AWS_REGION }}, and keep each value on one line.\n',
    );
    expect(result.stdout).not.toContain('arn:aws:iam');
  });

  it('fails on a repeated name', () => {
    const result = runStep({ workflow: 'Deploy', variables: 'AWS_REGION=a\nAWS_REGION=b\n' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('line 2 repeats AWS_REGION');
  });

  it('fails on an empty list', () => {
    const result = runStep({ workflow: 'Deploy', variables: '\n# nothing\n' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('Inputs "variables" and "config" are both empty.');
  });

  it('fails outside a runner', () => {
    const result = runStep({ workflow: 'Deploy', variables: allSet }, { GITHUB_OUTPUT: '' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('GITHUB_OUTPUT is not set.');
  });

  it('escapes the workflow name in commands', () => {
    const result = runStep({ workflow: 'Deploy 100%', variables: 'AWS_REGION=\n' });
    expect(result.stdout).toContain('::Deploy 100%25 skipped its cloud steps');
  });
});

const readyConfig = [
  '# The dev environment.',
  'environment: dev',
  'aws:',
  "  accountId: '210987654321' # the fork's account",
  '  region: eu-west-3',
  '',
].join('\n');

const placeholderConfig = [
  'environment: dev',
  'aws:',
  "  accountId: '123456789012' # placeholder: your 12-digit AWS account id",
  '  budgets:',
  '    monthly:',
  '      subscribers:',
  '        - subscriptionType: EMAIL',
  '          address: alerts@example.com # placeholder: who gets the budget | alerts',
  '  github:',
  '    repositoryId: 2000002 #placeholder',
  'okta:',
  '  description: |',
  '    text # placeholder: inside a block scalar, so no comment',
  '  orgUrl: https://dev-12345678.okta.com # placeholder: your Okta org',
  '',
].join('\n');

describe('readiness config', () => {
  it('outputs ready without placeholders', () => {
    writeWorkspaceFile('config/dev.yaml', readyConfig);
    const result = runStep({ workflow: 'Deploy', config: 'config/dev.yaml' });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=true\n');
    expect(result.summary).toBe('');
    expect(result.stdout).toBe('config/dev.yaml has no placeholders.\n');
  });

  it('lists each placeholder with file:line', () => {
    writeWorkspaceFile('config/dev.yaml', placeholderConfig);
    const result = runStep({ workflow: 'Deploy', environment: 'dev', config: 'config/dev.yaml' });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=false\n');
    expect(result.summary.match(/^## /gm)).toHaveLength(1);
    expect(result.summary).toContain('## Deploy: skipped, this repository is not set up yet');
    const rows = result.summary.split('\n').filter((line) => line.startsWith('| `config/'));
    expect(rows).toEqual([
      '| `config/dev.yaml:3` | `aws.accountId` | your 12-digit AWS account id |',
      '| `config/dev.yaml:8` | `aws.budgets.monthly.subscribers[0].address` | who gets the budget \\| alerts |',
      '| `config/dev.yaml:10` | `aws.github.repositoryId` |  |',
      '| `config/dev.yaml:14` | `okta.orgUrl` | your Okta org |',
    ]);
    expect(result.stdout).toBe(
      '::notice title=Repository not set up::Deploy skipped its cloud steps because config/dev.yaml has 4 placeholders. The job summary lists the set-up steps.\n',
    );
  });

  it('explains the set-up steps', () => {
    writeWorkspaceFile('config/prod.yaml', placeholderConfig);
    const result = runStep({ workflow: 'Deploy', environment: 'prod', config: 'config/prod.yaml' });
    expect(result.summary).toContain(
      "1. Edit the config `config/prod.yaml`: replace each placeholder with your fork's own value",
    );
    expect(result.summary).toContain(
      'your AWS account id, the repository and owner ids of your fork',
    );
    expect(result.summary).toContain(
      '2. In a clone, with administrator credentials of the AWS account, run `npm run bootstrap -- --env prod` once.',
    );
    expect(result.summary).toContain('3. Push the config.');
    expect(result.summary).toContain('4. Run this workflow again.');
    expect(result.summary).toContain('are optional overrides');
    expect(result.summary).not.toContain('| Variable |');
  });

  it('derives key paths from indentation', () => {
    const text = [
      '- name: first # placeholder: a top-level item',
      'list:',
      '- plain # placeholder: an item at its key indent',
      '- key: value',
      '  nested: value # placeholder: a key of the second item',
      "'quoted key': value # placeholder: a quoted key",
      '',
    ].join('\n');
    writeWorkspaceFile('config/dev.yaml', text);
    const result = runStep({ workflow: 'Deploy', config: 'config/dev.yaml' });
    const keys = result.summary
      .split('\n')
      .filter((line) => line.startsWith('| `config/'))
      .map((line) => line.split(' | ')[1]);
    expect(keys).toEqual(['`[0].name`', '`list[0]`', '`list[1].nested`', '`quoted key`']);
  });

  it('names the environment of the config', () => {
    writeWorkspaceFile('config/prod.yaml', placeholderConfig);
    const result = runStep({ workflow: 'Billing check', config: 'config/prod.yaml' });
    expect(result.summary).toContain('run `npm run bootstrap -- --env prod` once.');
    expect(result.summary).not.toContain('--env dev');
  });

  it('reports a missing file', () => {
    writeWorkspaceFile('config/dev.yaml', readyConfig);
    const result = runStep({
      workflow: 'Drift check',
      config: 'config/dev.yaml\nconfig/prod.yaml\n',
    });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=false\n');
    expect(result.summary).toContain('- config/prod.yaml not found');
    expect(result.summary).not.toContain('config/dev.yaml not found');
    expect(result.summary).toContain(
      "1. Add `config/prod.yaml`, for example as a copy of another environment's config",
    );
    expect(result.stdout).toBe(
      '::notice title=Repository not set up::Drift check skipped its cloud steps because config/prod.yaml was not found. The job summary lists the set-up steps.\n',
    );
  });

  it('combines config and variables', () => {
    writeWorkspaceFile('config/dev.yaml', placeholderConfig);
    const result = runStep({
      workflow: 'Deploy',
      environment: 'dev',
      config: 'config/dev.yaml',
      variables: 'AWS_REGION=\nOKTA_SECRET_NAME=example-backend-dev/okta\n',
    });
    expect(result.output).toBe('ready=false\n');
    expect(result.summary).toContain('| `config/dev.yaml:3` | `aws.accountId` |');
    expect(result.summary).toContain('| `AWS_REGION` |');
    expect(result.summary).toContain('**Settings > Environments > dev > Environment variables**');
    expect(result.stdout).toContain(
      'because 1 of 2 variables are not set: AWS_REGION; config/dev.yaml has 4 placeholders.',
    );
  });

  it('is ready when both are complete', () => {
    writeWorkspaceFile('config/dev.yaml', readyConfig);
    const result = runStep({ workflow: 'Deploy', config: 'config/dev.yaml', variables: allSet });
    expect(result.output).toBe('ready=true\n');
    expect(result.stdout).toBe('All 3 variables are set.\nconfig/dev.yaml has no placeholders.\n');
  });

  it('fails when both inputs are empty', () => {
    const result = runStep({ workflow: 'Deploy', config: '\n', variables: '' });
    expect(result.status).toBe(1);
    expect(result.output).toBe('');
    expect(result.summary).toBe('');
    expect(result.stdout).toBe(
      '::error title=Readiness check::Inputs "variables" and "config" are both empty. Set config to the config file the job reads, such as config/dev.yaml, or variables to one NAME=value line per variable.\n',
    );
  });

  it('fails on a folder', () => {
    mkdirSync(join(workspace, 'config'), { recursive: true });
    const result = runStep({ workflow: 'Deploy', config: 'config\n' });
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('Input "config" names config, which is a folder, not a file.');
  });

  it('fails on a path outside the workspace', () => {
    const result = runStep({ workflow: 'Deploy', config: '../secrets.yaml\n/etc/passwd\n' });
    expect(result.status).toBe(1);
    expect(result.output).toBe('');
    expect(result.stdout).toContain(
      'Input "config" is invalid: line 1 (../secrets.yaml) is not a path inside the workspace; line 2 (/etc/passwd) is not a path inside the workspace.',
    );
  });
});

/** A step of a workflow job that uses an action. */
interface ActionUse {
  uses?: string;
  with?: Record<string, string>;
}

/** A readiness step of a workflow file, with the inputs it passes. */
interface WorkflowCheck {
  readonly file: string;
  readonly job: string;
  readonly with: Record<string, string>;
}

const workflowDir = join(root, '.github/workflows');
const workflowChecks: WorkflowCheck[] = readdirSync(workflowDir)
  .filter((file) => file.endsWith('.yml'))
  .sort()
  .flatMap((file) => {
    const text = readFileSync(join(workflowDir, file), 'utf8');
    const jobs = (parse(text) as { jobs: Record<string, { steps?: ActionUse[] }> }).jobs;
    return Object.entries(jobs).flatMap(([job, body]) =>
      (body.steps ?? [])
        .filter((use) => use.uses === './actions/readiness')
        .map((use) => ({ file, job, with: use.with ?? {} })),
    );
  });

/**
 * Evaluates the `${{ ... }}` expressions of a readiness input as the runner would for a repository
 * whose variables are `vars`, in a run for `environment`: `github.base_ref` of a pull request,
 * `github.ref_name` of a push and `matrix.environment` of a matrix job are that environment. It
 * handles `vars.NAME`, `github.NAME` and `matrix.environment`, and fails on any other.
 */
function evaluate(text: string, vars: Record<string, string>, environment: string): string {
  const value = text.replace(
    /\$\{\{\s*(vars|github|matrix)\.(\w+)\s*\}\}/g,
    (match, context: string, name: string) => {
      if (context === 'vars') return vars[name] ?? '';
      if (context === 'matrix') return name === 'environment' ? environment : match;
      return name === 'base_ref' || name === 'ref_name' ? environment : `github-${name}`;
    },
  );
  expect(value, 'an expression this test cannot evaluate').not.toContain('${{');
  return value;
}

/** Returns the config paths a workflow check passes, evaluated for `environment`. */
function configPaths(check: WorkflowCheck, environment: string): string[] {
  return evaluate(check.with.config ?? '', {}, environment)
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/** Each workflow check in a run for dev and in one for prod. */
const workflowCases = workflowChecks.flatMap((check) =>
  ['dev', 'prod'].map((environment) => ({ ...check, environment })),
);

describe('readiness in the workflows', () => {
  it('finds the plan, deploy, drift and billing checks', () => {
    const places = workflowChecks.map((check) => `${check.file}:${check.job}`);
    expect(places).toContain('pull-request.yml:plan');
    expect(places).toContain('deploy.yml:deploy');
    expect(places).toContain('drift.yml:drift');
    expect(places).toContain('billing.yml:billing');
  });

  it('reads a config in every check', () => {
    for (const check of workflowCases) {
      expect(configPaths(check, check.environment), `${check.file} ${check.job}`).not.toEqual([]);
    }
  });

  // The template's own configs still have their placeholders, so a fresh fork is not ready.
  it.each(workflowCases)('skips an unset fork: $file $job $environment', (check) => {
    const inputs = Object.fromEntries(
      Object.entries(check.with).map(([name, value]) => [
        name,
        evaluate(value, {}, check.environment),
      ]),
    );
    const result = runStep(inputs, { GITHUB_WORKSPACE: root });
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=false\n');
    expect(result.summary.match(/^## /gm)).toHaveLength(1);
    for (const [, name] of (check.with.variables ?? '').matchAll(/^\s*(\w+)=/gm)) {
      expect(result.summary).toContain(`| \`${name}\` |`);
    }
    for (const path of configPaths(check, check.environment)) {
      expect(result.summary).toContain(`| \`${path}:`);
      expect(result.summary).toContain('| `aws.accountId` | your 12-digit AWS account id |');
    }
  });

  // A set-up fork has its own values in place of the placeholders. This copies the template's
  // configs with the placeholder comments removed.
  it.each(workflowCases)('runs a set-up repository: $file $job $environment', (check) => {
    for (const path of configPaths(check, check.environment)) {
      const text = readFileSync(join(root, path), 'utf8');
      writeWorkspaceFile(path, text.replace(/\s#\s*placeholder\b.*$/gim, ''));
    }
    const names = [...(check.with.variables ?? '').matchAll(/\$\{\{\s*vars\.(\w+)/g)].map(
      (match) => match[1]!,
    );
    const vars = Object.fromEntries(names.map((name) => [name, `value-of-${name}`]));
    const inputs = Object.fromEntries(
      Object.entries(check.with).map(([name, value]) => [
        name,
        evaluate(value, vars, check.environment),
      ]),
    );
    const result = runStep(inputs);
    expect(result.status).toBe(0);
    expect(result.output).toBe('ready=true\n');
    expect(result.summary).toBe('');
  });
});

describe('readiness script', () => {
  // The project's tsconfig does not include JavaScript, so this type-checks the script's JSDoc
  // types with the project's compiler options.
  it('passes the type checker', () => {
    const result = spawnSync(
      process.execPath,
      [
        join(root, 'node_modules/typescript/bin/tsc'),
        '--noEmit',
        '--allowJs',
        '--checkJs',
        '--strict',
        '--noUncheckedIndexedAccess',
        '--target',
        'ES2023',
        '--module',
        'NodeNext',
        '--moduleResolution',
        'NodeNext',
        '--types',
        'node',
        '--skipLibCheck',
        join(actionPath, 'readiness.mjs'),
      ],
      { encoding: 'utf8', cwd: root, timeout: 60_000 },
    );
    expect(result.stdout).toBe('');
    expect(result.status).toBe(0);
  });
});
