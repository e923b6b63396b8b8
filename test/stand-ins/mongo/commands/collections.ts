// Collection and index commands: create, drop, listCollections, createIndexes, listIndexes and
// dropIndexes.
import type { Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, ErrorCodes, bsonTypeName } from '../errors.ts';
import { ID_INDEX_NAME } from '../store/collection.ts';
import type { Collection } from '../store/collection.ts';
import type { IndexSpec } from '../store/index.ts';
import { canonicalKey, formatDocument, isPlainDocument } from '../store/values.ts';
import type { Command, CommandContext } from './context.ts';
import {
  collectionArgument,
  documentsOf,
  namespaceOf,
  optionalBoolean,
  optionalDocument,
} from './context.ts';

// Options of `create` the stand-in cannot honour; it rejects them rather than ignore them.
const unsupportedCreateOptions = [
  'capped',
  'viewOn',
  'pipeline',
  'timeseries',
  'validator',
  'clusteredIndex',
  'encryptedFields',
  'collation',
  'changeStreamPreAndPostImages',
];

function create(context: CommandContext): Document {
  const name = collectionArgument(context);
  for (const option of unsupportedCreateOptions) {
    if (context.body[option] !== undefined && context.body[option] !== false) {
      throw new CommandError(
        ErrorCodes.CommandNotSupported,
        `create.${option} is not supported by the MongoDB stand-in`,
      );
    }
  }
  // Since MongoDB 7.0, creating a collection that exists with the same options succeeds. The
  // stand-in rejects every option that could differ, so an existing collection always matches.
  if (context.server.catalog.get(context.database, name)) return { ok: 1 };
  context.server.catalog.create(context.database, name);
  return { ok: 1 };
}

// Since MongoDB 7.0, dropping a collection that does not exist succeeds.
function drop(context: CommandContext): Document {
  const name = collectionArgument(context);
  const namespace = namespaceOf(context, name);
  const dropped = context.server.catalog.drop(context.database, name);
  context.server.cursors.killNamespace(namespace);
  return dropped ? { nIndexesWas: dropped.indexes.size, ns: namespace, ok: 1 } : { ok: 1 };
}

function listCollections(context: CommandContext): Document {
  const filter = optionalDocument(context, 'filter');
  const nameOnly = optionalBoolean(context, 'nameOnly') === true;
  const entries = context.server.catalog
    .collections(context.database)
    .sort((left, right) => left.name.localeCompare(right.name))
    .map((collection) => ({
      name: collection.name,
      type: 'collection',
      options: collection.options,
      info: { readOnly: false, uuid: collection.uuid },
      idIndex: { v: 2, key: { _id: 1 }, name: ID_INDEX_NAME },
    }));
  const query = filter ? new Query(filter, {}) : undefined;
  const selected = entries
    .filter((entry) => !query || query.test(entry))
    .map((entry) => (nameOnly ? { name: entry.name, type: entry.type } : entry));
  const cursorOptions = optionalDocument(context, 'cursor');
  const batchSize: unknown = cursorOptions?.batchSize;
  const cursor = context.server.cursors.open(`${context.database}.$cmd.listCollections`, selected, {
    batchSize: typeof batchSize === 'number' ? batchSize : undefined,
  });
  return { cursor, ok: 1 };
}

const indexOptionFields = new Set([
  'key',
  'name',
  'v',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'hidden',
  'ns',
]);

/** Reads and checks one entry of `createIndexes.indexes`. */
function readIndexSpec(raw: Document): IndexSpec {
  for (const field of Object.keys(raw)) {
    if (!indexOptionFields.has(field)) {
      throw new CommandError(
        ErrorCodes.InvalidIndexSpecificationOption,
        `The field '${field}' is not valid for an index specification. Specification: ${formatDocument(raw)}`,
      );
    }
  }

  const key: unknown = raw.key;
  if (!isPlainDocument(key) || Object.keys(key).length === 0) {
    throw new CommandError(
      ErrorCodes.CannotCreateIndex,
      `Error in specification ${formatDocument(raw)} :: caused by :: The 'key' field must be a non-empty object`,
    );
  }
  for (const [field, direction] of Object.entries(key)) {
    if (direction !== 1 && direction !== -1) {
      throw new CommandError(
        ErrorCodes.CannotCreateIndex,
        `Index type ${JSON.stringify(direction)} on '${field}' is not supported by the MongoDB stand-in: use 1 or -1`,
      );
    }
  }

  const name: unknown = raw.name;
  if (typeof name !== 'string' || name.length === 0) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      `Error in specification ${formatDocument(raw)} :: caused by :: The 'name' field is a required property of an index specification`,
    );
  }

  const spec: IndexSpec = { v: 2, key: { ...key }, name };
  if (raw.unique === true) spec.unique = true;
  if (raw.sparse === true) spec.sparse = true;
  if (raw.partialFilterExpression !== undefined) {
    if (!isPlainDocument(raw.partialFilterExpression)) {
      throw new CommandError(
        ErrorCodes.CannotCreateIndex,
        `partialFilterExpression must be an object (got ${bsonTypeName(raw.partialFilterExpression)})`,
      );
    }
    spec.partialFilterExpression = raw.partialFilterExpression;
  }
  if (typeof raw.expireAfterSeconds === 'number') spec.expireAfterSeconds = raw.expireAfterSeconds;

  if (name === ID_INDEX_NAME && canonicalKey(spec.key) !== canonicalKey({ _id: 1 })) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `The index name '_id_' is reserved for the _id index, which must have key pattern {_id: 1}`,
    );
  }
  return spec;
}

