// Update documents: operator updates (`$set`, `$inc`, …), replacements and pipeline updates, with
// mongod's validation and messages. mingo applies the operators. The checks it does not make (a
// type mismatch, a conflicting path, a change to `_id`) are made here first, because mingo
// silently skips such an operation where mongod raises an error.
import { ObjectId } from 'bson';
import type { Document } from 'bson';
import { Aggregator, update as applyOperators } from 'mingo';
import { CommandError, ErrorCodes, bsonTypeName } from '../errors.ts';
import {
  canonicalKey,
  cloneDocument,
  formatValue,
  isPlainDocument,
  setAtPath,
  valueAtPath,
} from './values.ts';

const updateOperators = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
  '$rename',
  '$currentDate',
  '$setOnInsert',
  '$bit',
]);

const pipelineUpdateStages = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

export type UpdateSpec =
  | { readonly kind: 'operators'; readonly operators: Document }
  | { readonly kind: 'replacement'; readonly replacement: Document }
  | { readonly kind: 'pipeline'; readonly stages: Document[] };

/** Classifies and validates the `u` of an update statement (or `update` of findAndModify). */
export function parseUpdate(update: unknown): UpdateSpec {
  if (Array.isArray(update)) return { kind: 'pipeline', stages: parsePipeline(update) };
  if (!isPlainDocument(update)) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      `Update argument must be either an object or an array, not ${bsonTypeName(update)}`,
    );
  }
  const keys = Object.keys(update);
  if (keys.length === 0 || !(keys[0] as string).startsWith('$')) {
    for (const key of keys) {
      if (key.startsWith('$')) {
        throw new CommandError(
          ErrorCodes.DollarPrefixedFieldName,
          `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
        );
      }
    }
    return { kind: 'replacement', replacement: update };
  }
  for (const [operator, operand] of Object.entries(update)) {
    if (!updateOperators.has(operator)) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `Unknown modifier: ${operator}. Expected a valid update modifier or pipeline-style update specified as an array`,
      );
    }
    if (!isPlainDocument(operand)) {
      throw new CommandError(
        ErrorCodes.FailedToParse,
        `Modifiers operate on fields but we found type ${bsonTypeName(operand)} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${formatValue(operand)}}`,
      );
    }
  }
  checkPathConflicts(update);
  return { kind: 'operators', operators: update };
}

function parsePipeline(stages: unknown[]): Document[] {
  return stages.map((stage) => {
    const name = isPlainDocument(stage) ? Object.keys(stage)[0] : undefined;
    if (!isPlainDocument(stage) || name === undefined || !pipelineUpdateStages.has(name)) {
      throw new CommandError(
        ErrorCodes.InvalidOptions,
        `${name ?? formatValue(stage)} is not allowed to be used within an update`,
      );
    }
    return stage;
  });
}

// Two operators may not touch the same path or a path and its prefix: `{ $set: { a: 1 },
// $inc: { 'a.b': 1 } }` is ConflictingUpdateOperators (40) on mongod.
function checkPathConflicts(operators: Document): void {
  const paths: string[] = [];
  for (const [operator, operand] of Object.entries(operators)) {
    for (const [path, value] of Object.entries(operand as Document)) {
      paths.push(path);
      if (operator === '$rename' && typeof value === 'string') paths.push(value);
    }
  }
  for (const [position, path] of paths.entries()) {
    for (const other of paths.slice(position + 1)) {
      const [shorter, longer] = path.length <= other.length ? [path, other] : [other, path];
      if (longer === shorter || longer.startsWith(`${shorter}.`)) {
        throw new CommandError(
          ErrorCodes.ConflictingUpdateOperators,
          `Updating the path '${other}' would create a conflict at '${shorter}'`,
        );
      }
    }
  }
}

export interface ApplyOptions {
  /** The statement's filter, used for the positional `$` operator. */
  readonly filter: Document;
  readonly arrayFilters?: Document[];
  /** True while building an upserted document: `$setOnInsert` applies. */
  readonly inserting: boolean;
}

/** Returns the updated copy of `original`; `original` is not changed. */
export function applyUpdate(original: Document, spec: UpdateSpec, options: ApplyOptions): Document {
  switch (spec.kind) {
    case 'replacement':
      return replaceDocument(original, spec.replacement);
    case 'pipeline':
      return runPipelineUpdate(original, spec.stages);
    case 'operators':
      return applyOperatorUpdate(original, spec.operators, options);
  }
}

function replaceDocument(original: Document, replacement: Document): Document {
  const copy = cloneDocument(replacement);
  if (copy._id !== undefined && original._id !== undefined) {
    checkIdUnchanged(original, copy, 'replacement');
  }
  const { _id: _ignored, ...rest } = copy;
  return original._id === undefined ? copy : { _id: original._id as unknown, ...rest };
}

function runPipelineUpdate(original: Document, stages: Document[]): Document {
  let result: Document | undefined;
  try {
    result = new Aggregator(stages, {}).run([cloneDocument(original)])[0];
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message, {});
  }
  if (!result) throw new CommandError(ErrorCodes.BadValue, 'pipeline update removed the document');
  if (original._id !== undefined) checkIdUnchanged(original, result, 'replacement');
  return result;
}

function applyOperatorUpdate(
  original: Document,
  operators: Document,
  options: ApplyOptions,
): Document {
  const document = cloneDocument(original);
  const modifier: Document = {};
  for (const [operator, operand] of Object.entries(operators)) {
    if (operator === '$setOnInsert') continue;
    modifier[operator] = { ...(operand as Document) };
  }
  if (options.inserting && operators.$setOnInsert) {
    modifier.$set = {
      ...(modifier.$set as Document | undefined),
      ...(operators.$setOnInsert as Document),
    };
  }
  for (const [operator, operand] of Object.entries(modifier)) {
    for (const [path, value] of Object.entries(operand as Document)) {
      if (path === '_id' || path.startsWith('_id.')) {
        applyIdPath(document, operator, path, value);
        delete (operand as Document)[path];
        continue;
      }
      checkOperand(document, operator, path, value);
    }
  }
  const positional = Object.values(modifier).some((operand) =>
    Object.keys(operand as Document).some((path) => /(^|\.)\$(\.|$)/.test(path)),
  );
  try {
    applyOperators(
      document,
      modifier,
      options.arrayFilters,
      positional ? options.filter : undefined,
      {
        cloneMode: 'deep',
      },
    );
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
  if (original._id !== undefined) checkIdUnchanged(original, document, 'operator');
  return document;
}

function checkIdUnchanged(
  original: Document,
  updated: Document,
  style: 'operator' | 'replacement',
): void {
  if (canonicalKey(updated._id) === canonicalKey(original._id) && updated._id !== undefined) return;
  throw new CommandError(
    ErrorCodes.ImmutableField,
    style === 'operator'
      ? "Performing an update on the path '_id' would modify the immutable field '_id'"
      : `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(updated._id)}`,
  );
}

// The checks mongod makes per operator. Paths with positional parts (`$`, `$[]`, `$[id]`) are
// left to mingo, which resolves them.
function checkOperand(document: Document, operator: string, path: string, operand: unknown): void {
  if (path.split('.').some((segment) => segment.startsWith('$'))) return;

  checkPathViable(document, path, operator);
  const current = valueAtPath(document, path);
  const where = `{_id: ${formatValue(document._id)}}`;
  switch (operator) {
    case '$inc':
    case '$mul': {
      const verb = operator === '$inc' ? 'increment' : 'multiply';
      if (!isNumeric(operand)) {
        throw new CommandError(
          ErrorCodes.TypeMismatch,
          `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(operand)}}`,
        );
      }
      if (current !== undefined && !isNumeric(current)) {
        throw new CommandError(
          ErrorCodes.TypeMismatch,
          `Cannot apply ${operator} to a value of non-numeric type. ${where} has the field '${path}' of non-numeric type ${bsonTypeName(current)}`,
        );
      }
      return;
    }
    case '$push':
      if (current !== undefined && !Array.isArray(current)) {
        throw new CommandError(
          ErrorCodes.BadValue,
          `The field '${path}' must be an array but is of type ${bsonTypeName(current)} in document ${where}`,
        );
      }
      return;
    case '$addToSet':
      if (current !== undefined && !Array.isArray(current)) {
        throw new CommandError(
          ErrorCodes.BadValue,
          `Cannot apply $addToSet to non-array field. Field named '${path}' has non-array type ${bsonTypeName(current)}`,
        );
      }
      return;
    case '$pull':
    case '$pullAll':
    case '$pop':
      if (current !== undefined && !Array.isArray(current)) {
        throw new CommandError(
          ErrorCodes.BadValue,
          `Cannot apply ${operator} to a non-array value`,
        );
      }
      return;
    case '$rename':
      if (typeof operand !== 'string') {
        throw new CommandError(
          ErrorCodes.BadValue,
          `The 'to' field for $rename must be a string: ${path}: ${formatValue(operand)}`,
        );
      }
      return;
    default:
      return;
  }
}

function isNumeric(value: unknown): boolean {
  if (typeof value === 'number') return true;
  const bsontype = (value as { _bsontype?: string } | null)?._bsontype;
  return (
    bsontype === 'Long' ||
    bsontype === 'Int32' ||
    bsontype === 'Double' ||
    bsontype === 'Decimal128'
  );
}

// Creating `a.b` fails when `a` contains a value that cannot have fields, such as a number.
function checkPathViable(document: Document, path: string, operator: string): void {
  if (operator === '$unset' || operator === '$pull' || operator === '$pullAll') return;
  const segments = path.split('.');
  let current: unknown = document;
  for (const [depth, segment] of segments.slice(0, -1).entries()) {
    let next: unknown;
    if (Array.isArray(current) && /^\d+$/.test(segment)) next = current[Number(segment)];
    else if (isPlainDocument(current)) next = current[segment];
    else return;
    if (next === undefined || next === null) return;
    const nextSegment = segments[depth + 1] as string;
    const blocked = Array.isArray(next) ? !/^\d+$/.test(nextSegment) : !isPlainDocument(next);
    if (blocked) {
      throw new CommandError(
        ErrorCodes.PathNotViable,
        `Cannot create field '${nextSegment}' in element {${segment}: ${formatValue(next)}}`,
      );
    }
    current = next;
  }
}

/**
 * Builds the document an upsert inserts: the equality conditions of the filter, then the update
 * (with `$setOnInsert`), and a new ObjectId when neither gave an `_id`. `_id` comes first.
 */
export function buildUpsertDocument(
  filter: Document,
  spec: UpdateSpec,
  options: Omit<ApplyOptions, 'inserting'>,
): Document {
  let document: Document;
  if (spec.kind === 'replacement') {
    const base = equalityDocument(filter);
    document = cloneDocument(spec.replacement);
    if (document._id === undefined && base._id !== undefined)
      document = { _id: base._id as unknown, ...document };
  } else {
    document = applyUpdate(equalityDocument(filter), spec, { ...options, inserting: true });
  }
  if (document._id === undefined) document = { _id: new ObjectId(), ...document };
  const { _id: id, ...rest } = document;
  return { _id: id as unknown, ...rest };
}

// Fields the filter pins to one value: `{ a: 1 }`, `{ a: { $eq: 1 } }`, also inside `$and`.
function equalityDocument(filter: Document): Document {
  const document: Document = {};
  const visit = (clause: Document) => {
    for (const [field, condition] of Object.entries(clause)) {
      if (field === '$and' && Array.isArray(condition)) {
        for (const nested of condition) if (isPlainDocument(nested)) visit(nested);
        continue;
      }
      if (field.startsWith('$')) continue;
      if (isPlainDocument(condition)) {
        const keys = Object.keys(condition);
        if (keys.length === 1 && keys[0] === '$eq')
          setAtPath(document, field, cloneValue(condition.$eq));
        else if (!keys.some((key) => key.startsWith('$')))
          setAtPath(document, field, cloneValue(condition));
        continue;
      }
      if (condition instanceof RegExp) continue;
      setAtPath(document, field, cloneValue(condition));
    }
  };
  visit(filter);
  return document;
}

function cloneValue(value: unknown): unknown {
  const { value: copy } = cloneDocument({ value });
  return copy;
}

// mingo refuses every `_id` path, but mongod accepts `$set` of `_id` to its current value, and
// to any value while an upsert builds a document that has no `_id` yet.
function applyIdPath(document: Document, operator: string, path: string, value: unknown): void {
  if (operator === '$set') {
    if (document._id === undefined) {
      setAtPath(document, path, value);
      return;
    }
    if (canonicalKey(valueAtPath(document, path)) === canonicalKey(value)) return;
  }
  throw new CommandError(
    ErrorCodes.ImmutableField,
    "Performing an update on the path '_id' would modify the immutable field '_id'",
  );
}
