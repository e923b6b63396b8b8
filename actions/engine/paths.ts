// Spec paths as plans and messages print them: `cors.allowOrigins`, `redirectUris[1]`,
// `environment["a.b"]`.
import type { FieldRule } from './provider.ts';

export type PathSegment = string | number;

const plainKey = /^[A-Za-z_$][\w$-]*$/;

/** Formats path segments as `a.b[1]`, quoting keys that are not plain identifiers. */
export function formatPath(segments: readonly PathSegment[]): string {
  let text = '';
  for (const segment of segments) {
    if (typeof segment === 'number') {
      text += `[${segment}]`;
    } else if (plainKey.test(segment)) {
      text += text === '' ? segment : `.${segment}`;
    } else {
      text += `[${JSON.stringify(segment)}]`;
    }
  }
  return text;
}

/**
 * Finds the field rule for a spec path: the rule whose key is the longest prefix of the path,
 * with array indices left out (`redirectUris[1]` matches the rule `redirectUris`).
 */
export function findFieldRule(
  fields: Readonly<Record<string, FieldRule>> | undefined,
  segments: readonly PathSegment[],
): { key: string; rule: FieldRule } | undefined {
  if (fields === undefined) {
    return undefined;
  }
  const keys = segments.filter((segment): segment is string => typeof segment === 'string');
  for (let length = keys.length; length > 0; length--) {
    const key = keys.slice(0, length).join('.');
    const rule = fields[key];
    if (rule !== undefined) {
      return { key, rule };
    }
  }
  return undefined;
}
