// The plan as Markdown for pull-request comments and job summaries: counts per provider,
// collapsible details per resource, and a Mermaid graph of the apply order. GitHub rejects
// comments of 65,536 characters or more, so the output is trimmed to fit and states that it was.
import type { ActionCounts, ApplyResult, Plan, PlannedResource } from '../plan-model.ts';
import { planActions } from '../plan-model.ts';
import { actionSymbols, describeDeferred, describeSummary, formatValue } from './values.ts';

/** GitHub's maximum comment body length, in characters. */
export const githubCommentLimit = 65_536;

export interface MarkdownOptions {
  /** The output is kept strictly shorter than this. Default: GitHub's comment limit. */
  readonly maxLength?: number;
  /** Heading text; default `Plan for <environment>`. */
  readonly title?: string;
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function escapeCell(text: string): string {
  return escapeHtml(text).replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

/** Wraps `body` in a code fence longer than any backtick run inside it. */
function fenced(language: string, body: string): string {
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${body}\n${fence}`;
}

const headers: Record<(typeof planActions)[number], string> = {
  create: 'Create',
  update: 'Update',
  replace: 'Replace',
  delete: 'Delete',
  'no-op': 'Unchanged',
  conflict: 'Conflict',
};

function countsTable(plan: Plan): string {
  const row = (label: string, counts: ActionCounts) =>
    `| ${label} | ${planActions.map((action) => counts[action]).join(' | ')} |`;
  const lines = [
    `| Provider | ${planActions.map((action) => headers[action]).join(' | ')} |`,
    `| --- | ${planActions.map(() => '---:').join(' | ')} |`,
    ...Object.entries(plan.summary.byProvider).map(([provider, counts]) =>
      row(escapeCell(provider), counts),
    ),
    row('**Total**', plan.summary.total),
  ];
  return lines.join('\n');
}

function diffBody(resource: PlannedResource): string {
  const lines: string[] = [];
  if (resource.conflict !== undefined) {
    lines.push(`! conflict: ${resource.conflict}`);
  }
  if (resource.adopt !== undefined) {
    lines.push(`~ adopt: ${resource.adopt}`);
  }
  const forcing = new Set(resource.replaceBecause ?? []);
  for (const change of resource.changes) {
    const note = forcing.has(change.path) ? ' (forces replacement)' : '';
    if (resource.action === 'create' || change.before === undefined) {
      lines.push(`+ ${change.path} = ${formatValue(change.after)}${note}`);
    } else {
      lines.push(`- ${change.path} = ${formatValue(change.before)}`);
      lines.push(`+ ${change.path} = ${formatValue(change.after)}${note}`);
    }
  }
  for (const field of resource.deferred ?? []) {
    lines.push(`# ${describeDeferred(field)}`);
  }
  return lines.join('\n');
}

function summaryLine(resource: PlannedResource): string {
  const id = resource.id === undefined ? '' : ` id ${escapeHtml(resource.id)}`;
  return `<code>${escapeHtml(actionSymbols[resource.action])} ${resource.action}</code> <code>${escapeHtml(resource.address)}</code> ${escapeHtml(resource.kind)} ${escapeHtml(resource.name)}${id}`;
}

function details(resource: PlannedResource): string {
  return `<details><summary>${summaryLine(resource)}</summary>\n\n${fenced('diff', diffBody(resource))}\n\n</details>`;
}

function mermaidLabel(text: string): string {
  return text.replace(/"/g, '#quot;');
}

/** Draws a left-to-right graph with an arrow from each resource to the ones that wait for it. */
function mermaid(plan: Plan): string {
  const ids = new Map(plan.resources.map((resource, index) => [resource.address, `r${index}`]));
  const lines = ['flowchart LR'];
  for (const resource of plan.resources) {
    lines.push(
      `  ${ids.get(resource.address)}["${mermaidLabel(resource.address)}<br/>${resource.action}"]`,
    );
  }
  for (const resource of plan.resources) {
    for (const dependency of resource.dependsOn) {
      if (ids.has(dependency)) {
        lines.push(`  ${ids.get(dependency)} --> ${ids.get(resource.address)}`);
      }
    }
    for (const field of resource.deferred ?? []) {
      for (const after of field.after) {
        if (ids.has(after)) {
          lines.push(
            `  ${ids.get(after)} -. ${mermaidLabel(field.path)} .-> ${ids.get(resource.address)}`,
          );
        }
      }
    }
  }
  const classes: Record<string, string> = {
    create: 'fill:#dafbe1,stroke:#1a7f37',
    update: 'fill:#fff8c5,stroke:#9a6700',
    replace: 'fill:#fbefff,stroke:#8250df',
    conflict: 'fill:#ffebe9,stroke:#cf222e',
  };
  for (const [action, style] of Object.entries(classes)) {
    const members = plan.resources
      .filter((resource) => resource.action === action)
      .map((resource) => ids.get(resource.address));
    if (members.length > 0) {
      lines.push(`  classDef ${action} ${style}`, `  class ${members.join(',')} ${action}`);
    }
  }
  return fenced('mermaid', lines.join('\n'));
}

function pruneSection(plan: Plan): string | undefined {
  if (plan.pruned.length === 0) {
    return undefined;
  }
  const enabled = plan.pruned.some((resource) => resource.action === 'delete');
  const heading = enabled
    ? '### Prune: owned resources no longer in the config'
    : '### Not in the config, kept because `prune: false`';
  const rows = plan.pruned.map(
    (resource) =>
      `| ${resource.action === 'delete' ? '`- delete`' : 'keep'} | \`${escapeCell(resource.address)}\` | ${escapeCell(resource.kind)} | ${escapeCell(resource.name)} | ${escapeCell(resource.id)} | ${escapeCell(resource.reason)} |`,
  );
  return [
    heading,
    '',
    '| Action | Address | Kind | Name | Id | Reason |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows,
  ].join('\n');
}

/**
 * Renders a plan as Markdown, strictly shorter than `maxLength`. When the whole does not fit, it
 * drops the graph, then resource details from the end (keeping one line per resource), then
 * those lines, always keeping the counts and saying what was trimmed.
 */
export function renderPlanMarkdown(plan: Plan, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? githubCommentLimit;
  const title = options.title ?? `Plan for \`${plan.environment}\``;
  const head = [
    `## ${title}`,
    '',
    `**${escapeHtml(describeSummary(plan.environment, plan.summary))}**`,
    '',
    countsTable(plan),
  ].join('\n');
  const changed = plan.resources.filter((resource) => resource.action !== 'no-op');
  const unchanged = plan.resources.filter((resource) => resource.action === 'no-op');
  const unchangedLine =
    unchanged.length === 0
      ? undefined
      : `Unchanged: ${unchanged.map((resource) => `\`${resource.address}\``).join(', ')}`;
  const prune = pruneSection(plan);
  const graph = plan.resources.length === 0 ? undefined : `### Apply order\n\n${mermaid(plan)}`;

