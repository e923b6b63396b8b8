// Write commands: insert, update, delete and findAndModify. Statement errors of insert, update
// and delete go to `writeErrors` (an ordered batch stops at the first); findAndModify fails as a
// command.
import { ObjectId } from 'bson';
import type { Document } from 'bson';
import { CommandError, ErrorCodes, wrongType } from '../errors.ts';
import type { Collection } from '../store/collection.ts';
import { applyUpdate, buildUpsertDocument, parseUpdate } from '../store/update.ts';
import type { UpdateSpec } from '../store/update.ts';
import { isPlainDocument, sameBson } from '../store/values.ts';
import type { Command, CommandContext } from './context.ts';
import { collectionArgument, documentsOf, optionalBoolean, optionalDocument } from './context.ts';
import { project, runQuery } from './query.ts';

const MAX_WRITE_BATCH_SIZE = 100_000;

function checkBatchSize(length: number): void {
  if (length < 1 || length > MAX_WRITE_BATCH_SIZE) {
    throw new CommandError(
      ErrorCodes.InvalidLength,
      `Write batch sizes must be between 1 and ${MAX_WRITE_BATCH_SIZE}. Got ${length} operations.`,
    );
  }
}

/** Runs each statement; an error is recorded for it and, in an ordered batch, stops the rest. */
function runStatements<T>(
  statements: readonly T[],
  ordered: boolean,
  run: (statement: T, index: number) => void,
): Document[] {
  const writeErrors: Document[] = [];
  for (const [index, statement] of statements.entries()) {
    try {
      run(statement, index);
    } catch (error) {
      if (!(error instanceof CommandError)) throw error;
      if (error.code === ErrorCodes.MaxTimeMSExpired) throw error;
      writeErrors.push(error.toWriteError(index));
      if (ordered) break;
    }
  }
  return writeErrors;
}

/** Moves `_id` to the front (generating one when missing), as mongod stores documents. */
function withIdFirst(document: Document): Document {
  const { _id: id, ...rest } = document;
  return { _id: id === undefined ? new ObjectId() : (id as unknown), ...rest };
}

function insert(context: CommandContext): Document {
  const name = collectionArgument(context);
  const documents = documentsOf(context, 'documents');
  checkBatchSize(documents.length);
  const ordered = optionalBoolean(context, 'ordered') ?? true;
  const { collection } = context.server.catalog.getOrCreate(context.database, name);
  let n = 0;
  const writeErrors = runStatements(documents, ordered, (document) => {
    collection.insert(withIdFirst(document));
    n += 1;
  });
  return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}

interface UpdateOutcome {
  matched: number;
  modified: number;
  upsertedId?: unknown;
  /** The document before and after, for findAndModify. */
  before?: Document;
  after?: Document;
}

interface UpdateStatement {
  readonly filter: Document;
  readonly spec: UpdateSpec;
  readonly multi: boolean;
  readonly upsert: boolean;
  readonly sort?: Document;
  readonly arrayFilters?: Document[];
  readonly variables?: Document;
}

function executeUpdate(
  context: CommandContext,
  name: string,
  statement: UpdateStatement,
): UpdateOutcome {
  const { catalog } = context.server;
  const existing = catalog.get(context.database, name);
  const { records } = runQuery(
    existing,
    {
      filter: statement.filter,
      sort: statement.sort,
      limit: statement.multi ? 0 : 1,
      variables: statement.variables,
    },
    context.deadline,
  );
  const options = { filter: statement.filter, arrayFilters: statement.arrayFilters };
  if (records.length === 0) {
    if (!statement.upsert) return { matched: 0, modified: 0 };
    const document = buildUpsertDocument(statement.filter, statement.spec, options);
    const { collection } = catalog.getOrCreate(context.database, name);
    collection.insert(document);
    return { matched: 0, modified: 0, upsertedId: document._id, after: document };
  }
  const collection = existing as Collection;
  let modified = 0;
  let before: Document | undefined;
  let after: Document | undefined;
  for (const [recordId, document] of records) {
    const updated = applyUpdate(document, statement.spec, { ...options, inserting: false });
    before ??= document;
    after ??= updated;
    if (sameBson(document, updated)) continue;
    collection.replace(recordId, updated);
    modified += 1;
  }
  return {
    matched: records.length,
    modified,
    ...(before ? { before } : {}),
    ...(after ? { after } : {}),
  };
}

function readUpdateStatement(statement: Document, index: number): UpdateStatement {
  const filter: unknown = statement.q;
  if (!isPlainDocument(filter)) throw wrongType(`update.updates.${index}.q`, filter, 'object');
  const spec = parseUpdate(statement.u);
  const multi = statement.multi === true;
  if (multi && spec.kind === 'replacement') {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      'multi update is not supported for replacement-style update',
    );
  }
  if (statement.collation !== undefined) {
    throw new CommandError(
      ErrorCodes.CommandNotSupported,
      'update.updates.collation is not supported by the MongoDB stand-in',
    );
  }
  const arrayFilters: unknown = statement.arrayFilters;
  const sort: unknown = statement.sort;
  return {
    filter,
    spec,
    multi,
    upsert: statement.upsert === true,
    ...(Array.isArray(arrayFilters) ? { arrayFilters: arrayFilters as Document[] } : {}),
    ...(isPlainDocument(sort) ? { sort } : {}),
  };
}

