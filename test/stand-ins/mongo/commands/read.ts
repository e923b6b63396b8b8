// Read commands: find, getMore, killCursors, count, distinct, aggregate and explain of find.
import { Long } from 'bson';
import type { Document } from 'bson';
import { Aggregator } from 'mingo';
import { CommandError, ErrorCodes, bsonTypeName, wrongType } from '../errors.ts';
import type { Collection } from '../store/collection.ts';
import { canonicalKey, cloneDocument, isPlainDocument, valuesAtPath } from '../store/values.ts';
import type { Command, CommandContext } from './context.ts';
import {
  collectionArgument,
  namespaceOf,
  optionalBoolean,
  optionalCount,
  optionalDocument,
  requiredArray,
} from './context.ts';
import { runQuery } from './query.ts';
import type { QueryResult } from './query.ts';

const findFields = [
  'filter',
  'sort',
  'projection',
  'hint',
  'skip',
  'limit',
  'batchSize',
  'singleBatch',
  'max',
  'min',
  'returnKey',
  'showRecordId',
  'tailable',
  'oplogReplay',
  'noCursorTimeout',
  'awaitData',
  'allowPartialResults',
  'allowDiskUse',
  'let',
  'collation',
  'readOnce',
];

function unsupported(context: CommandContext, field: string): CommandError {
  return new CommandError(
    ErrorCodes.CommandNotSupported,
    `${context.name}.${field} is not supported by the MongoDB stand-in`,
  );
}

/** Raises BadValue when `hint` names no index of the collection, as the query planner does. */
function checkHint(context: CommandContext, collection: Collection | undefined): void {
  const hint: unknown = context.body.hint;
  if (hint === undefined || hint === null) return;
  if (isPlainDocument(hint) && Object.keys(hint).length === 0) return;
  const indexes = collection ? [...collection.indexes.values()] : [];
  const found = indexes.some((index) =>
    typeof hint === 'string'
      ? index.name === hint
      : isPlainDocument(hint) && canonicalKey(index.spec.key) === canonicalKey(hint),
  );
  if (!found) {
    throw new CommandError(
      ErrorCodes.BadValue,
      'error processing query: planner returned error :: caused by :: hint provided does not correspond to an existing index',
    );
  }
}

function executeFind(context: CommandContext): { result: QueryResult; namespace: string } {
  const name = collectionArgument(context);
  for (const field of ['min', 'max', 'collation', 'returnKey', 'showRecordId']) {
    if (context.body[field] !== undefined && context.body[field] !== false) {
      throw unsupported(context, field);
    }
  }
  if (context.body.tailable === true) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `error processing query: tailable cursor requested on non capped collection ${namespaceOf(context, name)}`,
    );
  }
  const collection = context.server.catalog.get(context.database, name);
  checkHint(context, collection);
  const result = runQuery(
    collection,
    {
      filter: optionalDocument(context, 'filter'),
      sort: optionalDocument(context, 'sort'),
      skip: optionalCount(context, 'skip'),
      limit: optionalCount(context, 'limit'),
      projection: optionalDocument(context, 'projection'),
      variables: optionalDocument(context, 'let'),
    },
    context.deadline,
  );
  return { result, namespace: namespaceOf(context, name) };
}

function find(context: CommandContext): Document {
  const { result, namespace } = executeFind(context);
  const cursor = context.server.cursors.open(namespace, result.documents, {
    batchSize: optionalCount(context, 'batchSize'),
    singleBatch: optionalBoolean(context, 'singleBatch'),
  });
  return { cursor, ok: 1 };
}

function getMore(context: CommandContext): Document {
  const id: unknown = context.body.getMore;
  if (typeof id !== 'number' && !(id instanceof Long))
    throw wrongType('getMore.getMore', id, 'long');
  const collection: unknown = context.body.collection;
  if (typeof collection !== 'string') {
    throw wrongType('getMore.collection', collection, 'string');
  }
  const cursor = context.server.cursors.getMore(
    Number(id),
    namespaceOf(context, collection),
    optionalCount(context, 'batchSize'),
  );
  return { cursor, ok: 1 };
}

