// A collection: documents by record id in insertion order (mongod's natural order), plus its
// indexes. Every write goes through here, so unique indexes are checked before anything changes.
import { UUID } from 'bson';
import type { Document } from 'bson';
import { CommandError, ErrorCodes } from '../errors.ts';
import type { Deadline } from '../deadline.ts';
import { Index } from './index.ts';
import type { IndexEntry, IndexSpec } from './index.ts';
import { planQuery } from './planner.ts';
import type { QueryPlan } from './planner.ts';

/** How many records a scan reads between two `maxTimeMS` checks. */
const DEADLINE_CHECK_INTERVAL = 256;

export const ID_INDEX_NAME = '_id_';

export class Collection {
  readonly database: string;
  readonly name: string;
  readonly uuid: UUID;
  options: Document;
  readonly #records = new Map<number, Document>();
  readonly #entries = new Map<number, Map<string, IndexEntry[]>>();
  readonly indexes = new Map<string, Index>();
  #nextRecordId = 1;

  constructor(database: string, name: string, options: Document = {}, uuid = new UUID()) {
    this.database = database;
    this.name = name;
    this.options = options;
    this.uuid = uuid;
    this.indexes.set(ID_INDEX_NAME, new Index({ v: 2, key: { _id: 1 }, name: ID_INDEX_NAME }));
  }

  get namespace(): string {
    return `${this.database}.${this.name}`;
  }

  get size(): number {
    return this.#records.size;
  }

  get idIndex(): Index {
    return this.indexes.get(ID_INDEX_NAME) as Index;
  }

  /** Documents in natural order. Callers must not mutate them: writes go through `replace`. */
  *documents(): IterableIterator<[number, Document]> {
    yield* this.#records.entries();
  }

  get(recordId: number): Document | undefined {
    return this.#records.get(recordId);
  }

  /** Inserts `document` (which must have `_id`) or raises DuplicateKey without changing anything. */
  insert(document: Document): number {
    checkId(document);
    const recordId = this.#nextRecordId;
    const entries = this.#computeEntries(document);
    this.#checkUnique(entries, recordId);
    this.#nextRecordId += 1;
    this.#records.set(recordId, document);
    this.#addEntries(entries, recordId);
    return recordId;
  }

  /** Replaces the document of `recordId`, or raises DuplicateKey without changing anything. */
  replace(recordId: number, document: Document): void {
    checkId(document);
    const entries = this.#computeEntries(document);
    this.#checkUnique(entries, recordId);
    this.#removeEntries(recordId);
    this.#records.set(recordId, document);
    this.#addEntries(entries, recordId);
  }

  remove(recordId: number): void {
    this.#removeEntries(recordId);
    this.#records.delete(recordId);
  }

  /** Adds an index after checking every existing document against it. */
  addIndex(spec: IndexSpec): void {
    const index = new Index(spec);
    const added = new Map<number, IndexEntry[]>();
    for (const [recordId, document] of this.#records) {
      const entries = index.entriesOf(document);
      try {
        index.checkUnique(entries, recordId, this.namespace);
      } catch (error) {
        if (error instanceof CommandError) {
          throw new CommandError(
            error.code,
            `Index build failed: collection ${this.namespace} :: caused by :: ${error.message}`,
            error.extra,
          );
        }
        throw error;
      }
      index.add(entries, recordId);
      added.set(recordId, entries);
    }
    this.indexes.set(spec.name, index);
    for (const [recordId, entries] of added) {
      this.#entries.get(recordId)?.set(spec.name, entries);
    }
  }

  dropIndex(name: string): void {
    this.indexes.delete(name);
    for (const perIndex of this.#entries.values()) perIndex.delete(name);
  }

  /** Chooses how to read the records that may match `filter`. */
  plan(filter: Document): QueryPlan {
    return planQuery(filter, this.indexes);
  }

  /**
   * Returns the records a plan reads, checking `deadline` while scanning. `examined` counts the
   * documents fetched, the number `explain` reports as `totalDocsExamined`.
   */
  read(plan: QueryPlan, deadline: Deadline): { records: [number, Document][]; examined: number } {
    const records: [number, Document][] = [];
    const source: Iterable<number> = plan.recordIds ?? this.#records.keys();
    let examined = 0;
    for (const recordId of source) {
      const document = this.#records.get(recordId);
      if (!document) continue;
      examined += 1;
      if (examined % DEADLINE_CHECK_INTERVAL === 0) deadline.check();
      records.push([recordId, document]);
    }
    return { records, examined };
  }

  #computeEntries(document: Document): Map<string, IndexEntry[]> {
    const entries = new Map<string, IndexEntry[]>();
    for (const [name, index] of this.indexes) entries.set(name, index.entriesOf(document));
    return entries;
  }

  #checkUnique(entries: Map<string, IndexEntry[]>, recordId: number): void {
    for (const [name, indexEntries] of entries) {
      this.indexes.get(name)?.checkUnique(indexEntries, recordId, this.namespace);
    }
  }

  #addEntries(entries: Map<string, IndexEntry[]>, recordId: number): void {
    for (const [name, indexEntries] of entries) this.indexes.get(name)?.add(indexEntries, recordId);
    this.#entries.set(recordId, entries);
  }

  #removeEntries(recordId: number): void {
    const entries = this.#entries.get(recordId);
    if (!entries) return;
    for (const [name, indexEntries] of entries) {
      this.indexes.get(name)?.remove(indexEntries, recordId);
    }
    this.#entries.delete(recordId);
  }
}

function checkId(document: Document): void {
  const id: unknown = document._id;
  if (Array.isArray(id)) throw new CommandError(ErrorCodes.BadValue, "can't use an array for _id");
  if (id instanceof RegExp)
    throw new CommandError(ErrorCodes.BadValue, "can't use a regex for _id");
  if (id === undefined) throw new CommandError(ErrorCodes.InternalError, 'document has no _id');
}
