// zod issues turned into problems that name the path, the rule, the value received and the fix.
import type { z } from 'zod';
import type { PathSegment } from '../paths.ts';
import { formatPath } from '../paths.ts';
import { isSecretKey } from '../secrets.ts';
import { didYouMean } from '../suggest.ts';
import { showValue } from './problems.ts';

type Issue = z.core.$ZodIssue;

export interface IssueProblem {
  readonly rule: string;
  readonly path: readonly PathSegment[];
  readonly message: string;
  /** Whether the problem is about a key (unknown key) rather than a value. */
  readonly atKey: boolean;
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let current = data;
  for (const segment of path) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }
    current = (current as Record<string | number, unknown>)[segment];
  }
  return current;
}

function describeType(value: unknown): string {
  if (value === null) {
    return 'null';
  }
  if (Array.isArray(value)) {
    return 'a list';
  }
  if (typeof value === 'object') {
    return 'a map';
  }
  return typeof value;
}

/** Formats a value for a message, hidden under secret-looking keys. */
function shown(path: readonly PathSegment[], value: unknown): string {
  const key = [...path].reverse().find((segment): segment is string => typeof segment === 'string');
  return key !== undefined && isSecretKey(key) ? '(value hidden)' : showValue(value);
}

/** Picks the union branch with the fewest issues, so the report explains the closest fit. */
function closestBranch(errors: readonly (readonly Issue[])[]): readonly Issue[] {
  let best: readonly Issue[] = [];
  for (const branch of errors) {
    if (best.length === 0 || (branch.length > 0 && branch.length < best.length)) {
      best = branch;
    }
  }
  return best;
}

function describeIssue(
  issue: Issue,
  path: readonly PathSegment[],
  data: unknown,
  allowedKeys: (path: readonly PathSegment[]) => string[],
): IssueProblem[] {
  const value = valueAt(data, path);
  const got = `(got ${shown(path, value)})`;
  const rule = `schema.${issue.code}`;
  const last = path[path.length - 1];
  switch (issue.code) {
    case 'invalid_type': {
      if (value === undefined) {
        return [
          {
            rule: 'schema.missing',
            path,
            atKey: false,
            message: `${String(last ?? 'value')} is required: add it (${issue.expected})`,
          },
        ];
      }
      return [
        {
          rule,
          path,
          atKey: false,
          message: `expected ${issue.expected}, got ${describeType(value)} ${got}; write a ${issue.expected} here`,
        },
      ];
    }
    case 'invalid_value': {
      const options = issue.values.map((option) => JSON.stringify(option));
      const hint = typeof value === 'string' ? didYouMean(value, issue.values.map(String)) : '';
      return [
        {
          rule,
          path,
          atKey: false,
          message: `must be ${options.length === 1 ? options[0] : `one of ${options.join(', ')}`} ${got}.${hint}`,
        },
      ];
    }
    case 'unrecognized_keys':
      return issue.keys.map((key) => {
        const allowed = allowedKeys(path);
        return {
          rule: 'config.unknown-key',
          path: [...path, key],
          atKey: true,
          message: `unknown key "${key}"${path.length === 0 ? ' at the top level' : ` in ${formatPath(path)}`}.${didYouMean(key, allowed)} Allowed keys: ${allowed.join(', ')}.`,
        };
      });
    case 'invalid_union': {
      const options = (issue as { options?: unknown[] }).options;
      if (Array.isArray(options) && options.length > 0) {
        // A discriminated union whose discriminator matches no variant.
        const listed = options.map((option) => JSON.stringify(option)).join(', ');
        const hint = typeof value === 'string' ? didYouMean(value, options.map(String)) : '';
        return [{ rule, path, atKey: false, message: `must be one of ${listed} ${got}.${hint}` }];
      }
      const branch = closestBranch(issue.errors);
      if (branch.length === 0) {
        return [{ rule, path, atKey: false, message: `${issue.message} ${got}` }];
      }
      return branch.flatMap((inner) =>
        describeIssue(inner, [...path, ...(inner.path as PathSegment[])], data, allowedKeys),
      );
    }
    case 'too_small':
    case 'too_big':
    case 'invalid_format':
    case 'not_multiple_of':
    case 'custom':
    default:
      return [{ rule, path, atKey: false, message: `${issue.message} ${got}` }];
  }
}

/** Converts the issues of a failed parse of `data`. */
export function describeIssues(
  issues: readonly Issue[],
  data: unknown,
  allowedKeys: (path: readonly PathSegment[]) => string[],
): IssueProblem[] {
  return issues.flatMap((issue) =>
    describeIssue(issue, issue.path as PathSegment[], data, allowedKeys),
  );
}
