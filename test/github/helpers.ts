// Shared set-up for the runner glue's tests: a GitHub stand-in stopped with the test, and a
// capture of the workflow commands `@actions/core` writes to stdout.
import { vi } from 'vitest';
import { createGitHubClient } from '../../actions/github/client.ts';
import type { GitHubClient } from '../../actions/github/client.ts';
import { startServer } from '../helpers/servers.ts';
import { startGitHubStandIn } from '../stand-ins/github/index.ts';
import type { GitHubStandIn, GitHubStandInOptions } from '../stand-ins/github/index.ts';

/** A fixed instant, so timestamps in payloads and tokens repeat from run to run. */
export const frozenNow = new Date('2026-03-02T09:30:00Z');

/** Starts a GitHub stand-in on 127.0.0.1 that stops when the test ends. */
export function startStandIn(options: GitHubStandInOptions = {}): Promise<GitHubStandIn> {
  return startGitHubStandIn({ now: () => frozenNow, listen: startServer, ...options });
}

/** Creates a REST client for `standIn` whose retries wait for nothing and record each delay. */
export function clientFor(standIn: GitHubStandIn, delays: number[] = []): GitHubClient {
  return createGitHubClient({
    token: standIn.token,
    baseUrl: standIn.url,
    now: () => frozenNow,
    sleep: (milliseconds) => {
      delays.push(milliseconds);
      return Promise.resolve();
    },
    log: () => {},
  });
}

/**
 * Captures what is written to stdout until the test ends (Vitest restores the spy), so tests can
 * read the `::error ...::` and `::add-mask::` commands `@actions/core` issues.
 */
export function captureStdout(): { text(): string; lines(): string[] } {
  const chunks: string[] = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
  return {
    text: () => chunks.join(''),
    lines: () =>
      chunks
        .join('')
        .split(/\r?\n/)
        .filter((line) => line !== ''),
  };
}
