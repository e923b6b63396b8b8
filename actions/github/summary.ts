// The job summary: Markdown that GitHub shows on the run's page, written through `core.summary`.
import * as core from '@actions/core';
import { trimMarkdown, utf8Bytes } from './trim.ts';

/** GitHub's limit on one step's job summary: 1 MiB. */
export const maxSummaryBytes = 1024 * 1024;

/**
 * Appends `markdown` to the job summary, trimmed under 1 MiB with a note when longer; the note
 * ends with `fullTextLocation` when given. Outside GitHub Actions (no GITHUB_STEP_SUMMARY) it
 * logs that the summary is skipped and returns `written: false`.
 */
export async function writeJobSummary(
  markdown: string,
  fullTextLocation?: string,
): Promise<{ written: boolean; trimmed: boolean }> {
  // `core.summary` reads the variable from process.env, so this check does too.
  if (!process.env.GITHUB_STEP_SUMMARY) {
    core.info(
      'GITHUB_STEP_SUMMARY is not set (this is not a GitHub Actions step), so the job summary is skipped.',
    );
    return { written: false, trimmed: false };
  }
  const { text, trimmed } = trimMarkdown(
    markdown,
    // Leaves room for the line break `addRaw` appends.
    maxSummaryBytes - 2,
    (omitted) =>
      `> [!NOTE]\n> Trimmed: ${omitted.toLocaleString('en-US')} characters were left out to fit GitHub's 1 MiB job summary limit.${fullTextLocation === undefined ? '' : ` ${fullTextLocation}`}`,
    utf8Bytes,
  );
  await core.summary.emptyBuffer().addRaw(text, true).write();
  return { written: true, trimmed };
}
