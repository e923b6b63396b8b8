import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ESLint, type Linter } from 'eslint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
let sampleDir: string;
let eslint: ESLint;

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

let sampleCount = 0;

async function lint(text: string): Promise<(string | null)[]> {
  const path = join(sampleDir, `sample${++sampleCount}.ts`);
  await writeFile(path, text);
  const [result] = await eslint.lintFiles([path]);
  return result?.messages.map((message) => message.ruleId) ?? [];
}

describe('lint configuration', () => {
  it('rejects a floating promise', async () => {
    const rules = await lint('async function save(): Promise<void> {}\nsave();\n');
    expect(rules).toContain('@typescript-eslint/no-floating-promises');
  });

  it('accepts an awaited promise', async () => {
    const rules = await lint(
      'async function save(): Promise<void> {}\nexport async function run() {\n  await save();\n}\n',
    );
    expect(rules).toEqual([]);
  });
});
