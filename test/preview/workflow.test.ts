// Static checks of .github/workflows/preview.yml that actionlint cannot make: which events run
// which job, that forks never reach a job with a role, the permissions of each job, and that
// nothing cancels a removal.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Job {
  if?: string;
  needs?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean | string };
  steps: Array<{ uses?: string; with?: Record<string, string> }>;
}

interface Workflow {
  on: Record<string, unknown>;
  permissions: Record<string, string>;
  concurrency: { group: string; 'cancel-in-progress': string };
  jobs: Record<string, Job>;
}

const root = new URL('../../', import.meta.url);
const workflow = parse(
  readFileSync(new URL('.github/workflows/preview.yml', root), 'utf8'),
) as Workflow;
const deployWorkflow = readFileSync(new URL('.github/workflows/deploy.yml', root), 'utf8');

function previewStep(job: Job) {
  return job.steps.find((step) => step.uses === './actions/preview');
}

describe('preview workflow', () => {
  it('runs on pull requests to dev', () => {
    expect(Object.keys(workflow.on).sort()).toEqual([
      'pull_request',
      'schedule',
      'workflow_dispatch',
    ]);
    expect(workflow.on.pull_request).toEqual({
      types: ['opened', 'synchronize', 'reopened', 'closed'],
      branches: ['dev'],
    });
  });

  // Each job runs the mode of its own name.
  it.each(['deploy', 'remove', 'sweep'])('gates the %s job', (mode) => {
    const job = workflow.jobs[mode]!;
    expect(job.needs).toBe('readiness');
    expect(job.if).toContain("needs.readiness.outputs.ready == 'true'");
    if (mode !== 'sweep') {
      expect(job.if).toContain(
        'github.event.pull_request.head.repo.full_name == github.repository',
      );
    }
    expect(previewStep(job)?.with?.mode).toBe(mode);
    // No role input: the action reads aws.github.previewRole from the config.
    expect(previewStep(job)?.with?.role_arn).toBeUndefined();
    expect(previewStep(job)?.with?.environment).toMatch(
      /^(dev|\$\{\{ github\.event\.pull_request\.base\.ref \}\})$/,
    );
  });

  it('gates on the dev config', () => {
    const check = workflow.jobs.readiness!.steps.find(
      (step) => step.uses === './actions/readiness',
    );
    expect(check?.with?.config).toBe('config/dev.yaml');
    expect(check?.with?.variables).toBeUndefined();
  });

  it('grants each job the least permissions', () => {
    expect(workflow.permissions).toEqual({ contents: 'read' });
    expect(workflow.jobs.readiness!.permissions).toEqual({ contents: 'read' });
    for (const name of ['deploy', 'remove', 'sweep']) {
      expect(workflow.jobs[name]!.permissions, name).toEqual({
        contents: 'read',
        'id-token': 'write',
        'pull-requests': 'write',
      });
    }
  });

  it('never cancels a removal', () => {
    // Workflow level: a deploy run cancels the older deploy run of its pull request only.
    expect(workflow.concurrency.group).toContain("'remove'");
    expect(workflow.concurrency['cancel-in-progress']).toBe(
      "${{ github.event_name == 'pull_request' && github.event.action != 'closed' }}",
    );
    // Job level: a deploy and a removal of one pull request queue behind each other.
    for (const name of ['deploy', 'remove']) {
      expect(workflow.jobs[name]!.concurrency).toEqual({
        group: 'preview-pr-${{ github.event.pull_request.number }}',
        'cancel-in-progress': false,
      });
    }
  });

  it('pins actions as deploy.yml does', () => {
    const uses = Object.values(workflow.jobs)
      .flatMap((job) => job.steps)
      .map((step) => step.uses)
      .filter((value): value is string => value !== undefined && !value.startsWith('./'));
    expect(uses.length).toBeGreaterThan(0);
    for (const value of uses) {
      expect(value).toMatch(/@[0-9a-f]{40}$/);
      expect(deployWorkflow).toContain(value);
    }
  });
});
