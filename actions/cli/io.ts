// CLI output streams: logs go to stderr, machine output to stdout or `--out FILE`.
import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Logger } from '../engine/provider.ts';

/** The process surface the CLI uses, injectable for tests. */
export interface CliIo {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
}

export function processIo(): CliIo {
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** Creates a logger that writes one line per message to stderr, debug lines only when verbose. */
export function stderrLogger(io: CliIo, verbose: boolean): Logger {
  return {
    info: (message) => void io.stderr.write(`${message}\n`),
    debug: (message) => {
      if (verbose) {
        io.stderr.write(`debug: ${message}\n`);
      }
    },
    warning: (message) => void io.stderr.write(`warning: ${message}\n`),
  };
}

/** Returns whether stdout takes colour: a TTY, `NO_COLOR` unset, and no `--out` file. */
export function useColor(io: CliIo, out: string | undefined): boolean {
  return out === undefined && io.stdout.isTTY === true && (io.env.NO_COLOR ?? '') === '';
}

/** Writes machine output to `--out FILE` (relative to the working directory) when given, else to stdout. */
export async function writeOutput(io: CliIo, out: string | undefined, text: string): Promise<void> {
  if (out === undefined) {
    io.stdout.write(text);
    return;
  }
  await writeFile(resolve(io.cwd, out), text);
}
