// Formatting of plan values, shared by every format. Secrets arrive already masked by the plan.
import { isUnknown } from '../provider.ts';
import type { SpecValue } from '../provider.ts';
import type { ActionCounts, DeferredField, PlanAction, PlanSummary } from '../plan-model.ts';

export const knownAfterApply = '(known after apply)';

/** Prints a spec value on one line: JSON with sorted keys, `(known after apply)` for unknowns. */
export function formatValue(value: SpecValue | undefined): string {
  if (value === undefined) {
    return '(not set)';
  }
  if (isUnknown(value)) {
    return knownAfterApply;
  }
  if (Array.isArray(value)) {
    return `[${value.map((item) => formatValue(item)).join(', ')}]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.keys(value)
      .sort()
      .map(
        (key) =>
          `${/^[A-Za-z_$][\w$-]*$/.test(key) ? key : JSON.stringify(key)}: ${formatValue(value[key])}`,
      );
    return `{${entries.join(', ')}}`;
  }
  return JSON.stringify(value);
}

/** The symbol that starts a resource line, as Terraform users know them. */
export const actionSymbols: Readonly<Record<PlanAction, string>> = {
  create: '+',
  update: '~',
  replace: '-/+',
  delete: '-',
  'no-op': ' ',
  conflict: '!',
};

/** Describes the counts in one sentence: `2 to create, 1 to update, 0 to replace, 0 to delete`. */
export function describeCounts(counts: ActionCounts): string {
  return `${counts.create} to create, ${counts.update} to update, ${counts.replace} to replace, ${counts.delete} to delete`;
}

/** Describes a plan in one summary sentence. */
export function describeSummary(environment: string, summary: PlanSummary): string {
  const tail: string[] = [`${summary.total['no-op']} unchanged`];
  if (summary.total.conflict > 0) {
    tail.push(`${summary.total.conflict} in conflict`);
  }
  if (!summary.changes && summary.total.conflict === 0) {
    return `No changes for ${environment}: ${tail.join(', ')}.`;
  }
  return `Plan for ${environment}: ${describeCounts(summary.total)}, ${tail.join(', ')}.`;
}

/** Says when a deferred field is applied: `environment is applied once a and b exist`. */
export function describeDeferred(field: DeferredField): string {
  const names = field.after;
  const list =
    names.length <= 1
      ? (names[0] ?? 'its references')
      : `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
  return `${field.path} is applied once ${list} ${names.length === 1 ? 'exists' : 'exist'}`;
}
