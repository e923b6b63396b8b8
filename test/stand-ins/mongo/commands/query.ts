// Runs a filter, sort, skip, limit and projection over a collection with mingo, reading only the
// records the planner picks. Shared by find, count, distinct, explain and the writes.
import type { Document } from 'bson';
import { Query } from 'mingo';
import type { Deadline } from '../deadline.ts';
import { CommandError, ErrorCodes } from '../errors.ts';
import type { Collection } from '../store/collection.ts';
import type { QueryPlan } from '../store/planner.ts';

export interface QueryOptions {
  readonly filter?: Document;
  readonly sort?: Document;
  readonly skip?: number;
  /** 0 or absent: no limit. */
  readonly limit?: number;
  readonly projection?: Document;
  /** `let` variables for `$expr`. */
  readonly variables?: Document;
}

export interface QueryResult {
  /** Matching records in result order, before projection. */
  readonly records: [number, Document][];
  /** The documents to return, projected. */
  readonly documents: Document[];
  readonly plan: QueryPlan;
  readonly docsExamined: number;
}

/** Compiles a filter, turning mingo's parse errors into BadValue (2). */
export function compileFilter(filter: Document, variables?: Document): Query {
  try {
    return new Query(filter, variables ? { variables } : {});
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
}

export function runQuery(
  collection: Collection | undefined,
  options: QueryOptions,
  deadline: Deadline,
): QueryResult {
  const filter = options.filter ?? {};
  const query = compileFilter(filter, options.variables);
  if (!collection) {
    return {
      records: [],
      documents: [],
      plan: { stage: 'COLLSCAN', keysExamined: 0 },
      docsExamined: 0,
    };
  }

  const plan = collection.plan(filter);
  const { records, examined } = collection.read(plan, deadline);
  let matched: [number, Document][];
  try {
    matched = records.filter(([, document]) => query.test(document));
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
  deadline.check();

  if (options.sort && Object.keys(options.sort).length > 0) {
    matched = sortRecords(matched, options.sort);
  }

  const start = options.skip ?? 0;
  const end = options.limit ? start + options.limit : undefined;
  matched = matched.slice(start, end);
  const documents = options.projection
    ? project(
        matched.map(([, document]) => document),
        options.projection,
      )
    : matched.map(([, document]) => document);
  return { records: matched, documents, plan, docsExamined: examined };
}

function sortRecords(records: [number, Document][], sort: Document): [number, Document][] {
  for (const [field, direction] of Object.entries(sort)) {
    if (direction !== 1 && direction !== -1) {
      throw new CommandError(
        ErrorCodes.BadValue,
        `$sort key ordering must be 1 (for ascending) or -1 (for descending); got ${JSON.stringify(direction)} for '${field}'`,
      );
    }
  }
  const byDocument = new Map<Document, number>(
    records.map(([recordId, document]) => [document, recordId]),
  );
  try {
    const sorted = new Query({}, {})
      .find<Document>(records.map(([, document]) => document))
      .sort(sort)
      .all();
    return sorted.map((document) => [byDocument.get(document) as number, document]);
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
}

/**
 * Applies a projection with mingo, then restores the document's field order: mongod returns the
 * kept fields in the order they have in the document, `_id` included.
 */
export function project(documents: Document[], projection: Document): Document[] {
  let projected: Document[];
  try {
    projected = new Query({}, {}).find<Document>(documents, projection).all();
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
  return projected.map((result, position) => {
    const source = documents[position] as Document;
    const ordered: Document = {};
    for (const key of Object.keys(source)) if (key in result) ordered[key] = result[key] as unknown;
    for (const key of Object.keys(result))
      if (!(key in ordered)) ordered[key] = result[key] as unknown;
    return ordered;
  });
}
