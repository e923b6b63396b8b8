// References inside config strings: `${aws.roles.lambda.arn}` (a resource output) and
// `${secret:env:NAME}` (a secret resolved at run time; YAML writes it as `{ secret: ... }`).
// A reference may be the whole value or embedded: `${aws.functionUrls.api.url}docs/`.
// `$${` writes a literal `${`.
import type { PathSegment } from './paths.ts';
import { isUnknown } from './provider.ts';
import type { SpecValue, Unknown } from './provider.ts';

/** A reference to an output (or top-level spec field) of another resource. */
export interface OutputReference {
  readonly type: 'output';
  /** The `${...}` text as written. */
  readonly text: string;
  /** Resource address: `aws.roles.lambda`. */
  readonly address: string;
  /** Output name: `arn`. */
  readonly output: string;
}

export type SecretSource = 'env' | 'secretsManager';

/** A secret named in config and resolved at run time. */
export interface SecretReference {
  readonly type: 'secret';
  readonly text: string;
  readonly from: SecretSource;
  readonly name: string;
}

export type Reference = OutputReference | SecretReference;

/** A `${...}` that is neither form, with the reason. */
export interface MalformedReference {
  readonly type: 'malformed';
  readonly text: string;
  readonly reason: string;
}

type TemplatePart = { readonly literal: string } | { readonly reference: Reference };

const placeholder = /\$?\$\{([^}]*)\}?/g;
const outputPattern = /^([a-z][a-z0-9-]*)\.([A-Za-z][\w-]*)\.([A-Za-z0-9][\w-]*)\.([A-Za-z][\w]*)$/;
const secretPattern = /^secret:([A-Za-z]+):(.+)$/;
const environmentVariableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const secretsManagerName = /^[A-Za-z0-9/_+=.@-]{1,512}$/;

/** Writes a secret reference in its string form, which is how specs carry it. */
export function secretReferenceText(from: SecretSource, name: string): string {
  return `\${secret:${from}:${name}}`;
}

/** Checks a secret name against its source's rules, returning the problem or `undefined`. */
export function checkSecretName(from: SecretSource, name: string): string | undefined {
  if (from === 'env' && !environmentVariableName.test(name)) {
    return `an environment variable name has letters, digits and underscores and does not start with a digit (got ${JSON.stringify(name)})`;
  }
  if (from === 'secretsManager' && !secretsManagerName.test(name)) {
    return `a Secrets Manager name has 1 to 512 characters from A-Z a-z 0-9 / _ + = . @ - (got ${JSON.stringify(name)})`;
  }
  return undefined;
}

function parseReference(text: string, body: string): Reference | MalformedReference {
  if (!text.endsWith('}')) {
    return { type: 'malformed', text, reason: 'the closing "}" is missing' };
  }
  const secret = secretPattern.exec(body);
  if (secret !== null) {
    const from = secret[1]!;
    const name = secret[2]!;
    if (from !== 'env' && from !== 'secretsManager') {
      return {
        type: 'malformed',
        text,
        reason: `secret source must be env or secretsManager (got ${JSON.stringify(from)})`,
      };
    }
    const problem = checkSecretName(from, name);
    return problem === undefined
      ? { type: 'secret', text, from, name }
      : { type: 'malformed', text, reason: problem };
  }
  const output = outputPattern.exec(body);
  if (output === null) {
    return {
      type: 'malformed',
      text,
      reason:
        'a reference has four dot-separated parts, provider.collection.key.output, such as ${aws.roles.lambda.arn}',
    };
  }
  return {
    type: 'output',
    text,
    address: `${output[1]}.${output[2]}.${output[3]}`,
    output: output[4]!,
  };
}

/**
 * Splits a string into literal text and references. Malformed `${...}` placeholders are
 * returned separately so validation can report them; they count as literal text.
 */