function update(context: CommandContext): Document {
  const name = collectionArgument(context);
  const statements = documentsOf(context, 'updates');
  checkBatchSize(statements.length);
  const ordered = optionalBoolean(context, 'ordered') ?? true;
  const variables = optionalDocument(context, 'let');
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors = runStatements(statements, ordered, (raw, index) => {
    const statement = { ...readUpdateStatement(raw, index), variables };
    const outcome = executeUpdate(context, name, statement);
    if (outcome.upsertedId !== undefined) {
      upserted.push({ index, _id: outcome.upsertedId });
      n += 1;
    } else {
      n += outcome.matched;
      nModified += outcome.modified;
    }
  });
  return {
    n,
    nModified,
    ...(upserted.length > 0 ? { upserted } : {}),
    ...(writeErrors.length > 0 ? { writeErrors } : {}),
    ok: 1,
  };
}

function remove(context: CommandContext): Document {
  const name = collectionArgument(context);
  const statements = documentsOf(context, 'deletes');
  checkBatchSize(statements.length);
  const ordered = optionalBoolean(context, 'ordered') ?? true;
  const variables = optionalDocument(context, 'let');
  const collection = context.server.catalog.get(context.database, name);
  let n = 0;
  const writeErrors = runStatements(statements, ordered, (statement, index) => {
    const filter: unknown = statement.q;
    if (!isPlainDocument(filter)) throw wrongType(`delete.deletes.${index}.q`, filter, 'object');
    const limit: unknown = statement.limit;
    if (limit !== 0 && limit !== 1) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `The limit field in delete objects must be 0 or 1. Got ${String(limit)}`,
      );
    }
    if (statement.collation !== undefined) {
      throw new CommandError(
        ErrorCodes.CommandNotSupported,
        'delete.deletes.collation is not supported by the MongoDB stand-in',
      );
    }
    const { records } = runQuery(collection, { filter, limit, variables }, context.deadline);
    for (const [recordId] of records) collection?.remove(recordId);
    n += records.length;
  });
  return { n, ...(writeErrors.length > 0 ? { writeErrors } : {}), ok: 1 };
}

function findAndModify(context: CommandContext): Document {
  const name = collectionArgument(context);
  const filter = optionalDocument(context, 'query') ?? {};
  const sort = optionalDocument(context, 'sort');
  const fields = optionalDocument(context, 'fields');
  const remove = optionalBoolean(context, 'remove') === true;
  const returnNew = optionalBoolean(context, 'new') === true;
  const upsert = optionalBoolean(context, 'upsert') === true;
  const variables = optionalDocument(context, 'let');

  const hasUpdate = context.body.update !== undefined;
  if (remove === hasUpdate) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      remove
        ? 'Cannot specify both an update and remove=true'
        : 'Either an update or remove=true must be specified',
    );
  }
  if (remove && returnNew) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  }
  if (remove && upsert) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      'Cannot specify both upsert=true and remove=true',
    );
  }
  if (context.body.collation !== undefined) {
    throw new CommandError(
      ErrorCodes.CommandNotSupported,
      'findAndModify.collation is not supported by the MongoDB stand-in',
    );
  }

  const shape = (document: Document | undefined): Document | null => {
    if (!document) return null;
    return fields ? (project([document], fields)[0] ?? null) : document;
  };

  if (remove) {
    const collection = context.server.catalog.get(context.database, name);
    const { records } = runQuery(
      collection,
      { filter, sort, limit: 1, variables },
      context.deadline,
    );
    const found = records[0];
    if (found) collection?.remove(found[0]);
    return { lastErrorObject: { n: found ? 1 : 0 }, value: shape(found?.[1]), ok: 1 };
  }

  const arrayFilters: unknown = context.body.arrayFilters;
  const outcome = executeUpdate(context, name, {
    filter,
    spec: parseUpdate(context.body.update),
    multi: false,
    upsert,
    ...(sort ? { sort } : {}),
    ...(Array.isArray(arrayFilters) ? { arrayFilters: arrayFilters as Document[] } : {}),
    ...(variables ? { variables } : {}),
  });
  const upserted = outcome.upsertedId !== undefined;
  const lastErrorObject: Document = {
    n: upserted || outcome.matched > 0 ? 1 : 0,
    updatedExisting: outcome.matched > 0,
    ...(upserted ? { upserted: outcome.upsertedId } : {}),
  };
  // Without `new`, an upsert returns null: there was no document before.
  let value = outcome.before;
  if (returnNew) value = outcome.after;
  else if (upserted) value = undefined;
  return { lastErrorObject, value: shape(value), ok: 1 };
}

const writeConcernFields = ['ordered', 'bypassDocumentValidation', 'let'];

export const writeCommands: readonly Command[] = [
  { name: 'insert', fields: ['documents', ...writeConcernFields], kind: 'retryable', run: insert },
  { name: 'update', fields: ['updates', ...writeConcernFields], kind: 'retryable', run: update },
  { name: 'delete', fields: ['deletes', ...writeConcernFields], kind: 'retryable', run: remove },
  {
    name: 'findAndModify',
    aliases: ['findandmodify'],
    fields: [
      'query',
      'sort',
      'remove',
      'update',
      'new',
      'fields',
      'upsert',
      'bypassDocumentValidation',
      'collation',
      'arrayFilters',
      'hint',
      'let',
    ],
    kind: 'retryable',
    run: findAndModify,
  },
];
