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

type Level = 'info' | 'debug' | 'warning';

function emit(level: Level, message: string): void {
  if (level === 'info') core.info(message);
  else if (level === 'debug') core.debug(message);
  else core.warning(message);
}

/**
 * Runs `body` with an engine `Logger` that gathers each provider's lines into one log group.
 * The engine starts every resource's line with its address (`aws.roles.lambda: ...`), so a line
 * belongs to the provider named before the first dot. Lines of other providers or of the engine
 * itself are written at once, outside any group. The groups are written in `providers` order when
 * `body` settles, also when it throws, because resources of different providers run
 * concurrently and the runner's log cannot interleave groups. Lines logged after that, by
 * concurrent work that outlives `body`, are written at once, outside any group.
 * NOTE: because of the buffering, a provider's lines appear only when the run ends, not live.
 */
export async function withProviderGroups<T>(
  providers: readonly string[],
  body: (log: Logger) => Promise<T>,
): Promise<T> {
  const buffers = new Map<string, Array<{ level: Level; message: string }>>(
    providers.map((provider) => [provider, []]),
  );
  // Set once the buffers are written, so that a late line is not pushed into a written buffer.
  let flushed = false;
  const route =
    (level: Level) =>
    (message: string): void => {
      const provider = /^([a-z][a-z0-9-]*)\./.exec(message)?.[1];
      const buffer = provider === undefined || flushed ? undefined : buffers.get(provider);
      if (buffer) buffer.push({ level, message });
      else emit(level, message);
    };
  const log: Logger = { info: route('info'), debug: route('debug'), warning: route('warning') };

  try {
    return await body(log);
  } finally {
    flushed = true;
    for (const [provider, lines] of buffers) {
      if (lines.length === 0) continue;
      core.startGroup(provider);
      for (const { level, message } of lines) emit(level, message);
      core.endGroup();
    }
  }
}
