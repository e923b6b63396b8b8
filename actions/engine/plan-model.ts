// The plan and apply results as values: serialisable, sorted, without timestamps or secret
// values, so the same config and the same vendor state give the same bytes.
import type { FieldChange, SpecValue, Unknown } from './provider.ts';

export type PlanAction = 'create' | 'update' | 'replace' | 'delete' | 'no-op' | 'conflict';

export const planActions: readonly PlanAction[] = [
  'create',
  'update',
  'replace',
  'delete',
  'no-op',
  'conflict',
];

/** A field left out of the first write and applied once the resources it references exist. */
export interface DeferredField {
  /** Field rule key, such as `environment`. */
  readonly path: string;
  /** Addresses whose outputs the field waits for. */
  readonly after: readonly string[];
}

/** The planned action for one resource of the config. */
export interface PlannedResource {
  readonly address: string;
  readonly provider: string;
  readonly kind: string;
  readonly name: string;
  readonly action: PlanAction;
  /** Vendor id of the existing resource, when there is one. */
  readonly id?: string;
  /** Per-field differences; for a create, every desired field. Sensitive values are masked. */
  readonly changes: readonly FieldChange[];
  /** For a replace: the changed fields that cannot be updated in place. */
  readonly replaceBecause?: readonly string[];
  readonly deferred?: readonly DeferredField[];
  /** For a foreign resource the provider proved ours: the proof. Apply writes the marker. */
  readonly adopt?: string;
  /** For a conflict: why the engine will not touch the resource and what to do. */
  readonly conflict?: string;
  /** Addresses this resource waits for during apply. */
  readonly dependsOn: readonly string[];
}

/** An owned resource that is no longer in the config. */
export interface PrunedResource {
  readonly address: string;
  readonly provider: string;
  readonly kind: string;
  readonly name: string;
  readonly id: string;
  /** `delete` when the config sets `prune: true`, otherwise `retain`. */
  readonly action: 'delete' | 'retain';
  readonly reason: string;
}

export type OutputValue = string | number | boolean | Unknown;

export type ActionCounts = Record<PlanAction, number>;

export interface PlanSummary {
  /** Whether apply would write anything. */
  readonly changes: boolean;
  readonly total: ActionCounts;
  /** Counts per provider, providers sorted by name. */
  readonly byProvider: Readonly<Record<string, ActionCounts>>;
}

export interface Plan {
  readonly version: 1;
  readonly environment: string;
  readonly prune: boolean;
  /** Config resources in apply order. */
  readonly resources: readonly PlannedResource[];
  /** Owned resources that left the config, in delete order. */
  readonly pruned: readonly PrunedResource[];
  readonly summary: PlanSummary;
  /** Outputs by address, as far as they are known before apply; sensitive ones masked. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, OutputValue>>>>;
}

export type ApplyStatus = 'done' | 'unchanged' | 'failed' | 'skipped';

export interface AppliedResource {
  readonly address: string;
  readonly action: PlanAction;
  readonly status: ApplyStatus;
  /** For `failed`: the error, with secrets masked. For `skipped`: which dependency failed. */
  readonly message?: string;
}

export interface ApplyResult {
  readonly version: 1;
  readonly environment: string;
  readonly succeeded: boolean;
  readonly resources: readonly AppliedResource[];
  readonly outputs: Readonly<Record<string, Readonly<Record<string, OutputValue>>>>;
}

export function emptyCounts(): ActionCounts {
  return { create: 0, update: 0, replace: 0, delete: 0, 'no-op': 0, conflict: 0 };
}

/** Counts actions per provider; pruned deletes count as `delete`, retained ones not at all. */
export function summarise(
  resources: readonly PlannedResource[],
  pruned: readonly PrunedResource[],
): PlanSummary {
  const total = emptyCounts();
  const byProvider: Record<string, ActionCounts> = {};
  const count = (provider: string, action: PlanAction) => {
    total[action]++;
    byProvider[provider] ??= emptyCounts();
    byProvider[provider][action]++;
  };
  for (const resource of resources) {
    count(resource.provider, resource.action);
  }
  for (const resource of pruned) {
    if (resource.action === 'delete') {
      count(resource.provider, 'delete');
    }
  }
  const sorted: Record<string, ActionCounts> = {};
  for (const provider of Object.keys(byProvider).sort()) {
    sorted[provider] = byProvider[provider]!;
  }
  const changes = total.create + total.update + total.replace + total.delete > 0;
  return { changes, total, byProvider: sorted };
}

/** Returns whether a spec value is a scalar that can stand in for an output. */
export function isOutputScalar(value: SpecValue | undefined): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
