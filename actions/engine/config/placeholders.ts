// Values the template ships with that a fork must replace. They are fine against the local
// stand-ins and rejected when the run targets the real clouds.
import type { PathSegment } from '../paths.ts';

/** Where a run sends its vendor calls: the loopback stand-ins or the real clouds. */
export type Target = 'local' | 'cloud';

interface Placeholder {
  readonly pattern: RegExp;
  readonly what: string;
  readonly fix: string;
}

const placeholders: readonly Placeholder[] = [
  {
    pattern: /(?<!\d)123456789012(?!\d)/,
    what: 'the template placeholder AWS account id 123456789012',
    fix: 'use your 12-digit AWS account id (aws sts get-caller-identity shows it)',
  },
  {
    pattern: /^0{24}$/,
    what: 'the template placeholder Atlas organization id of zeros',
    fix: 'use your Atlas organization id (Organization Settings in the Atlas UI)',
  },
  {
    pattern: /\bdev-12345678\b/,
    what: 'the template placeholder Okta org dev-12345678',
    fix: 'use your Okta org URL, such as https://dev-98765432.okta.com',
  },
];

export interface PlaceholderFinding {
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/** Lists every string in `data` that still contains a template placeholder. */
export function findPlaceholders(data: unknown): PlaceholderFinding[] {
  const findings: PlaceholderFinding[] = [];
  const visit = (value: unknown, path: PathSegment[]): void => {
    if (typeof value === 'string') {
      for (const placeholder of placeholders) {
        if (placeholder.pattern.test(value)) {
          findings.push({
            path,
            message: `contains ${placeholder.what}, which works only against the local stand-ins: ${placeholder.fix}, or run with --target local`,
          });
        }
      }
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => visit(item, [...path, index]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        visit(item, [...path, key]);
      }
    }
  };
  visit(data, []);
  return findings;
}