// Options that make two indexes different even with the same key and name.
function optionsKey(spec: IndexSpec): string {
  return canonicalKey({
    unique: spec.unique === true,
    sparse: spec.sparse === true,
    partialFilterExpression: spec.partialFilterExpression ?? null,
    expireAfterSeconds: spec.expireAfterSeconds ?? null,
  });
}

function createIndexes(context: CommandContext): Document {
  const name = collectionArgument(context);
  const specs = documentsOf(context, 'indexes').map(readIndexSpec);
  if (specs.length === 0) {
    throw new CommandError(ErrorCodes.BadValue, 'Must specify at least one index to create');
  }
  const { collection, created } = context.server.catalog.getOrCreate(context.database, name);
  const before = collection.indexes.size;
  for (const spec of specs) {
    if (isExisting(collection, spec)) continue;
    collection.addIndex(spec);
  }
  const after = collection.indexes.size;
  return {
    numIndexesBefore: before,
    numIndexesAfter: after,
    createdCollectionAutomatically: created,
    ...(after === before ? { note: 'all indexes already exist' } : {}),
    ok: 1,
  };
}

/** True when the same index exists; raises for a conflicting name or options. */
function isExisting(collection: Collection, spec: IndexSpec): boolean {
  const sameName = collection.indexes.get(spec.name);
  const specText = formatDocument({ ...spec });
  if (sameName) {
    if (canonicalKey(sameName.spec.key) !== canonicalKey(spec.key)) {
      throw new CommandError(
        ErrorCodes.IndexKeySpecsConflict,
        `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${specText}, existing index: ${formatDocument({ ...sameName.spec })}`,
      );
    }
    if (optionsKey(sameName.spec) !== optionsKey(spec)) {
      throw new CommandError(
        ErrorCodes.IndexOptionsConflict,
        `An equivalent index already exists with the same name but different options. Requested index: ${specText}, existing index: ${formatDocument({ ...sameName.spec })}`,
      );
    }
    return true;
  }
  for (const index of collection.indexes.values()) {
    if (
      canonicalKey(index.spec.key) === canonicalKey(spec.key) &&
      optionsKey(index.spec) === optionsKey(spec)
    ) {
      throw new CommandError(
        ErrorCodes.IndexOptionsConflict,
        `Index already exists with a different name: ${index.name}`,
      );
    }
  }
  return false;
}

function listIndexes(context: CommandContext): Document {
  const name = collectionArgument(context);
  const namespace = namespaceOf(context, name);
  const collection = context.server.catalog.get(context.database, name);
  if (!collection) {
    throw new CommandError(ErrorCodes.NamespaceNotFound, `ns does not exist: ${namespace}`);
  }
  const specs = [...collection.indexes.values()].map((index) => ({ ...index.spec }));
  const cursorOptions = optionalDocument(context, 'cursor');
  const batchSize: unknown = cursorOptions?.batchSize;
  const cursor = context.server.cursors.open(namespace, specs, {
    batchSize: typeof batchSize === 'number' ? batchSize : undefined,
  });
  return { cursor, ok: 1 };
}

function dropIndexes(context: CommandContext): Document {
  const name = collectionArgument(context);
  const namespace = namespaceOf(context, name);
  const collection = context.server.catalog.get(context.database, name);
  if (!collection) {
    throw new CommandError(ErrorCodes.NamespaceNotFound, `ns not found ${namespace}`);
  }
  const nIndexesWas = collection.indexes.size;
  const target: unknown = context.body.index;
  let names: string[];
  if (target === '*') {
    names = [...collection.indexes.keys()].filter((index) => index !== ID_INDEX_NAME);
  } else if (typeof target === 'string') {
    names = [target];
  } else if (Array.isArray(target) && target.every((entry) => typeof entry === 'string')) {
    names = target;
  } else if (isPlainDocument(target)) {
    const found = [...collection.indexes.values()].find(
      (index) => canonicalKey(index.spec.key) === canonicalKey(target),
    );
    if (!found) {
      throw new CommandError(
        ErrorCodes.IndexNotFound,
        `can't find index with key: ${formatDocument(target)}`,
      );
    }
    names = [found.name];
  } else {
    throw new CommandError(
      ErrorCodes.TypeMismatch,
      `BSON field 'dropIndexes.index' is the wrong type '${bsonTypeName(target)}', expected types '[string, object, array]'`,
    );
  }
  for (const index of names) {
    if (index === ID_INDEX_NAME) {
      throw new CommandError(ErrorCodes.InvalidOptions, 'cannot drop _id index');
    }
    if (!collection.indexes.has(index)) {
      throw new CommandError(ErrorCodes.IndexNotFound, `index not found with name [${index}]`);
    }
  }
  for (const index of names) collection.dropIndex(index);
  return { nIndexesWas, ok: 1 };
}

export const collectionCommands: readonly Command[] = [
  {
    name: 'create',
    fields: [
      ...unsupportedCreateOptions,
      'size',
      'max',
      'validationLevel',
      'validationAction',
      'idIndex',
      'storageEngine',
      'indexOptionDefaults',
      'expireAfterSeconds',
    ],
    kind: 'write',
    run: create,
  },
  { name: 'drop', fields: [], kind: 'write', run: drop },
  {
    name: 'listCollections',
    fields: ['filter', 'nameOnly', 'authorizedCollections', 'cursor'],
    run: listCollections,
  },
  {
    name: 'createIndexes',
    fields: ['indexes', 'commitQuorum', 'ignoreUnknownIndexOptions'],
    kind: 'write',
    run: createIndexes,
  },
  { name: 'listIndexes', fields: ['cursor'], run: listIndexes },
  {
    name: 'dropIndexes',
    aliases: ['deleteIndexes'],
    fields: ['index'],
    kind: 'write',
    run: dropIndexes,
  },
];
