// Field-by-field comparison of a desired spec with an observed one, following the handler's
// field rules. Only fields present in the desired spec are compared, at every depth, so values
// the vendor fills in by default never show as drift.
import { findFieldRule, formatPath } from './paths.ts';
import type { PathSegment } from './paths.ts';
import { isUnknown } from './provider.ts';
import type { FieldChange, FieldRule, SpecValue } from './provider.ts';
import { containsUnknown } from './references.ts';

/** Text that stands in for a masked value in plans, logs and JSON. */
export const maskedValue = '(sensitive)';

export interface DiffOptions {
  readonly fields?: Readonly<Record<string, FieldRule>> | undefined;
  /** Paths whose values come from secrets: a change at, above or below them is masked. */
  readonly secretPaths?: readonly string[];
}

type Observed = SpecValue | undefined;

function isRecord(value: Observed): value is { [key: string]: SpecValue } {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !isUnknown(value);
}

/** Orders strings by UTF-16 code units, the same on every machine and locale. */
export function compareText(a: string, b: string): number {
  if (a === b) {
    return 0;
  }
  return a < b ? -1 : 1;
}

/** Serialises a value with sorted keys, so equal meanings give equal strings. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((item) => canonicalJson(item)).join(',')}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const entries = Object.keys(value)
      .sort()
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .map(
        (key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`,
      );
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value) ?? 'undefined';
}

/**
 * Decodes a JSON document that arrives as a string, as IAM returns policies: URL-encoded
 * (`%7B%22Version%22...`) or plain JSON text. Other values pass through.
 */
function decodeJsonDocument(value: Observed): unknown {
  if (typeof value !== 'string') {
    return value;
  }
  const candidates = [value];
  if (value.includes('%')) {
    try {
      candidates.unshift(decodeURIComponent(value));
    } catch {
      // Not URL-encoded after all: the plain text is still tried below.
    }
  }
  for (const candidate of candidates) {
    const trimmed = candidate.trim();
    if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
      try {
        return JSON.parse(trimmed) as unknown;
      } catch {
        // Not JSON: compared as a string.
      }
    }
  }
  return value;
}

/**
 * Normalises a JSON document for comparison by meaning, the way IAM reads policies: key order is
 * ignored, a one-item array equals its item, and other arrays are sets (order and duplicates do
 * not matter), as for `Action`, `Resource` and `Statement`.
 */
export function normaliseJsonDocument(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map((item) => normaliseJsonDocument(item));
    const unique = new Map(items.map((item) => [canonicalJson(item), item]));
    const sorted = [...unique.entries()].sort(([a], [b]) => compareText(a, b));
    return sorted.length === 1 ? sorted[0]![1] : sorted.map(([, item]) => item);
  }
  if (typeof value === 'object' && value !== null) {
    const result: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      result[key] = normaliseJsonDocument((value as Record<string, unknown>)[key]);
    }
    return result;
  }
  return value;
}

function jsonDocumentsEqual(desired: SpecValue, observed: Observed): boolean {
  const left = normaliseJsonDocument(decodeJsonDocument(desired));
  const right = normaliseJsonDocument(decodeJsonDocument(observed));
  return canonicalJson(left) === canonicalJson(right);
}

class Comparer {
  readonly changes: FieldChange[] = [];

  constructor(private readonly options: DiffOptions) {}

  compare(desired: SpecValue, observed: Observed, path: PathSegment[]): void {
    if (!this.matches(desired, observed, path)) {
      this.changes.push({ path: formatPath(path), before: observed, after: desired });
    }
  }

  /** Compares objects key by key, so a change names the deepest differing field. */
  compareFields(desired: SpecValue, observed: Observed, path: PathSegment[]): void {
    const rule = findFieldRule(this.options.fields, path)?.rule;
    if (rule?.compare === 'ignore') {
      return;
    }
    const plainObject = rule?.compare === undefined || rule.compare === 'ordered';
    if (plainObject && isRecord(desired) && isRecord(observed)) {
      for (const key of Object.keys(desired)) {
        this.compareFields(desired[key]!, observed[key], [...path, key]);
      }
      return;
    }
    this.compare(desired, observed, path);
  }

