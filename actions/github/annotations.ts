// Annotations: config problems reported with `core.error` / `core.warning` at their file, line and
// column, so GitHub shows each one on the line of `config/*.yaml` it is about.
import { isAbsolute, relative } from 'node:path';
import * as core from '@actions/core';
import type { Problem } from '../engine/config/problems.ts';

/** A validation problem with its place in a config file, as the engine's config loader reports it. */
export type LocatedProblem = Problem;

/**
 * Returns `file` relative to the workspace, because GitHub places annotations by paths relative
 * to the repository root and ignores absolute ones.
 */
function repositoryPath(file: string, workspace: string | undefined): string {
  const path = workspace && isAbsolute(file) ? relative(workspace, file) : file;
  return path.split('\\').join('/');
}

function sortKey(problem: LocatedProblem): string {
  const position = problem.position;
  const place = position
    ? `${position.file}\u0000${String(position.line).padStart(8, '0')}\u0000${String(position.column).padStart(8, '0')}`
    : '\uffff';
  return `${place}\u0000${problem.path}\u0000${problem.rule}\u0000${problem.message}`;
}

/**
 * Emits one annotation per problem, sorted by file and line so the log reads in file order:
 * `::error file=config/dev.yaml,line=14,col=7::okta.apps.spa.redirectUris[1]: ... [rule]`.
 * Returns the counts of errors and warnings emitted.
 */
export function annotateProblems(
  problems: readonly LocatedProblem[],
  workspace: string | undefined = process.env.GITHUB_WORKSPACE,
): { errors: number; warnings: number } {
  const counts = { errors: 0, warnings: 0 };
  const sorted = [...problems].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : 1));
  for (const problem of sorted) {
    const text = `${problem.path === '' ? '' : `${problem.path}: `}${problem.message} [${problem.rule}]`;
    const properties: core.AnnotationProperties = problem.position
      ? {
          file: repositoryPath(problem.position.file, workspace),
          startLine: problem.position.line,
          startColumn: problem.position.column,
        }
      : {};
    if (problem.severity === 'warning') {
      core.warning(text, properties);
      counts.warnings += 1;
    } else {
      core.error(text, properties);
      counts.errors += 1;
    }
  }
  return counts;
}
