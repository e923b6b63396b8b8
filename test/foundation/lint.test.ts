import { rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// Type-aware rules only run on files the TypeScript project contains, so the sample is written to
// disk inside the tsconfig's include for the duration of one lint call.
async function lint(text: string): Promise<(string | null)[]> {
  const path = `${root}test/foundation/lint-sample-${process.pid}.ts`;
  await writeFile(path, text);
  try {
    const [result] = await new ESLint({ cwd: root }).lintFiles([path]);
    return result?.messages.map((message) => message.ruleId) ?? [];
  } finally {
    await rm(path, { force: true });
  }
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