  /** Returns whether `observed` satisfies `desired` under the rules, ignoring fields desired lacks. */
  matches(desired: SpecValue, observed: Observed, path: PathSegment[]): boolean {
    const rule = findFieldRule(this.options.fields, path)?.rule;
    if (rule?.compare === 'ignore') {
      return true;
    }
    if (containsUnknown(desired)) {
      return false;
    }
    if (rule?.compare === 'json') {
      return jsonDocumentsEqual(desired, observed);
    }
    if (desired === null) {
      return observed === null || observed === undefined;
    }
    if (Array.isArray(desired)) {
      if (!Array.isArray(observed)) {
        return false;
      }
      return rule?.compare === 'set'
        ? this.setMatches(desired, observed, path)
        : desired.length === observed.length &&
            desired.every((item, index) => this.matches(item, observed[index], [...path, index]));
    }
    if (isRecord(desired)) {
      return (
        isRecord(observed) &&
        Object.keys(desired).every((key) =>
          this.matches(desired[key]!, observed[key], [...path, key]),
        )
      );
    }
    return desired === observed;
  }

  /** Sets: every desired item matches an observed one and every observed item is matched. */
  private setMatches(desired: SpecValue[], observed: SpecValue[], path: PathSegment[]): boolean {
    const itemPath = [...path, 0];
    const everyDesiredFound = desired.every((item) =>
      observed.some((candidate) => this.matches(item, candidate, itemPath)),
    );
    const everyObservedWanted = observed.every((candidate) =>
      desired.some((item) => this.matches(item, candidate, itemPath)),
    );
    return everyDesiredFound && everyObservedWanted;
  }
}

function overlaps(changePath: string, secretPath: string): boolean {
  const boundary = (longer: string, shorter: string) =>
    longer === shorter ||
    (longer.startsWith(shorter) &&
      (longer[shorter.length] === '.' || longer[shorter.length] === '['));
  return boundary(changePath, secretPath) || boundary(secretPath, changePath);
}

function mask(change: FieldChange): FieldChange {
  return {
    path: change.path,
    before: change.before === undefined ? undefined : maskedValue,
    after: change.after === undefined || isUnknown(change.after) ? change.after : maskedValue,
    sensitive: true,
  };
}

/**
 * Lists the fields of `desired` that `observed` does not match, with sensitive values masked.
 * Each change names the deepest differing object field; arrays, sets and JSON documents change
 * as a whole.
 */
export function diffSpec(
  desired: Readonly<Record<string, SpecValue>>,
  observed: Readonly<Record<string, SpecValue>>,
  options: DiffOptions = {},
): FieldChange[] {
  const comparer = new Comparer(options);
  for (const key of Object.keys(desired).sort()) {
    comparer.compareFields(desired[key]!, observed[key], [key]);
  }
  const sensitiveKeys = Object.entries(options.fields ?? {})
    .filter(([, rule]) => rule.sensitive === true)
    .map(([key]) => key);
  const secretPaths = [...(options.secretPaths ?? []), ...sensitiveKeys];
  return comparer.changes.map((change) => {
    const rule = findFieldRule(options.fields, parsePathKeys(change.path))?.rule;
    const secret = secretPaths.some((secretPath) => overlaps(change.path, secretPath));
    return rule?.sensitive === true || secret ? mask(change) : change;
  });
}

/** Recovers the object keys of a formatted path, for rule lookups (indices are not needed). */
function parsePathKeys(path: string): PathSegment[] {
  const segments: PathSegment[] = [];
  for (const match of path.matchAll(/([A-Za-z_$][\w$-]*)|\[("(?:[^"\\]|\\.)*")\]|\[(\d+)\]/g)) {
    if (match[1] !== undefined) {
      segments.push(match[1]);
    } else if (match[2] !== undefined) {
      segments.push(JSON.parse(match[2]) as string);
    } else {
      segments.push(Number(match[3]));
    }
  }
  return segments;
}
