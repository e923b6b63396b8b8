// Validation problems: every one carries a stable rule id, the config path, the position in the
// file when known, and a message that names the value and the fix.

export interface SourcePosition {
  /** File path as shown to the user, relative to the working directory. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column. */
  readonly column: number;
}

export interface Problem {
  /** Stable id, such as `config.unknown-key`, `schema.invalid_type` or `atlas.one-m0-per-project`. */
  readonly rule: string;
  /** Config path, such as `okta.apps.spa.redirectUris[1]`; empty for the whole file. */
  readonly path: string;
  readonly message: string;
  readonly position?: SourcePosition;
  /** Warnings are shown but do not fail validation. */
  readonly severity: 'error' | 'warning';
}

/** Formats a problem as `file:line:column path: message [rule]`. */
export function formatProblem(problem: Problem): string {
  const where =
    problem.position === undefined
      ? ''
      : `${problem.position.file}:${problem.position.line}:${problem.position.column} `;
  const path = problem.path === '' ? '' : `${problem.path}: `;
  const level = problem.severity === 'warning' ? 'warning: ' : '';
  return `${where}${level}${path}${problem.message} [${problem.rule}]`;
}

/** Sorts problems by file, line, column, then path and rule, so output is stable. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  const key = (problem: Problem) => [
    problem.position?.file ?? '\uffff',
    String(problem.position?.line ?? 0).padStart(8, '0'),
    String(problem.position?.column ?? 0).padStart(8, '0'),
    problem.path,
    problem.rule,
    problem.message,
  ];
  return [...problems].sort((a, b) => {
    const left = key(a);
    const right = key(b);
    for (let index = 0; index < left.length; index++) {
      if (left[index]! !== right[index]!) {
        return left[index]! < right[index]! ? -1 : 1;
      }
    }
    return 0;
  });
}

/** Thrown when a config has errors; `problems` lists every one. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG_INVALID';

  constructor(readonly problems: readonly Problem[]) {
    const errors = problems.filter((problem) => problem.severity === 'error');
    super(
      `the config has ${errors.length} problem${errors.length === 1 ? '' : 's'}:\n${errors.map(formatProblem).join('\n')}`,
    );
  }
}

const maxShown = 80;

/** Shows a value in a message: JSON, shortened past 80 characters. */
export function showValue(value: unknown): string {
  if (value === undefined) {
    return 'nothing';
  }
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > maxShown ? `${text.slice(0, maxShown - 1)}…` : text;
}
