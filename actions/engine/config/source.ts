// Reading config YAML while keeping every node's position, so problems can name file:line:column.
// An optional `base.yaml` contains defaults that each environment file overrides, map by map.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument } from 'yaml';
import type { Document, Node } from 'yaml';
import type { PathSegment } from '../paths.ts';
import type { Problem, SourcePosition } from './problems.ts';

/** One parsed YAML file. */
export interface SourceFile {
  /** Absolute path. */
  readonly path: string;
  /** Path as shown in problems. */
  readonly shown: string;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
}

/** Reads and parses a YAML file; syntax errors and duplicate keys become problems. */
export async function readSource(
  path: string,
  displayRoot: string,
): Promise<{ source: SourceFile; problems: Problem[] }> {
  const text = await readFile(path, 'utf8');
  return parseSource(text, path, displayRoot);
}

export function parseSource(
  text: string,
  path: string,
  displayRoot: string,
): { source: SourceFile; problems: Problem[] } {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const shown = relative(displayRoot, path) || path;
  const problems: Problem[] = [];
  const errors = new Set<unknown>(document.errors);
  for (const error of [...document.errors, ...document.warnings]) {
    const start = lineCounter.linePos(error.pos[0]);
    const duplicate = error.code === 'DUPLICATE_KEY';
    problems.push({
      rule: duplicate ? 'config.duplicate-key' : 'config.yaml-syntax',
      path: '',
      message: duplicate
        ? 'this key appears twice in the same map; YAML keeps only one, so remove or rename the other'
        : `invalid YAML (${error.code}): ${error.message.split('\n')[0]}`,
      position: { file: shown, line: start.line, column: start.col },
      severity: errors.has(error) ? 'error' : 'warning',
    });
  }
  return { source: { path, shown, document, lineCounter }, problems };
}

function positionOf(
  source: SourceFile,
  node: { range?: [number, number, number] | null | undefined },
): SourcePosition | undefined {
  if (node.range === undefined || node.range === null) {
    return undefined;
  }
  const { line, col } = source.lineCounter.linePos(node.range[0]);
  return { file: source.shown, line, column: col };
}

/**
 * Finds the position of a path in one file: the value's node, or with `key: true` the key's node.
 * When the path does not exist in full, returns the key of its deepest existing ancestor, with
 * `exact: false`.
 */
export function locateIn(
  source: SourceFile,
  path: readonly PathSegment[],
  options: { key?: boolean } = {},
): { position: SourcePosition; exact: boolean } | undefined {
  let node: unknown = source.document.contents;
  let keyNode: Node | undefined;
  for (let depth = 0; depth < path.length; depth++) {
    const segment = path[depth]!;
    let next: unknown;
    let nextKey: Node | undefined;
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      next = pair?.value ?? undefined;
      nextKey = pair?.key as Node | undefined;
      if (pair !== undefined && next === null) {
        // `key:` with no value: point at the key.
        const position = positionOf(source, nextKey!);
        return position === undefined ? undefined : { position, exact: depth === path.length - 1 };
      }
    } else if (isSeq(node) && typeof segment === 'number') {
      next = node.items[segment];
    }
    if (next === undefined) {
      const anchor = keyNode ?? (node as Node | undefined);
      const position = anchor === undefined ? undefined : positionOf(source, anchor);
      return position === undefined ? undefined : { position, exact: false };
    }
    node = next;
    keyNode = nextKey ?? keyNode;
  }
  const target = options.key === true && keyNode !== undefined ? keyNode : (node as Node);
  const position = positionOf(source, target);
  return position === undefined ? undefined : { position, exact: true };
}

/**
 * Finds a path in the environment file first, then in the base file; an exact match wins over a
 * nearest ancestor.
 */
export function locate(
  sources: readonly SourceFile[],
  path: readonly PathSegment[],
  options: { key?: boolean } = {},
): SourcePosition | undefined {
  let fallback: SourcePosition | undefined;
  for (const source of sources) {
    const found = locateIn(source, path, options);
    if (found?.exact === true) {
      return found.position;
    }
    fallback ??= found?.position;
  }
  return fallback;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Merges `override` onto `base`: maps merge key by key, anything else is replaced. */
export function mergeConfig(base: unknown, override: unknown): unknown {
  if (!isPlainObject(base) || !isPlainObject(override)) {
    return override === undefined ? base : override;
  }
  const result: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(override)) {
    result[key] = mergeConfig(base[key], value);
  }
  return result;
}
