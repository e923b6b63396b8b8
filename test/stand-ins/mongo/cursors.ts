// Server-side cursors: the rest of a result set, handed out in batches by `getMore`. A cursor
// closes (id 0) when it is exhausted, killed, or idle for longer than the idle timeout.
import { Long, calculateObjectSize } from 'bson';
import type { Document } from 'bson';
import { CommandError, ErrorCodes } from './errors.ts';
import { MAX_BSON_SIZE } from './wire.ts';

/** mongod's default size of a first batch when the client sets no `batchSize`. */
export const DEFAULT_FIRST_BATCH_SIZE = 101;

/** mongod's `cursorTimeoutMillis` default: 10 minutes. */
export const DEFAULT_CURSOR_TIMEOUT_MS = 10 * 60 * 1000;

interface OpenCursor {
  readonly id: number;
  readonly namespace: string;
  readonly documents: Document[];
  position: number;
  lastUsed: number;
}

export class CursorRegistry {
  readonly #cursors = new Map<number, OpenCursor>();
  readonly #idleTimeoutMS: number;
  readonly #now: () => number;
  #nextId = 1;

  constructor(options: { idleTimeoutMS?: number; now?: () => number } = {}) {
    this.#idleTimeoutMS = options.idleTimeoutMS ?? DEFAULT_CURSOR_TIMEOUT_MS;
    this.#now = options.now ?? Date.now;
  }

  get openCount(): number {
    return this.#cursors.size;
  }

  /**
   * Returns the reply's `cursor` field for a result set: the first batch, and an id to continue
   * with unless everything fit (or `singleBatch` was requested).
   */
  open(
    namespace: string,
    documents: Document[],
    options: { batchSize?: number; singleBatch?: boolean },
  ): Document {
    this.#reapIdle();
    const batchSize = options.batchSize ?? DEFAULT_FIRST_BATCH_SIZE;
    const cursor: OpenCursor = {
      id: this.#nextId,
      namespace,
      documents,
      position: 0,
      lastUsed: this.#now(),
    };
    const firstBatch = takeBatch(cursor, batchSize);
    const exhausted = cursor.position >= documents.length || options.singleBatch === true;
    if (!exhausted) {
      this.#nextId += 1;
      this.#cursors.set(cursor.id, cursor);
    }
    return { id: Long.fromNumber(exhausted ? 0 : cursor.id), ns: namespace, firstBatch };
  }

  /** Returns the reply's `cursor` field for `getMore`, or raises CursorNotFound (43). */
  getMore(id: number, namespace: string, batchSize: number | undefined): Document {
    this.#reapIdle();
    const cursor = this.#cursors.get(id);
    if (!cursor) {
      throw new CommandError(ErrorCodes.CursorNotFound, `cursor id ${id} not found`);
    }
    if (cursor.namespace !== namespace) {
      throw new CommandError(
        ErrorCodes.Unauthorized,
        `Requested getMore on namespace '${namespace}', but cursor belongs to a different namespace ${cursor.namespace}`,
      );
    }
    cursor.lastUsed = this.#now();
    const nextBatch = takeBatch(cursor, batchSize && batchSize > 0 ? batchSize : Infinity);
    const exhausted = cursor.position >= cursor.documents.length;
    if (exhausted) this.#cursors.delete(id);
    return { id: Long.fromNumber(exhausted ? 0 : id), ns: namespace, nextBatch };
  }

  /** Kills cursors by id; returns which were killed and which were not found. */
  kill(ids: readonly number[]): { killed: number[]; notFound: number[] } {
    const killed: number[] = [];
    const notFound: number[] = [];
    for (const id of ids) {
      if (this.#cursors.delete(id)) killed.push(id);
      else notFound.push(id);
    }
    return { killed, notFound };
  }

  /** Kills every cursor on a namespace, as dropping the collection does. */
  killNamespace(namespace: string): void {
    for (const [id, cursor] of this.#cursors) {
      if (cursor.namespace === namespace) this.#cursors.delete(id);
    }
  }

  clear(): void {
    this.#cursors.clear();
  }

  #reapIdle(): void {
    const cutoff = this.#now() - this.#idleTimeoutMS;
    for (const [id, cursor] of this.#cursors) {
      if (cursor.lastUsed < cutoff) this.#cursors.delete(id);
    }
  }
}

// A reply must fit in one BSON document, so a batch also stops before 16 MiB of documents; it
// always holds at least one document.
function takeBatch(cursor: OpenCursor, batchSize: number): Document[] {
  const batch: Document[] = [];
  let bytes = 0;
  while (batch.length < batchSize && cursor.position < cursor.documents.length) {
    const document = cursor.documents[cursor.position] as Document;
    const size = calculateObjectSize(document, { ignoreUndefined: true });
    if (batch.length > 0 && bytes + size > MAX_BSON_SIZE - 64 * 1024) break;
    batch.push(document);
    bytes += size;
    cursor.position += 1;
  }
  return batch;
}
