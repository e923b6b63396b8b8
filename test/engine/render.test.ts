import { readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Plan } from '../../actions/engine/plan-model.ts';
import { renderApplyJson, renderPlanJson } from '../../actions/engine/render/json.ts';
import {
  githubCommentLimit,
  renderApplyMarkdown,
  renderPlanMarkdown,
} from '../../actions/engine/render/markdown.ts';
import {
  renderApplyText,
  renderOutputsText,
  renderPlanText,
} from '../../actions/engine/render/text.ts';
import { createWorld, seedConfig, seedSections } from './world.ts';

const fixtures = new URL('../fixtures/plans/', import.meta.url);

/**
 * Compares with a golden file; `UPDATE_GOLDEN=1` rewrites it instead. Golden files end in
 * `.golden` so Prettier leaves their bytes alone.
 */
async function expectGolden(name: string, actual: string): Promise<void> {
  const file = new URL(name, fixtures);
  if (process.env.UPDATE_GOLDEN === '1') {
    await writeFile(file, actual);
  }
  expect(actual).toBe(await readFile(file, 'utf8'));
}

async function planFromEmpty(): Promise<Plan> {
  const world = createWorld();
  return world.engine.plan(seedConfig());
}

/** Makes one plan with every kind of action: create, update, replace, no-op, prune delete. */
async function mixedPlan(): Promise<Plan> {
  const world = createWorld({
    secrets: { resolve: () => Promise.resolve('correct-horse-battery') },
  });
  await world.engine.apply(await world.engine.plan(seedConfig()));
  world.cloud.seed('aws:iam:Role', { name: 'old-role' }, 'dev/aws.roles.old');
  const sections = seedSections() as {
    aws: {
      roles: Record<string, Record<string, unknown>>;
      functions: { api: { memorySize: number; environment: Record<string, string> } };
    };
  };
  sections.aws.roles.lambda!.path = '/service/';
  sections.aws.roles.extra = { name: 'extra<dev>', tags: ['a|b', '`code`'] };
  sections.aws.functions.api.memorySize = 1024;
  sections.aws.functions.api.environment.DB_PASSWORD = '${secret:env:DB_PASSWORD}';
  return world.engine.plan(seedConfig({ sections, prune: true }));
}

describe('renderers', () => {
  it('renders a first plan as text', async () => {
    await expectGolden('fake-from-empty.txt.golden', renderPlanText(await planFromEmpty()));
  });

  it('renders a mixed plan as text', async () => {
    await expectGolden('fake-mixed.txt.golden', renderPlanText(await mixedPlan()));
  });

  it('renders a mixed plan as Markdown', async () => {
    await expectGolden('fake-mixed.md.golden', renderPlanMarkdown(await mixedPlan()));
  });

  it('renders a mixed plan as JSON', async () => {
    await expectGolden('fake-mixed.json.golden', renderPlanJson(await mixedPlan()));
  });

  it('gives the same bytes twice', async () => {
    const first = await mixedPlan();
    const second = await mixedPlan();
    expect(renderPlanText(first)).toBe(renderPlanText(second));
    expect(renderPlanMarkdown(first)).toBe(renderPlanMarkdown(second));
    expect(renderPlanJson(first)).toBe(renderPlanJson(second));
  });

  it('never prints secret values', async () => {
    const plan = await mixedPlan();
    for (const text of [renderPlanText(plan), renderPlanMarkdown(plan), renderPlanJson(plan)]) {
      expect(text).not.toContain('correct-horse-battery');
      expect(text).not.toContain('very-secret');
      expect(text).toContain('(sensitive)');
    }
  });

  it('colours only when asked', async () => {
    const plan = await mixedPlan();
    expect(renderPlanText(plan)).not.toContain('\u001b[');
    expect(renderPlanText(plan, { color: true })).toContain('\u001b[32m');
  });

  it('escapes HTML and table cells', async () => {
    const markdown = renderPlanMarkdown(await mixedPlan());
    expect(markdown).toContain('aws:iam:Role extra&lt;dev&gt;</summary>');
    expect(markdown).not.toContain('extra<dev></summary>');
  });

  it('starts JSON with the version', async () => {
    const json = renderPlanJson(await mixedPlan());
    expect(json.startsWith('{\n  "version": 1,\n  "environment": "dev",')).toBe(true);
    expect((JSON.parse(json) as { version: number }).version).toBe(1);
  });

  it('says when nothing changes', async () => {
    const world = createWorld();
    await world.engine.apply(await world.engine.plan(seedConfig()));
    const plan = await world.engine.plan(seedConfig());
    expect(renderPlanText(plan).split('\n')[0]).toBe('No changes for dev: 4 unchanged.');
  });

  it('renders apply results', async () => {
    const world = createWorld();
    const result = await world.engine.apply(await world.engine.plan(seedConfig()));
    await expectGolden(
      'fake-apply.txt.golden',
      renderApplyText(result) + '\n' + renderOutputsText(result.outputs),
    );
    await expectGolden('fake-apply.md.golden', renderApplyMarkdown(result));
    await expectGolden('fake-apply.json.golden', renderApplyJson(result));
  });
});

describe('Markdown trimming', () => {
  async function largePlan(count: number): Promise<Plan> {
    const world = createWorld({ concurrency: 8 });
    const roles: Record<string, unknown> = {};
    for (let index = 0; index < count; index++) {
      roles[`role${String(index).padStart(4, '0')}`] = {
        name: `role-${index}`,
        description: 'x'.repeat(200),
      };
    }
    return world.engine.plan(seedConfig({ sections: { aws: { roles } } }));
  }

  it('stays under the comment limit', async () => {
    const plan = await largePlan(600);
    const markdown = renderPlanMarkdown(plan);
    expect(markdown.length).toBeLessThan(githubCommentLimit);
    expect(markdown).toContain('| **Total** | 600 | 0 | 0 | 0 | 0 | 0 |');
    expect(markdown).toContain('This plan was trimmed to fit in 65,536 characters');
    expect(markdown).not.toContain('```mermaid');
  });

  it('keeps the details that fit', async () => {
    const plan = await largePlan(600);
    const markdown = renderPlanMarkdown(plan);
    expect(markdown).toContain('<details>');
    expect(markdown).toMatch(/the details of \d+ of 600 changed resources were left out/);
  });

  it('keeps the counts when little fits', async () => {
    const plan = await largePlan(50);
    const markdown = renderPlanMarkdown(plan, { maxLength: 1_500 });
    expect(markdown.length).toBeLessThan(1_500);
    expect(markdown).toContain('| **Total** | 50 |');
    expect(markdown).toContain('trimmed');
  });

  it('leaves small plans whole', async () => {
    const markdown = renderPlanMarkdown(await planFromEmpty());
    expect(markdown).not.toContain('trimmed');
    expect(markdown).toContain('```mermaid');
  });
});
