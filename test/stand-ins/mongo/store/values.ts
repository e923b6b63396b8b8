// Value helpers shared by the store: dotted-path access, canonical keys for index maps, and the
// shell-like rendering mongod uses inside error messages (`dup key: { _id: ObjectId('…') }`).
import { EJSON, deserialize, serialize } from 'bson';
import type { Document } from 'bson';

/** Returns whether `value` is a plain document, not an array, Date, RegExp or BSON class. */
export function isPlainDocument(value: unknown): value is Document {
  if (typeof value !== 'object' || value === null) return false;
  if (Array.isArray(value) || value instanceof Date || value instanceof RegExp) return false;
  return (value as { _bsontype?: unknown })._bsontype === undefined;
}

/** Deep copy through BSON, so ObjectId, Date, Long and Binary keep their classes. */
export function cloneDocument<T extends Document>(document: T): T {
  return deserialize(serialize(document, { ignoreUndefined: true })) as T;
}

/** True when both documents serialize to the same BSON bytes (field order and types count). */
export function sameBson(left: Document, right: Document): boolean {
  const options = { ignoreUndefined: true };
  return Buffer.from(serialize(left, options)).equals(Buffer.from(serialize(right, options)));
}

/**
 * Returns every value at a dotted path, descending into arrays the way index keys and queries do:
 * `a.b` over `{ a: [{ b: 1 }, { b: 2 }] }` gives `[1, 2]`. A missing path gives `[undefined]`.
 */
export function valuesAtPath(document: unknown, path: string): unknown[] {
  return collect(document, path.split('.'), 0);
}

function collect(value: unknown, segments: string[], depth: number): unknown[] {
  if (depth === segments.length) return [value];
  const segment = segments[depth] as string;
  if (Array.isArray(value)) {
    if (/^\d+$/.test(segment) && Number(segment) < value.length) {
      return collect(value[Number(segment)], segments, depth + 1);
    }
    const found = value.flatMap((element) =>
      isPlainDocument(element) ? collect(element, segments, depth) : [],
    );
    return found.length > 0 ? found : [undefined];
  }
  if (!isPlainDocument(value)) return [undefined];
  return collect(value[segment], segments, depth + 1);
}

/** Returns the value at a dotted path without descending into arrays, or `undefined`. */
export function valueAtPath(document: unknown, path: string): unknown {
  let current: unknown = document;
  for (const segment of path.split('.')) {
    if (Array.isArray(current) && /^\d+$/.test(segment)) {
      current = current[Number(segment)];
    } else if (isPlainDocument(current)) {
      current = current[segment];
    } else {
      return undefined;
    }
  }
  return current;
}

/** Sets a dotted path, creating the intermediate documents. */
export function setAtPath(document: Document, path: string, value: unknown): void {
  const segments = path.split('.');
  let current: Document = document;
  for (const segment of segments.slice(0, -1)) {
    const next: unknown = current[segment];
    if (!isPlainDocument(next)) current[segment] = {};
    current = current[segment] as Document;
  }
  current[segments[segments.length - 1] as string] = value;
}

/**
 * Returns a string that is equal for two values exactly when mongod treats them as the same index
 * key: numbers compare by value across int, long and double; missing and null are the same key.
 */
export function canonicalKey(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'number') return `n:${Object.is(value, -0) ? 0 : value}`;
  if (typeof value === 'string') return `s:${JSON.stringify(value)}`;
  if (typeof value === 'boolean') return `b:${value}`;
  if (value instanceof Date) return `d:${value.getTime()}`;
  if (value instanceof RegExp) return `r:${value.source}/${value.flags}`;
  if (Array.isArray(value)) return `a:[${value.map(canonicalKey).join(',')}]`;
  const bsontype = (value as { _bsontype?: string })._bsontype;
  if (bsontype === 'ObjectId') return `o:${(value as { toHexString(): string }).toHexString()}`;
  if (bsontype === 'Long' || bsontype === 'Int32' || bsontype === 'Double') {
    return `n:${Number((value as { toString(): string }).toString())}`;
  }
  if (bsontype !== undefined) return `${bsontype}:${EJSON.stringify(value, { relaxed: false })}`;
  const entries = Object.entries(value as Document).map(
    ([key, entry]) => `${JSON.stringify(key)}:${canonicalKey(entry)}`,
  );
  return `O:{${entries.join(',')}}`;
}

/**
 * Renders a value the way mongod prints it in messages: `1`, `"text"`, `ObjectId('…')`,
 * `new Date(1700000000000)`, `{ a: 1 }`, `[ 1, 2 ]`.
 */
export function formatValue(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof Date) return `new Date(${value.getTime()})`;
  if (value instanceof RegExp) return `/${value.source}/${value.flags}`;
  if (Array.isArray(value)) {
    return value.length === 0 ? '[]' : `[ ${value.map(formatValue).join(', ')} ]`;
  }
  const bsontype = (value as { _bsontype?: string })._bsontype;
  if (bsontype === 'ObjectId') {
    return `ObjectId('${(value as { toHexString(): string }).toHexString()}')`;
  }
  if (bsontype !== undefined) return `${bsontype}(${EJSON.stringify(value)})`;
  return formatDocument(value);
}

/** Renders a document as `{ a: 1, b.c: "x" }`, field names unquoted like mongod prints them. */
export function formatDocument(document: Document): string {
  const entries = Object.entries(document).map(([key, value]) => `${key}: ${formatValue(value)}`);
  return entries.length === 0 ? '{}' : `{ ${entries.join(', ')} }`;
}
