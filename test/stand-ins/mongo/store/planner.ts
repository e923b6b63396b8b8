// Picks the records a query reads. Equality on `_id` or on the fields of an index (plain values,
// `$eq`, `$in`, and the same inside a top-level `$and`) is served from the index map, so a lookup
// reads only the matching records. The full filter is still applied to what the index returns.
// NOTE: range conditions, `$or` and sorts never use an index: such queries scan the collection.
import type { Document } from 'bson';
import type { Index } from './index.ts';
import { isPlainDocument } from './values.ts';

/** How a query reads a collection, in the stage names `explain` uses. */
export interface QueryPlan {
  readonly stage: 'IDHACK' | 'IXSCAN' | 'COLLSCAN';
  /** Records to read, in index order, or `undefined` for a collection scan. */
  readonly recordIds?: readonly number[];
  readonly index?: Index;
  /** Index keys looked up, the number `explain` reports as `totalKeysExamined`. */
  readonly keysExamined: number;
}

/** Lookups with more key combinations than this scan instead. */
const MAX_KEY_COMBINATIONS = 1000;

export function planQuery(filter: Document, indexes: ReadonlyMap<string, Index>): QueryPlan {
  const equalities = collectEqualities(filter);
  let best: { index: Index; fields: number } | undefined;
  for (const index of indexes.values()) {
    if (!index.servesEveryRecord) continue;
    const fields = usableFields(index, equalities);
    if (fields > (best?.fields ?? 0)) best = { index, fields };
  }
  if (!best) return { stage: 'COLLSCAN', keysExamined: 0 };

  const { index, fields } = best;
  const lists = index.fields.slice(0, fields).map((field) => equalities.get(field) ?? []);
  const combinations = lists.reduce((count, list) => count * list.length, 1);
  if (combinations > MAX_KEY_COMBINATIONS) return { stage: 'COLLSCAN', keysExamined: 0 };

  const map = fields === index.fields.length ? index.entries : index.prefixEntries;
  let keys: unknown[][] = [[]];
  for (const list of lists)
    keys = keys.flatMap((prefix) => list.map((value) => [...prefix, value]));
  const recordIds = new Set<number>();
  for (const values of keys) {
    for (const recordId of map.get(index.keyOf(values)) ?? []) recordIds.add(recordId);
  }
  const isIdLookup = index.fields[0] === '_id' && keys.length === 1;
  return {
    stage: isIdLookup ? 'IDHACK' : 'IXSCAN',
    recordIds: [...recordIds],
    index,
    keysExamined: keys.length,
  };
}

/** How many leading fields of `index` the equalities cover: all of them, the first, or none. */
function usableFields(index: Index, equalities: Map<string, unknown[]>): number {
  const covered = index.fields.filter((field) => equalities.has(field)).length;
  const sparseMissesNull = (field: string) =>
    index.spec.sparse === true && (equalities.get(field) ?? []).some((value) => value == null);
  if (covered === index.fields.length && !index.fields.some(sparseMissesNull)) {
    return index.fields.length;
  }
  const first = index.fields[0] as string;
  if (index.isCompound && equalities.has(first) && !sparseMissesNull(first)) return 1;
  return 0;
}

/**
 * Returns, per field, the values the field must equal one of. Conditions that are not plain
 * equality (operators other than `$eq`/`$in`, regular expressions, arrays) give no entry.
 */
function collectEqualities(filter: Document): Map<string, unknown[]> {
  const equalities = new Map<string, unknown[]>();
  const add = (field: string, values: unknown[]) => {
    const known = equalities.get(field);
    if (!known) {
      equalities.set(field, values);
      return;
    }
    // Two conditions on one field: only values allowed by both remain possible, so the shorter
    // list is kept as a superset of the answer; the full filter removes the rest.
    if (values.length < known.length) equalities.set(field, values);
  };
  for (const [field, condition] of Object.entries(filter)) {
    if (field === '$and' && Array.isArray(condition)) {
      for (const clause of condition) {
        if (!isPlainDocument(clause)) continue;
        for (const [nestedField, values] of collectEqualities(clause)) add(nestedField, values);
      }
      continue;
    }
    if (field.startsWith('$')) continue;
    const values = equalityValues(condition);
    if (values) add(field, values);
  }
  return equalities;
}

function equalityValues(condition: unknown): unknown[] | undefined {
  if (condition instanceof RegExp || Array.isArray(condition)) return undefined;
  if (!isPlainDocument(condition)) return [condition];
  const keys = Object.keys(condition);
  if (keys.length === 0 || !keys.some((key) => key.startsWith('$'))) return [condition];
  if (keys.length !== 1) return undefined;
  const operand: unknown = condition[keys[0] as string];
  if (keys[0] === '$eq') return equalityValues(operand);
  if (keys[0] === '$in' && Array.isArray(operand)) {
    const plain = operand.every((value) => !(value instanceof RegExp) && !Array.isArray(value));
    return plain ? operand : undefined;
  }
  return undefined;
}
