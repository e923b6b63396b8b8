// The drift issue's body as a value: a plan too large for GitHub's body limit is rendered short
// enough to fit with its marker and the pointer to the run, and keeps its counts.
import { describe, expect, it } from 'vitest';
import { hasDrift, renderDriftReport } from '../../actions/drift/run.ts';
import { checkMarker } from '../../actions/github/check-issues.ts';
import { maxCommentCharacters } from '../../actions/github/sticky-comment.ts';
import { summarise } from '../../actions/engine/plan-model.ts';
import type { Plan, PlannedResource } from '../../actions/engine/plan-model.ts';

const runUrl = 'https://github.com/octo-org/example-backend/actions/runs/8000000001';

function role(index: number, action: PlannedResource['action']): PlannedResource {
  return {
    address: `aws.roles.role${index}`,
    provider: 'aws',
    kind: 'aws:iam:Role',
    name: `role${index}`,
    action,
    id: `role${index}`,
    changes:
      action === 'update'
        ? [{ path: 'description', before: 'x'.repeat(400), after: 'y'.repeat(400) }]
        : [],
    dependsOn: [],
  };
}

function planOf(resources: PlannedResource[]): Plan {
  return {
    version: 1,
    environment: 'dev',
    prune: false,
    resources,
    pruned: [],
    summary: summarise(resources, []),
    outputs: {},
  };
}

describe('renderDriftReport', () => {
  it('fits a large plan in one body', () => {
    const plan = planOf(Array.from({ length: 400 }, (_, index) => role(index, 'update')));

    const report = renderDriftReport(plan, runUrl);
    const body = `${checkMarker('drift', 'dev')}\n${report}`;

    expect(body.length).toBeLessThan(maxCommentCharacters);
    expect(report).toContain('## Drift in `dev`');
    expect(report).toContain('This plan was trimmed to fit');
    expect(report).toMatch(/\| \*\*Total\*\* \| 0 \| 400 \|/);
    expect(
      report.endsWith(
        `Found by the drift check in ${runUrl}. Apply the config or change it to match, and the next clean check closes this issue.`,
      ),
    ).toBe(true);
  });
});

describe('hasDrift', () => {
  it('is false for a plan without changes', () => {
    expect(hasDrift(planOf([role(1, 'no-op')]))).toBe(false);
  });

  it('is true for an update', () => {
    expect(hasDrift(planOf([role(1, 'no-op'), role(2, 'update')]))).toBe(true);
  });

  it('is true for a conflict', () => {
    expect(hasDrift(planOf([role(1, 'conflict')]))).toBe(true);
  });
});
