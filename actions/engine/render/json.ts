// The plan as JSON for machines: `{ "version": 1, ... }` with a fixed top-level key order and
// sorted keys below it, so the same plan always gives the same bytes.
import type { Problem } from '../config/problems.ts';
import type { ApplyResult, Plan } from '../plan-model.ts';

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(sortKeys);
  }
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const item = (value as Record<string, unknown>)[key];
      if (item !== undefined) {
        result[key] = sortKeys(item);
      }
    }
    return result;
  }
  return value;
}

function ordered(value: object, order: readonly string[]): string {
  const record = value as Record<string, unknown>;
  const result: Record<string, unknown> = {};
  for (const key of order) {
    if (record[key] !== undefined) {
      result[key] = sortKeys(record[key]);
    }
  }
  for (const key of Object.keys(record).sort()) {
    if (!(key in result) && record[key] !== undefined) {
      result[key] = sortKeys(record[key]);
    }
  }
  return `${JSON.stringify(result, null, 2)}\n`;
}

export function renderPlanJson(plan: Plan): string {
  return ordered(plan, [
    'version',
    'environment',
    'prune',
    'summary',
    'resources',
    'pruned',
    'outputs',
  ]);
}

export function renderApplyJson(result: ApplyResult): string {
  return ordered(result, ['version', 'environment', 'succeeded', 'resources', 'outputs']);
}

export function renderOutputsJson(environment: string, outputs: ApplyResult['outputs']): string {
  return ordered({ version: 1, environment, outputs }, ['version', 'environment', 'outputs']);
}

export function renderProblemsJson(problems: readonly Problem[], valid: boolean): string {
  return ordered({ version: 1, valid, problems }, ['version', 'valid', 'problems']);
}
