// Unknown keys, found by walking the YAML against the JSON schema. Schemas that strip unknown
// keys (zod's default) would otherwise drop a misspelt key without a word.
import { isMap, isPair, isScalar, isSeq } from 'yaml';
import type { Node } from 'yaml';
import type { PathSegment } from '../paths.ts';
import { formatPath } from '../paths.ts';
import { didYouMean } from '../suggest.ts';

type JsonSchema = Record<string, unknown>;

export interface UnknownKey {
  readonly path: readonly PathSegment[];
  readonly key: string;
  readonly allowed: readonly string[];
  readonly message: string;
}

function resolveReference(schema: JsonSchema, root: JsonSchema): JsonSchema {
  let current = schema;
  for (let depth = 0; typeof current.$ref === 'string' && depth < 32; depth++) {
    const [, container, name] = /^#\/(definitions|\$defs)\/(.+)$/.exec(current.$ref) ?? [];
    const target = (root[container ?? ''] as Record<string, JsonSchema> | undefined)?.[name ?? ''];
    if (target === undefined) {
      return {};
    }
    current = target;
  }
  return current;
}

/** Flattens `anyOf`, `oneOf` and `$ref` into the alternative schemas a value may match. */
function alternatives(schema: unknown, root: JsonSchema): JsonSchema[] {
  if (typeof schema !== 'object' || schema === null) {
    return [];
  }
  const resolved = resolveReference(schema as JsonSchema, root);
  const branches = (resolved.anyOf ?? resolved.oneOf) as unknown[] | undefined;
  if (branches !== undefined) {
    return branches.flatMap((branch) => alternatives(branch, root));
  }
  const all = resolved.allOf as unknown[] | undefined;
  if (all !== undefined) {
    const merged: JsonSchema = { type: 'object', properties: {} };
    for (const part of all.flatMap((branch) => alternatives(branch, root))) {
      Object.assign(merged.properties as JsonSchema, part.properties ?? {});
      if (part.additionalProperties !== undefined) {
        merged.additionalProperties = part.additionalProperties;
      }
    }
    return [merged];
  }
  return [resolved];
}

function isObjectSchema(schema: JsonSchema): boolean {
  return (
    schema.type === 'object' ||
    schema.properties !== undefined ||
    schema.additionalProperties !== undefined
  );
}

/** Returns whether a schema lists properties and allows no others; zod's default object counts as closed. */
function isClosed(schema: JsonSchema): boolean {
  return (
    schema.properties !== undefined &&
    (schema.additionalProperties === undefined || schema.additionalProperties === false)
  );
}

function childSchemas(candidates: readonly JsonSchema[], key: string): unknown[] {
  const children: unknown[] = [];
  for (const candidate of candidates) {
    const property = (candidate.properties as JsonSchema | undefined)?.[key];
    if (property !== undefined) {
      children.push(property);
    } else if (typeof candidate.additionalProperties === 'object') {
      children.push(candidate.additionalProperties);
    }
  }
  return children;
}

/** Lists keys of the YAML that no schema alternative allows, with "did you mean" hints. */
export function findUnknownKeys(node: unknown, schema: JsonSchema): UnknownKey[] {
  const found: UnknownKey[] = [];
  const visit = (current: unknown, schemas: readonly unknown[], path: PathSegment[]): void => {
    const candidates = schemas.flatMap((item) => alternatives(item, schema));
    if (
      candidates.length === 0 ||
      candidates.some((candidate) => Object.keys(candidate).length === 0)
    ) {
      return;
    }
    if (isMap(current)) {
      const objects = candidates.filter(isObjectSchema);
      if (objects.length === 0) {
        return;
      }
      const allowed = [
        ...new Set(
          objects.flatMap((candidate) =>
            Object.keys((candidate.properties as JsonSchema | undefined) ?? {}),
          ),
        ),
      ].sort();
      const closed = objects.every(isClosed);
      for (const pair of current.items) {
        if (!isPair(pair) || !isScalar(pair.key)) {
          continue;
        }
        const key = String(pair.key.value);
        const children = childSchemas(objects, key);
        if (children.length === 0 && closed) {
          const where = path.length === 0 ? 'at the top level' : `in ${formatPath(path)}`;
          found.push({
            path,
            key,
            allowed,
            message: `unknown key "${key}" ${where}.${didYouMean(key, allowed)} Allowed keys: ${allowed.join(', ')}.`,
          });
          continue;
        }
        visit(pair.value, children, [...path, key]);
      }
      return;
    }
    if (isSeq(current)) {
      const items = candidates.flatMap((candidate) =>
        candidate.items === undefined ? [] : [candidate.items],
      );
      current.items.forEach((item, index) => visit(item, items, [...path, index]));
    }
  };
  visit((node as { contents?: Node | null }).contents ?? node, [schema], []);
  return found;
}

/** Lists the keys a map at `path` allows, for hints on problems zod reports itself. */
export function allowedKeysAt(schema: JsonSchema, path: readonly PathSegment[]): string[] {
  let candidates = alternatives(schema, schema);
  for (const segment of path) {
    const next: unknown[] = [];
    for (const candidate of candidates) {
      if (typeof segment === 'number') {
        if (candidate.items !== undefined) {
          next.push(candidate.items);
        }
      } else {
        next.push(...childSchemas([candidate], segment));
      }
    }
    candidates = next.flatMap((item) => alternatives(item, schema));
  }
  return [
    ...new Set(
      candidates.flatMap((candidate) =>
        Object.keys((candidate.properties as JsonSchema | undefined) ?? {}),
      ),
    ),
  ].sort();
}