function killCursors(context: CommandContext): Document {
  collectionArgument(context);
  const ids = requiredArray(context, 'cursors').map((id, index) => {
    if (typeof id !== 'number' && !(id instanceof Long)) {
      throw wrongType(`killCursors.cursors.${index}`, id, 'long');
    }
    return Number(id);
  });
  const { killed, notFound } = context.server.cursors.kill(ids);
  return {
    cursorsKilled: killed.map((id) => Long.fromNumber(id)),
    cursorsNotFound: notFound.map((id) => Long.fromNumber(id)),
    cursorsAlive: [],
    cursorsUnknown: [],
    ok: 1,
  };
}

function count(context: CommandContext): Document {
  const name = collectionArgument(context);
  if (context.body.collation !== undefined) throw unsupported(context, 'collation');
  const collection = context.server.catalog.get(context.database, name);
  checkHint(context, collection);
  const limit = typeof context.body.limit === 'number' ? Math.abs(context.body.limit) : undefined;
  const { records } = runQuery(
    collection,
    {
      filter: optionalDocument(context, 'query'),
      skip: optionalCount(context, 'skip'),
      limit,
    },
    context.deadline,
  );
  return { n: records.length, ok: 1 };
}

function distinct(context: CommandContext): Document {
  const name = collectionArgument(context);
  const key: unknown = context.body.key;
  if (typeof key !== 'string') throw wrongType('distinct.key', key, 'string');
  if (context.body.collation !== undefined) throw unsupported(context, 'collation');
  const collection = context.server.catalog.get(context.database, name);
  checkHint(context, collection);
  const { records } = runQuery(
    collection,
    { filter: optionalDocument(context, 'query') },
    context.deadline,
  );
  const values = new Map<string, unknown>();
  for (const [, document] of records) {
    for (const value of valuesAtPath(document, key)) {
      for (const element of Array.isArray(value) ? value : [value]) {
        if (element === undefined) continue;
        const canonical = canonicalKey(element);
        if (!values.has(canonical)) values.set(canonical, element);
      }
    }
  }
  return { values: [...values.values()], ok: 1 };
}

// Stages that write to other collections; mingo cannot run them against the store.
const writingStages = new Set(['$out', '$merge']);

function aggregate(context: CommandContext): Document {
  const target: unknown = context.body.aggregate;
  if (typeof target !== 'string') {
    throw new CommandError(
      ErrorCodes.CommandNotSupported,
      `aggregate: ${bsonTypeName(target)} is not supported by the MongoDB stand-in: name a collection`,
    );
  }
  const name = collectionArgument(context);
  const pipeline = requiredArray(context, 'pipeline').map((stage, index) => {
    if (!isPlainDocument(stage) || Object.keys(stage).length !== 1) {
      throw new CommandError(
        ErrorCodes.BadValue,
        `A pipeline stage specification object must contain exactly one field (stage ${index}).`,
      );
    }
    const stageName = Object.keys(stage)[0] as string;
    if (writingStages.has(stageName)) {
      throw new CommandError(
        ErrorCodes.CommandNotSupported,
        `${stageName} is not supported by the MongoDB stand-in`,
      );
    }
    return stage;
  });
  if (context.body.explain === true) throw unsupported(context, 'explain');
  const cursorOptions = optionalDocument(context, 'cursor');
  if (!cursorOptions) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  if (context.body.collation !== undefined) throw unsupported(context, 'collation');
  const { catalog } = context.server;
  const collection = catalog.get(context.database, name);
  checkHint(context, collection);

  // A leading $match is planned like a find, so it reads through an index when it can.
  const first = pipeline[0];
  const leadingMatch = first && isPlainDocument(first.$match) ? first.$match : undefined;
  const { records } = runQuery(collection, { filter: leadingMatch ?? {} }, context.deadline);
  const input = records.map(([, document]) => cloneDocument(document));
  const rest = leadingMatch ? pipeline.slice(1) : pipeline;

  let results: Document[];
  try {
    results = new Aggregator(rest, {
      variables: optionalDocument(context, 'let'),
      collectionResolver: (other: string) =>
        [...(catalog.get(context.database, other)?.documents() ?? [])].map(([, document]) =>
          cloneDocument(document),
        ),
    }).run(input);
  } catch (error) {
    const message = (error as Error).message;
    const stage = /unregistered pipeline operator (\$\w+)/.exec(message)?.[1];
    if (stage) {
      throw new CommandError(
        ErrorCodes.UnrecognizedPipelineStage,
        `Unrecognized pipeline stage name: '${stage}'`,
      );
    }
    throw new CommandError(ErrorCodes.BadValue, message);
  }
  context.deadline.check();
  const batchSize: unknown = cursorOptions.batchSize;
  const cursor = context.server.cursors.open(namespaceOf(context, name), results, {
    batchSize: typeof batchSize === 'number' ? batchSize : undefined,
  });
  return { cursor, ok: 1 };
}

