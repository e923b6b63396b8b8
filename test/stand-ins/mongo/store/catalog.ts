// Databases and their collections. A database exists while it has a collection, as on mongod.
import type { Document } from 'bson';
import { CommandError, ErrorCodes } from '../errors.ts';
import { Collection } from './collection.ts';

// Characters mongod rejects in database names (on every platform).
const invalidDatabaseCharacters = /[/\\. "$\0]/;

/** Raises InvalidNamespace (73) for a database name mongod rejects. */
export function checkDatabaseName(name: string): void {
  if (name.length === 0 || name.length > 63 || invalidDatabaseCharacters.test(name)) {
    throw new CommandError(ErrorCodes.InvalidNamespace, `Invalid database name: '${name}'`);
  }
}

/** Raises InvalidNamespace (73) for a collection name mongod rejects. */
export function checkCollectionName(database: string, name: string): void {
  if (name.length === 0 || name.includes('\0') || name.includes('$') || name.startsWith('.')) {
    throw new CommandError(
      ErrorCodes.InvalidNamespace,
      `Invalid namespace specified '${database}.${name}'`,
    );
  }
}

export class Catalog {
  readonly #databases = new Map<string, Map<string, Collection>>();
  /** Called after every change, so persistence can schedule a save. */
  onChange: () => void = () => {};

  databaseNames(): string[] {
    return [...this.#databases.keys()].filter((name) => this.collections(name).length > 0).sort();
  }

  collections(database: string): Collection[] {
    return [...(this.#databases.get(database)?.values() ?? [])];
  }

  get(database: string, name: string): Collection | undefined {
    return this.#databases.get(database)?.get(name);
  }

  /** Returns the collection, creating it (and its database) when missing, as writes do. */
  getOrCreate(database: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.get(database, name);
    if (existing) return { collection: existing, created: false };
    return { collection: this.create(database, name), created: true };
  }

  /** Creates a collection or raises NamespaceExists (48). */
  create(database: string, name: string, options: Document = {}): Collection {
    checkDatabaseName(database);
    checkCollectionName(database, name);
    let collections = this.#databases.get(database);
    if (!collections) {
      collections = new Map();
      this.#databases.set(database, collections);
    }
    if (collections.has(name)) {
      throw new CommandError(
        ErrorCodes.NamespaceExists,
        `Collection ${database}.${name} already exists.`,
      );
    }
    const collection = new Collection(database, name, options);
    collections.set(name, collection);
    this.onChange();
    return collection;
  }

  /** Adds a collection read from the persistence file. */
  restore(collection: Collection): void {
    let collections = this.#databases.get(collection.database);
    if (!collections) {
      collections = new Map();
      this.#databases.set(collection.database, collections);
    }
    collections.set(collection.name, collection);
  }

  /** Drops a collection; returns it, or `undefined` when it did not exist. */
  drop(database: string, name: string): Collection | undefined {
    const collections = this.#databases.get(database);
    const collection = collections?.get(name);
    if (!collections || !collection) return undefined;
    collections.delete(name);
    if (collections.size === 0) this.#databases.delete(database);
    this.onChange();
    return collection;
  }

  dropDatabase(database: string): void {
    if (this.#databases.delete(database)) this.onChange();
  }
}