export function parseTemplate(text: string): {
  parts: TemplatePart[];
  malformed: MalformedReference[];
} {
  const parts: TemplatePart[] = [];
  const malformed: MalformedReference[] = [];
  let literal = '';
  let last = 0;
  for (const match of text.matchAll(placeholder)) {
    literal += text.slice(last, match.index);
    last = match.index + match[0].length;
    if (match[0].startsWith('$$')) {
      literal += match[0].slice(1);
      continue;
    }
    const parsed = parseReference(match[0], match[1]!);
    if (parsed.type === 'malformed') {
      malformed.push(parsed);
      literal += match[0];
      continue;
    }
    if (literal !== '') {
      parts.push({ literal });
      literal = '';
    }
    parts.push({ reference: parsed });
  }
  literal += text.slice(last);
  if (literal !== '') {
    parts.push({ literal });
  }
  return { parts, malformed };
}

/** A reference found in a spec, with its path inside the spec. */
export interface FoundReference {
  readonly path: readonly PathSegment[];
  readonly reference: Reference;
}

/** Lists every reference in a spec value, depth first in key order. */
export function collectReferences(
  value: SpecValue,
  path: readonly PathSegment[] = [],
): {
  references: FoundReference[];
  malformed: Array<{ path: PathSegment[]; malformed: MalformedReference }>;
} {
  const references: FoundReference[] = [];
  const malformed: Array<{ path: PathSegment[]; malformed: MalformedReference }> = [];
  const visit = (current: SpecValue, at: PathSegment[]): void => {
    if (typeof current === 'string') {
      const parsed = parseTemplate(current);
      for (const part of parsed.parts) {
        if ('reference' in part) {
          references.push({ path: at, reference: part.reference });
        }
      }
      for (const item of parsed.malformed) {
        malformed.push({ path: at, malformed: item });
      }
    } else if (Array.isArray(current)) {
      current.forEach((item, index) => visit(item, [...at, index]));
    } else if (current !== null && typeof current === 'object' && !isUnknown(current)) {
      for (const [key, item] of Object.entries(current)) {
        visit(item, [...at, key]);
      }
    }
  };
  visit(value, [...path]);
  return { references, malformed };
}

/** Returns the value of a reference, or an `Unknown` while it exists only after apply. */
export type ReferenceLookup = (reference: Reference) => string | number | boolean | Unknown;

function resolveString(text: string, lookup: ReferenceLookup): SpecValue {
  const { parts } = parseTemplate(text);
  const only = parts.length === 1 ? parts[0] : undefined;
  if (only !== undefined && 'reference' in only) {
    return lookup(only.reference);
  }
  let result = '';
  for (const part of parts) {
    if ('literal' in part) {
      result += part.literal;
      continue;
    }
    const value = lookup(part.reference);
    if (isUnknown(value)) {
      return { $unknown: text };
    }
    result += String(value);
  }
  return result;
}

/** Replaces every reference in a spec value with what `lookup` returns for it. */
export function resolveReferences<T extends SpecValue>(
  value: T,
  lookup: ReferenceLookup,
): SpecValue {
  if (typeof value === 'string') {
    return resolveString(value, lookup);
  }
  if (Array.isArray(value)) {
    return value.map((item) => resolveReferences(item, lookup));
  }
  if (value !== null && typeof value === 'object' && !isUnknown(value)) {
    const result: Record<string, SpecValue> = {};
    for (const [key, item] of Object.entries(value)) {
      result[key] = resolveReferences(item, lookup);
    }
    return result;
  }
  return value;
}

/** Whether a resolved value still contains an `Unknown` anywhere. */
export function containsUnknown(value: SpecValue | undefined): boolean {
  if (value === undefined || value === null || typeof value !== 'object') {
    return false;
  }
  if (isUnknown(value)) {
    return true;
  }
  return Array.isArray(value)
    ? value.some(containsUnknown)
    : Object.values(value).some(containsUnknown);
}