  const assemble = (
    detailed: number,
    listed: number,
    withGraph: boolean,
    trimmedNote: string | undefined,
  ) => {
    const parts = [head];
    if (changed.length > 0) {
      const items = changed
        .slice(0, listed)
        .map((resource, index) =>
          index < detailed ? details(resource) : `- ${summaryLine(resource)}`,
        );
      if (listed < changed.length) {
        items.push(`- … and ${changed.length - listed} more changed resources`);
      }
      parts.push(`### Changes\n\n${items.join('\n')}`);
    }
    if (unchangedLine !== undefined && listed === changed.length) {
      parts.push(unchangedLine);
    }
    if (prune !== undefined && listed === changed.length) {
      parts.push(prune);
    }
    if (withGraph && graph !== undefined) {
      parts.push(graph);
    }
    if (trimmedNote !== undefined) {
      parts.push(trimmedNote);
    }
    return `${parts.join('\n\n')}\n`;
  };

  const full = assemble(changed.length, changed.length, true, undefined);
  if (full.length < maxLength) {
    return full;
  }
  const note = (what: string) =>
    `> [!NOTE]\n> This plan was trimmed to fit in ${maxLength.toLocaleString('en-US')} characters: ${what}. The job log has the full plan.`;
  const fits = (text: string) => text.length < maxLength;

  for (let detailed = changed.length; detailed >= 0; detailed--) {
    const text = assemble(
      detailed,
      changed.length,
      false,
      note(
        `the apply-order graph and the details of ${changed.length - detailed} of ${changed.length} changed resources were left out`,
      ),
    );
    if (fits(text)) {
      return text;
    }
  }
  for (let listed = changed.length - 1; listed >= 0; listed--) {
    const text = assemble(
      0,
      listed,
      false,
      note(`only the counts and ${listed} of ${changed.length} changed resources are shown`),
    );
    if (fits(text)) {
      return text;
    }
  }
  const minimal = `${head}\n\n${note('only the counts are shown')}\n`;
  return fits(minimal) ? minimal : `${minimal.slice(0, maxLength - 2)}\n`;
}

/** Renders an apply result as Markdown. */
export function renderApplyMarkdown(result: ApplyResult, options: MarkdownOptions = {}): string {
  const maxLength = options.maxLength ?? githubCommentLimit;
  const verdict = result.succeeded ? 'succeeded' : 'failed';
  const rows = result.resources
    .filter((resource) => resource.status !== 'unchanged')
    .map(
      (resource) =>
        `| \`${escapeCell(resource.address)}\` | ${resource.action} | ${resource.status} | ${escapeCell(resource.message ?? '')} |`,
    );
  const unchanged = result.resources.length - rows.length;
  const lines = [`## ${options.title ?? `Apply for \`${result.environment}\` ${verdict}`}`, ''];
  if (rows.length > 0) {
    lines.push(
      '| Resource | Action | Status | Message |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    );
  }
  lines.push(`${unchanged} resource${unchanged === 1 ? '' : 's'} unchanged.`);
  const text = `${lines.join('\n')}\n`;
  if (text.length < maxLength) {
    return text;
  }
  const trimmed = `${lines.slice(0, 2).join('\n')}\n${rows.length} resources changed; the table did not fit in ${maxLength.toLocaleString('en-US')} characters, and the job log has it.\n`;
  return trimmed;
}
