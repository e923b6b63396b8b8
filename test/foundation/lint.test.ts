import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let sampleDir: string;
let eslint: ESLint;

// Every sample is written before the TypeScript program is built: a file added later is not part
// of that program, so ESLint would report a parsing error instead of rule results.
const samples = {
  floating: 'async function save(): Promise<void> {}\nsave();\n',
  awaited:
    'async function save(): Promise<void> {}\nexport async function run() {\n  await save();\n}\n',
};

// The project's own ESLint config, with one change: type information comes from a one-file
// TypeScript program instead of the whole project, so the check stays fast as the project grows.
beforeAll(async () => {
  sampleDir = await mkdtemp(join(tmpdir(), 'lint-sample-'));
  await writeFile(
    join(sampleDir, 'tsconfig.json'),
    JSON.stringify({
      extends: join(root, 'tsconfig.json'),
      compilerOptions: { types: [] },
      include: ['*.ts'],
    }),
  );
  for (const [name, text] of Object.entries(samples)) {
    await writeFile(join(sampleDir, `${name}.ts`), text);
  }
  const { default: projectConfig } = (await import(
    pathToFileURL(join(root, 'eslint.config.mjs')).href
  )) as { default: Linter.Config[] };
  eslint = new ESLint({
    cwd: sampleDir,
    overrideConfigFile: true,
    overrideConfig: [
      ...projectConfig,
      {
        files: ['**/*.ts'],
        languageOptions: {
          parserOptions: { projectService: false, project: join(sampleDir, 'tsconfig.json') },
        },
      },
    ],
  });
});

afterAll(async () => {
  await rm(sampleDir, { recursive: true, force: true });
});

/** Lints one sample and returns each message's rule id, or its text when no rule ran. */
async function lint(name: keyof typeof samples): Promise<string[]> {
  const [result] = await eslint.lintFiles([join(sampleDir, `${name}.ts`)]);
  return result?.messages.map((message) => message.ruleId ?? message.message) ?? [];
}

describe('lint configuration', () => {
  it('rejects a floating promise', async () => {
    const rules = await lint('floating');
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
  });

  it('accepts an awaited promise', async () => {
    const rules = await lint('awaited');
    expect(rules).toEqual([]);
  });
});
