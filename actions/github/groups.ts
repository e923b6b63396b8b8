// Log groups and the engine's logger on the runner: one foldable group per provider, and the
// engine's info, debug and warning lines as workflow commands.
import * as core from '@actions/core';
import type { Logger } from '../engine/provider.ts';

let openGroup: string | undefined;

/**
 * Runs `body` inside a foldable log group that is closed even when `body` throws. GitHub does not
 * nest groups, so a group started inside another is shown as a heading line within it instead.
 * NOTE: the log is one stream, so bodies run concurrently share the first one's group.
 */
export async function inGroup<T>(name: string, body: () => Promise<T>): Promise<T> {
  if (openGroup !== undefined) {
    core.info(`-- ${name}`);
    return body();
  }
  openGroup = name;
  core.startGroup(name);
  try {
    return await body();
  } finally {
    core.endGroup();
    openGroup = undefined;
  }
}

/** The engine's `Logger` on the runner: `info` and `warning` lines, `debug` only with debug logging on. */
export const runnerLogger: Logger = {
  info: (message) => core.info(message),
  debug: (message) => core.debug(message),
  warning: (message) => core.warning(message),
};