/** `explain` of `find`, with the stage names and counters mongod reports. */
function explain(context: CommandContext): Document {
  const inner = optionalDocument(context, 'explain');
  const innerName = inner ? Object.keys(inner)[0] : undefined;
  if (!inner || innerName !== 'find') {
    throw new CommandError(
      ErrorCodes.CommandNotSupported,
      `explain of ${innerName ?? 'nothing'} is not supported by the MongoDB stand-in; it explains find`,
    );
  }
  const verbosity =
    typeof context.body.verbosity === 'string' ? context.body.verbosity : 'allPlansExecution';
  const innerContext: CommandContext = { ...context, name: 'find', body: inner };
  const { result, namespace } = executeFind(innerContext);

  const { plan } = result;
  const index = plan.index;
  const filter: unknown = inner.filter ?? {};
  const scan =
    plan.stage === 'COLLSCAN'
      ? { stage: 'COLLSCAN', filter, direction: 'forward' }
      : plan.stage === 'IDHACK'
        ? { stage: 'IDHACK' }
        : {
            stage: 'FETCH',
            inputStage: {
              stage: 'IXSCAN',
              keyPattern: index?.spec.key,
              indexName: index?.name,
              isMultiKey: index?.isMultiKey ?? false,
              isUnique: index?.unique ?? false,
              isSparse: index?.spec.sparse === true,
              isPartial: false,
              direction: 'forward',
            },
          };

  const sort: unknown = inner.sort;
  const winningPlan =
    isPlainDocument(sort) && Object.keys(sort).length > 0
      ? { stage: 'SORT', sortPattern: sort, inputStage: scan }
      : scan;

  const reply: Document = {
    explainVersion: '1',
    queryPlanner: {
      namespace,
      parsedQuery: filter,
      winningPlan,
      rejectedPlans: [],
    },
    command: { ...inner, $db: context.database },
    ok: 1,
  };

  if (verbosity !== 'queryPlanner') {
    reply.executionStats = {
      executionSuccess: true,
      nReturned: result.documents.length,
      executionTimeMillis: 0,
      totalKeysExamined: plan.keysExamined,
      totalDocsExamined: result.docsExamined,
    };
  }
  return reply;
}

export const readCommands: readonly Command[] = [
  { name: 'find', fields: findFields, kind: 'read', run: find },
  {
    name: 'getMore',
    fields: ['collection', 'batchSize', 'term', 'lastKnownCommittedOpTime'],
    run: getMore,
  },
  { name: 'killCursors', fields: ['cursors'], run: killCursors },
  {
    name: 'count',
    fields: ['query', 'limit', 'skip', 'hint', 'collation', 'fields'],
    kind: 'read',
    run: count,
  },
  { name: 'distinct', fields: ['key', 'query', 'collation', 'hint'], kind: 'read', run: distinct },
  {
    name: 'aggregate',
    fields: [
      'pipeline',
      'cursor',
      'explain',
      'allowDiskUse',
      'hint',
      'let',
      'collation',
      'bypassDocumentValidation',
    ],
    kind: 'read',
    run: aggregate,
  },
  { name: 'explain', fields: ['verbosity'], run: explain },
];
