import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Plan, PlannedResource } from '../../actions/engine/plan-model.ts';
import { summarise } from '../../actions/engine/plan-model.ts';
import { readRunContext } from '../../actions/github/context.ts';
import { withProviderGroups } from '../../actions/github/groups.ts';
import { publishPlan } from '../../actions/github/publish-plan.ts';
import { maxCommentCharacters, planMarker } from '../../actions/github/sticky-comment.ts';
import { captureStdout, clientFor, startStandIn } from './helpers.ts';

function role(index: number, action: PlannedResource['action']): PlannedResource {
  return {
    address: `aws.roles.role${String(index).padStart(4, '0')}`,
    provider: 'aws',
    kind: 'aws:iam:Role',
    name: `example-backend-dev-${index}`,
    action,
    changes:
      action === 'no-op'
        ? []
        : [
            {
              path: 'description',
              before: undefined,
              after: `Role number ${index} ${'x'.repeat(200)}`,
            },
          ],
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

let summaryPath = '';

beforeAll(() => {
  // `core.summary` keeps the first path it reads, so every test here shares this file.
  summaryPath = join(mkdtempSync(join(tmpdir(), 'gitops-summary-')), 'summary.md');
});

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('publishPlan', () => {
  it('writes the summary and the sticky comment', async () => {
    const standIn = await startStandIn();
    const pull = standIn.addPullRequest({ headRef: 'dev' });
    writeFileSync(summaryPath, '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath);
    const plan = planOf([role(1, 'create'), role(2, 'no-op')]);
    const stdout = captureStdout();

    const result = await publishPlan({
      plan,
      context: readRunContext(standIn.runnerEnvironment()),
      client: clientFor(standIn),
    });

    expect(result.summaryWritten).toBe(true);
    expect(result.pullRequest).toBe(pull);
    expect(result.comment?.action).toBe('created');
    expect(readFileSync(summaryPath, 'utf8')).toMatch(/^## Plan for `dev`/);
    const comment = [...standIn.repository().comments.values()][0]?.body ?? '';
    expect(comment.startsWith(`${planMarker('dev')}\n## Plan for \`dev\``)).toBe(true);
    expect(comment).toContain('aws.roles.role0001');
    const lines = stdout.lines();
    const group = lines.indexOf('::group::Plan for dev');
    expect(group).toBeGreaterThanOrEqual(0);
    expect(lines.slice(group).join('\n')).toMatch(/aws\.roles\.role0001[\s\S]*::endgroup::/);
  });

  it('lets the renderer fit a long plan', async () => {
    const standIn = await startStandIn();
    standIn.addPullRequest({ headRef: 'dev' });
    writeFileSync(summaryPath, '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath);
    const plan = planOf(Array.from({ length: 600 }, (_, index) => role(index, 'create')));
    captureStdout();

    const result = await publishPlan({
      plan,
      context: readRunContext(standIn.runnerEnvironment()),
      client: clientFor(standIn),
    });

    const comment = [...standIn.repository().comments.values()][0]?.body ?? '';
    expect(comment.length).toBeLessThanOrEqual(maxCommentCharacters);
    expect(result.comment?.trimmed).toBe(false);
    expect(comment).toMatch(/This plan was trimmed to fit/);
    expect(readFileSync(summaryPath, 'utf8')).toContain('aws.roles.role0599');
  });

  it('writes only the summary without a pull request', async () => {
    const standIn = await startStandIn();
    writeFileSync(summaryPath, '');
    vi.stubEnv('GITHUB_STEP_SUMMARY', summaryPath);
    captureStdout();

    const result = await publishPlan({
      plan: planOf([role(1, 'update')]),
      context: readRunContext(standIn.runnerEnvironment()),
      client: clientFor(standIn),
    });

    expect(result).toEqual({ summaryWritten: true, pullRequest: undefined, comment: undefined });
    expect(standIn.requests.filter((request) => request.method !== 'GET')).toEqual([]);
  });
});

describe('withProviderGroups', () => {
  it('groups lines per provider', async () => {
    const stdout = captureStdout();

    await withProviderGroups(['aws', 'atlas', 'okta'], async (log) => {
      log.info('atlas.clusters.main: observed');
      log.info('aws.roles.lambda: observed');
      log.info('planning 3 resources');
      log.warning('aws.functions.api: ignored field');
      log.debug('atlas.projects.dev: GET /api/atlas/v2/groups');
      await Promise.resolve();
    });

    expect(stdout.lines()).toEqual([
      'planning 3 resources',
      '::group::aws',
      'aws.roles.lambda: observed',
      '::warning::aws.functions.api: ignored field',
      '::endgroup::',
      '::group::atlas',
      'atlas.clusters.main: observed',
      '::debug::atlas.projects.dev: GET /api/atlas/v2/groups',
      '::endgroup::',
    ]);
  });

  it('writes the groups when the body throws', async () => {
    const stdout = captureStdout();

    const attempt = withProviderGroups(['okta'], (log) => {
      log.info('okta.apps.spa: created');
      return Promise.reject(new Error('okta.trustedOrigins.docs failed'));
    });

    await expect(attempt).rejects.toThrow('okta.trustedOrigins.docs failed');
    expect(stdout.lines()).toEqual(['::group::okta', 'okta.apps.spa: created', '::endgroup::']);
  });
});
