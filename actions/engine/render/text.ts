// The plan for a terminal: one line per resource and field, colour only when asked for (a TTY).
import type { ApplyResult, Plan, PlannedResource } from '../plan-model.ts';
import { actionSymbols, describeDeferred, describeSummary, formatValue } from './values.ts';

export interface TextOptions {
  /** ANSI colours; pass true only when the output is a TTY and NO_COLOR is not set. */
  readonly color?: boolean;
}

const colours = {
  green: '\u001b[32m',
  yellow: '\u001b[33m',
  red: '\u001b[31m',
  magenta: '\u001b[35m',
  dim: '\u001b[2m',
  bold: '\u001b[1m',
  reset: '\u001b[0m',
} as const;

type Colour = keyof typeof colours;

function painter(enabled: boolean) {
  return (colour: Colour, text: string) =>
    enabled ? `${colours[colour]}${text}${colours.reset}` : text;
}

const actionColours: Record<PlannedResource['action'], Colour> = {
  create: 'green',
  update: 'yellow',
  replace: 'magenta',
  delete: 'red',
  'no-op': 'dim',
  conflict: 'red',
};

function renderResource(resource: PlannedResource, paint: ReturnType<typeof painter>): string[] {
  const symbol = actionSymbols[resource.action];
  const id = resource.id === undefined ? '' : ` (id ${resource.id})`;
  const lines = [
    paint(actionColours[resource.action], `  ${symbol} ${resource.address}`) +
      `  ${resource.kind} ${resource.name}${id}`,
  ];
  if (resource.conflict !== undefined) {
    lines.push(paint('red', `      conflict: ${resource.conflict}`));
  }
  if (resource.adopt !== undefined) {
    lines.push(`      adopt: ${resource.adopt}`);
  }
  const forcing = new Set(resource.replaceBecause ?? []);
  for (const change of resource.changes) {
    const note = forcing.has(change.path) ? paint('magenta', ' (forces replacement)') : '';
    if (resource.action === 'create' || change.before === undefined) {
      lines.push(`      + ${change.path} = ${formatValue(change.after)}${note}`);
    } else {
      lines.push(
        `      ~ ${change.path}: ${formatValue(change.before)} -> ${formatValue(change.after)}${note}`,
      );
    }
  }
  for (const field of resource.deferred ?? []) {
    lines.push(paint('dim', `      ${describeDeferred(field)}`));
  }
  return lines;
}

/** Renders a plan for a terminal; the same plan always gives the same text. */
export function renderPlanText(plan: Plan, options: TextOptions = {}): string {
  const paint = painter(options.color === true);
  const lines = [paint('bold', describeSummary(plan.environment, plan.summary))];
  const providers = [...new Set(plan.resources.map((resource) => resource.provider))];
  for (const provider of providers) {
    const resources = plan.resources.filter((resource) => resource.provider === provider);
    const changed = resources.filter((resource) => resource.action !== 'no-op');
    const unchanged = resources.filter((resource) => resource.action === 'no-op');
    lines.push('', paint('bold', provider));
    for (const resource of changed) {
      lines.push(...renderResource(resource, paint));
    }
    if (unchanged.length > 0) {
      lines.push(
        paint('dim', `  = unchanged: ${unchanged.map((resource) => resource.address).join(', ')}`),
      );
    }
  }
  const deletes = plan.pruned.filter((resource) => resource.action === 'delete');
  const retained = plan.pruned.filter((resource) => resource.action === 'retain');
  if (deletes.length > 0) {
    lines.push('', paint('bold', 'prune (prune: true)'));
    for (const resource of deletes) {
      lines.push(
        paint('red', `  - ${resource.address}`) +
          `  ${resource.kind} ${resource.name} (id ${resource.id}): ${resource.reason}`,
      );
    }
  }
  if (retained.length > 0) {
    lines.push('', paint('bold', 'not in the config, kept (prune: false)'));
    for (const resource of retained) {
      lines.push(
        `    ${resource.address}  ${resource.kind} ${resource.name} (id ${resource.id}): ${resource.reason}`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Renders an apply result for a terminal. */
export function renderApplyText(result: ApplyResult, options: TextOptions = {}): string {
  const paint = painter(options.color === true);
  const counts = { done: 0, unchanged: 0, failed: 0, skipped: 0 };
  const lines: string[] = [];
  for (const resource of result.resources) {
    counts[resource.status]++;
    if (resource.status === 'unchanged') {
      continue;
    }
    const colour: Colour = resource.status === 'done' ? 'green' : 'red';
    const message = resource.message === undefined ? '' : `: ${resource.message}`;
    lines.push(
      paint(colour, `  ${resource.status} ${resource.action} ${resource.address}`) + message,
    );
  }
  const verdict = result.succeeded ? 'Apply succeeded' : 'Apply failed';
  const summary = `${verdict} for ${result.environment}: ${counts.done} applied, ${counts.unchanged} unchanged, ${counts.failed} failed, ${counts.skipped} skipped.`;
  return `${[paint('bold', summary), ...lines].join('\n')}\n`;
}

/** Renders outputs as `address.name = value` lines, sorted. */
export function renderOutputsText(outputs: ApplyResult['outputs']): string {
  const lines: string[] = [];
  for (const address of Object.keys(outputs).sort()) {
    for (const [name, value] of Object.entries(outputs[address]!).sort(([a], [b]) =>
      a < b ? -1 : 1,
    )) {
      lines.push(`${address}.${name} = ${formatValue(value)}`);
    }
  }
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
