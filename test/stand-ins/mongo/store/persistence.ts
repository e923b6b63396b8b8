// Keeps the catalog in a file between runs: canonical Extended JSON, so ObjectId, Date and the
// other BSON types survive. Saves are atomic (a temporary file renamed over the old one), so a
// crash leaves either the previous or the new content, never half of it.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { EJSON, UUID } from 'bson';
import type { Document } from 'bson';
import { CommandError } from '../errors.ts';
import type { Catalog } from './catalog.ts';
import { Collection, ID_INDEX_NAME } from './collection.ts';
import type { IndexSpec } from './index.ts';
import { isPlainDocument } from './values.ts';

const FORMAT = 'mongodb-stand-in';
const VERSION = 1;

/** The persistence file exists but cannot be used; `code` is stable for tests and callers. */
export class PersistenceError extends Error {
  override readonly name = 'PersistenceError';
  readonly code = 'ERR_MONGO_STAND_IN_PERSISTENCE';
  readonly path: string;

  constructor(path: string, reason: string, options?: { cause?: unknown }) {
    super(
      `Cannot load MongoDB stand-in data from ${path}: ${reason}. Fix or delete the file, or start without persistPath.`,
      options,
    );
    this.path = path;
  }
}

/** Fills `catalog` from the file at `path`; a missing file is an empty store. */
export async function loadCatalog(path: string, catalog: Catalog): Promise<void> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new PersistenceError(path, (error as Error).message, { cause: error });
  }
  let data: unknown;
  try {
    data = EJSON.parse(text, { relaxed: true });
  } catch (error) {
    throw new PersistenceError(path, `not valid Extended JSON (${(error as Error).message})`, {
      cause: error,
    });
  }
  if (!isPlainDocument(data) || data.format !== FORMAT || data.version !== VERSION) {
    throw new PersistenceError(
      path,
      `expected a document with format "${FORMAT}" and version ${VERSION}`,
    );
  }
  const databases: unknown = data.databases;
  if (!isPlainDocument(databases)) {
    throw new PersistenceError(path, 'field "databases" must be a document');
  }
  for (const [database, collections] of Object.entries(databases)) {
    if (!isPlainDocument(collections)) {
      throw new PersistenceError(path, `databases.${database} must be a document`);
    }
    for (const [name, stored] of Object.entries(collections)) {
      catalog.restore(restoreCollection(path, database, name, stored));
    }
  }
}

function restoreCollection(path: string, database: string, name: string, stored: unknown) {
  const where = `databases.${database}.${name}`;
  if (!isPlainDocument(stored)) throw new PersistenceError(path, `${where} must be a document`);
  const { uuid, options, indexes, documents } = stored;
  if (!(uuid instanceof UUID) && uuid !== undefined) {
    throw new PersistenceError(path, `${where}.uuid must be a UUID`);
  }
  if (!Array.isArray(indexes) || !Array.isArray(documents)) {
    throw new PersistenceError(path, `${where} must have the arrays "indexes" and "documents"`);
  }
  const collection = new Collection(
    database,
    name,
    isPlainDocument(options) ? options : {},
    uuid instanceof UUID ? uuid : undefined,
  );
  try {
    for (const [position, spec] of indexes.entries()) {
      if (!isPlainDocument(spec) || !isPlainDocument(spec.key) || typeof spec.name !== 'string') {
        throw new PersistenceError(path, `${where}.indexes[${position}] is not an index`);
      }
      collection.addIndex(spec as IndexSpec);
    }
    for (const [position, document] of documents.entries()) {
      if (!isPlainDocument(document) || document._id === undefined) {
        throw new PersistenceError(
          path,
          `${where}.documents[${position}] is not a document with _id`,
        );
      }
      collection.insert(document);
    }
  } catch (error) {
    if (error instanceof CommandError) {
      throw new PersistenceError(path, `${where}: ${error.message}`, { cause: error });
    }
    throw error;
  }
  return collection;
}

/** Returns the file content for the whole catalog. */
export function serializeCatalog(catalog: Catalog): string {
  const databases: Document = {};
  for (const database of catalog.databaseNames()) {
    const collections: Document = {};
    for (const collection of catalog.collections(database)) {
      collections[collection.name] = {
        uuid: collection.uuid,
        options: collection.options,
        indexes: [...collection.indexes.values()]
          .filter((index) => index.name !== ID_INDEX_NAME)
          .map((index) => index.spec),
        documents: [...collection.documents()].map(([, document]) => document),
      };
    }
    databases[database] = collections;
  }
  return EJSON.stringify({ format: FORMAT, version: VERSION, databases }, { relaxed: false });
}

/**
 * Saves the catalog after changes. Saves are coalesced: changes made while a save runs are
 * written by one more save after it.
 */
export class CatalogSaver {
  readonly #path: string;
  readonly #catalog: Catalog;
  #running: Promise<void> | undefined;
  #pending = false;
  #lastError: Error | undefined;
  readonly #log: (message: string) => void;

  constructor(path: string, catalog: Catalog, log: (message: string) => void) {
    this.#path = path;
    this.#catalog = catalog;
    this.#log = log;
  }

  /** Marks the catalog changed; a save starts soon. */
  schedule(): void {
    this.#pending = true;
    this.#running ??= this.#drain();
  }

  /** Waits for every scheduled save; raises the last save error, if any. */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
    if (this.#lastError) throw this.#lastError;
  }

  async #drain(): Promise<void> {
    // Let the current command finish, so one save covers a whole write batch.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.#pending) {
      this.#pending = false;
      try {
        await this.#save(serializeCatalog(this.#catalog));
        this.#lastError = undefined;
      } catch (error) {
        this.#lastError = new Error(
          `Cannot save MongoDB stand-in data to ${this.#path}: ${(error as Error).message}`,
          { cause: error },
        );
        this.#log(this.#lastError.message);
      }
    }
    this.#running = undefined;
  }

  async #save(content: string): Promise<void> {
    await mkdir(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.tmp`;
    await writeFile(temporary, content, 'utf8');
    await rename(temporary, this.#path);
  }
}
