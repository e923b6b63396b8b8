// Values the template ships with that a fork must replace. They are fine against the local
// stand-ins and rejected when the run targets the real clouds.
import type { PathSegment } from '../paths.ts';

/** Destination of a run's vendor calls: the loopback stand-ins or the real clouds. */
export type Target = 'local' | 'cloud';

interface Placeholder {
  /** Whether a value, under its key, is this placeholder. */
  readonly matches: (value: string | number, key: string | number | undefined) => boolean;
  readonly what: string;
  readonly fix: string;
}

function pattern(expression: RegExp): Placeholder['matches'] {
  return (value) => typeof value === 'string' && expression.test(value);
}

const placeholders: readonly Placeholder[] = [
  {
    matches: pattern(/(?<!\d)123456789012(?!\d)/),
    what: 'AWS account id',
    fix: 'use your 12-digit AWS account id (aws sts get-caller-identity shows it)',
  },
  {
    matches: pattern(/^0{24}$/),
    what: 'Atlas organization id',
    fix: 'use your Atlas organization id (Organization Settings in the Atlas UI)',
  },
  {
    matches: pattern(/\bdev-12345678\b/),
    what: 'Okta org',
    fix: 'use your Okta org URL, such as https://dev-98765432.okta.com',
  },
  {
    matches: pattern(/^example-owner\//),
    what: 'GitHub repository',
    fix: 'use OWNER/REPO of your fork, in its exact case',
  },
  {
    matches: (value, key) =>
      (key === 'repositoryOwnerId' && value === 1000001) ||
      (key === 'repositoryId' && value === 2000002),
    what: 'GitHub id',
    fix: 'use the ids of your fork: gh api repos/OWNER/REPO --jq .owner.id,.id',
  },
  {
    matches: pattern(/@example\.com$/),
    what: 'e-mail address (example.com receives no mail)',
    fix: 'use an address that should receive the alerts',
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
    if (typeof value === 'string' || typeof value === 'number') {
      for (const placeholder of placeholders) {
        if (placeholder.matches(value, path[path.length - 1])) {
          findings.push({
            path,
            message: `${JSON.stringify(value)} is the template's placeholder ${placeholder.what}, accepted only with --target local (the stand-ins): ${placeholder.fix}`,
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
