// One index of a collection: a map from canonical key to the records holding that key. Unique
// indexes reject a second record with the same key; sparse and partial indexes skip the records
// they do not cover, as mongod does.
import type { Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, ErrorCodes } from '../errors.ts';
import { canonicalKey, formatDocument, valuesAtPath } from './values.ts';

/** An index as `listIndexes` returns it and the persistence file stores it. */
export interface IndexSpec {
  v: 2;
  key: Document;
  name: string;
  unique?: boolean;
  sparse?: boolean;
  partialFilterExpression?: Document;
  expireAfterSeconds?: number;
}

/** The entries one record contributes: each has the canonical key and the key's field values. */
export interface IndexEntry {
  readonly key: string;
  readonly values: readonly unknown[];
}

export class Index {
  readonly spec: IndexSpec;
  readonly fields: readonly string[];
  /** Record ids by full canonical key. */
  readonly entries = new Map<string, Set<number>>();
  /** Record ids by the canonical key of the first field alone, for compound indexes. */
  readonly prefixEntries = new Map<string, Set<number>>();
  readonly #partial: Query | undefined;
  #multiKey = false;

  constructor(spec: IndexSpec) {
    this.spec = spec;
    this.fields = Object.keys(spec.key);
    this.#partial = spec.partialFilterExpression
      ? new Query(spec.partialFilterExpression, {})
      : undefined;
  }

  get name(): string {
    return this.spec.name;
  }

  /** The `_id` index is unique without saying so in its spec, as on mongod. */
  get unique(): boolean {
    return this.spec.unique === true || this.fields[0] === '_id';
  }

  get isMultiKey(): boolean {
    return this.#multiKey;
  }

  get isCompound(): boolean {
    return this.fields.length > 1;
  }

  /** Whether a query may use this index: a partial index covers only part of the collection. */
  get servesEveryRecord(): boolean {
    return this.#partial === undefined;
  }

  /**
   * Returns the entries `document` has in this index. There are none when a sparse index lacks
   * every field or a partial filter excludes the document, and several for an array (multikey).
   */
  entriesOf(document: Document): IndexEntry[] {
    if (this.#partial && !this.#partial.test(document)) return [];
    const perField = this.fields.map((field) => {
      // An empty array is indexed as `undefined`, like mongod does.
      const values = valuesAtPath(document, field).flatMap((value): unknown[] => {
        if (!Array.isArray(value)) return [value];
        return value.length === 0 ? [undefined] : value;
      });
      return { field, values, array: valuesAtPath(document, field).some(Array.isArray) };
    });
    if (this.spec.sparse && perField.every(({ values }) => values.every((v) => v === undefined))) {
      return [];
    }
    const arrayFields = perField.filter(({ array, values }) => array || values.length > 1);
    if (arrayFields.length > 1) {
      throw new CommandError(
        ErrorCodes.CannotIndexParallelArrays,
        `cannot index parallel arrays [${arrayFields[1]?.field}] [${arrayFields[0]?.field}]`,
      );
    }
    if (arrayFields.length === 1) this.#multiKey = true;

    let combinations: unknown[][] = [[]];
    for (const { values } of perField) {
      combinations = combinations.flatMap((prefix) =>
        values.map((value): unknown[] => [...prefix, value]),
      );
    }
    const seen = new Map<string, IndexEntry>();
    for (const values of combinations) {
      const key = this.keyOf(values);
      if (!seen.has(key)) seen.set(key, { key, values });
    }
    return [...seen.values()];
  }

  /** Returns the canonical key of one combination of field values. */
  keyOf(values: readonly unknown[]): string {
    return values.length === 1 ? canonicalKey(values[0]) : JSON.stringify(values.map(canonicalKey));
  }

  /** Raises DuplicateKey when another record already has one of `entries`. */
  checkUnique(entries: readonly IndexEntry[], recordId: number, namespace: string): void {
    if (!this.unique) return;
    for (const entry of entries) {
      const holders = this.entries.get(entry.key);
      if (!holders) continue;
      for (const holder of holders) {
        if (holder !== recordId) throw this.duplicateKeyError(entry, namespace);
      }
    }
  }

  add(entries: readonly IndexEntry[], recordId: number): void {
    for (const entry of entries) {
      addTo(this.entries, entry.key, recordId);
      if (this.isCompound) addTo(this.prefixEntries, canonicalKey(entry.values[0]), recordId);
    }
  }

  remove(entries: readonly IndexEntry[], recordId: number): void {
    for (const entry of entries) {
      removeFrom(this.entries, entry.key, recordId);
      if (this.isCompound) removeFrom(this.prefixEntries, canonicalKey(entry.values[0]), recordId);
    }
  }

  clear(): void {
    this.entries.clear();
    this.prefixEntries.clear();
    this.#multiKey = false;
  }

  /** Builds the E11000 error mongod raises, with `keyPattern` and `keyValue`. */
  duplicateKeyError(entry: IndexEntry, namespace: string): CommandError {
    const keyValue: Document = {};
    this.fields.forEach((field, position) => {
      keyValue[field] = entry.values[position] ?? null;
    });
    return new CommandError(
      ErrorCodes.DuplicateKey,
      `E11000 duplicate key error collection: ${namespace} index: ${this.name} dup key: ${formatDocument(keyValue)}`,
      { keyPattern: { ...this.spec.key }, keyValue },
    );
  }
}

function addTo(map: Map<string, Set<number>>, key: string, recordId: number): void {
  let holders = map.get(key);
  if (!holders) {
    holders = new Set();
    map.set(key, holders);
  }
  holders.add(recordId);
}

function removeFrom(map: Map<string, Set<number>>, key: string, recordId: number): void {
  const holders = map.get(key);
  if (!holders) return;
  holders.delete(recordId);
  if (holders.size === 0) map.delete(key);
}

/** Returns the index name mongod generates from a key pattern: `{ a: 1, b: -1 }` -> `a_1_b_-1`. */
export function defaultIndexName(key: Document): string {
  return Object.entries(key)
    .map(([field, direction]) => `${field}_${String(direction)}`)
    .join('_');
}
