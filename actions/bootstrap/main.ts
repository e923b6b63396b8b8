// Entry of `npm run bootstrap`: wires the process to `runBootstrap` and sets the exit code.
import { createInterface } from 'node:readline/promises';
import { processIo } from '../cli/io.ts';
import { runBootstrap } from './run.ts';
import type { BootstrapIo } from './run.ts';

/** Asks `question` on the terminal. Only y or yes, in any case, confirms. */
async function askOnTerminal(question: string): Promise<boolean> {
  const terminal = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await terminal.question(`${question} Type yes to continue: `);
    return /^y(es)?$/i.test(answer.trim());
  } finally {
    terminal.close();
  }
}

const io: BootstrapIo = {
  ...processIo(),
  ...(process.stdin.isTTY ? { confirm: askOnTerminal } : {}),
};
process.exitCode = await runBootstrap(process.argv.slice(2), io);
