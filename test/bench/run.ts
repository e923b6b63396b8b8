// `npm run bench`: runs every `test/bench/*.bench.ts` in turn and writes BENCHMARKS.md.
// Each bench module's default export returns one Markdown section with its numbers and targets.
import { execFileSync } from 'node:child_process';
import { readdir, writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

type Bench = () => Promise<string>;

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../..', import.meta.url));
const only = process.argv.slice(2);

const files = (await readdir(benchDir))
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => only.length === 0 || only.some((name) => file.startsWith(name)))
  .sort();

const sections: string[] = [];
for (const file of files) {
  console.error(`bench: ${file}`);
  const module = (await import(pathToFileURL(`${benchDir}${file}`).href)) as { default: Bench };
  sections.push((await module.default()).trim());
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root })
  .toString()
  .trim();
const header = [
  '# Benchmarks',
  '',
  `Command: \`npm run bench\`. Date: ${new Date().toISOString().slice(0, 10)}. Commit: \`${commit}\`.`,
  `Machine: ${cpus().length} cores (${cpu}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}.`,
  '',
  'Numbers vary between runs on a shared machine; ratios to a baseline measured in the same run are',
  'the figures to compare with the targets.',
].join('\n');

const output = `${header}\n\n${sections.join('\n\n')}\n`;
if (only.length === 0) {
  await writeFile(`${root}BENCHMARKS.md`, output);
  console.error('bench: wrote BENCHMARKS.md');
} else {
  process.stdout.write(output);
}
