// Bundles every action (each folder of actions/ with both a main.ts and an action.yml) into
// dist/actions/NAME.js, which its action.yml runs with node24. A folder with a main.ts but no
// action.yml, such as the bootstrap command, is a script that tsx runs and is not bundled. The
// bundles are built in the workflow, after `npm ci`, not committed.
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The action entries, by bundle name, sorted by name. */
export const actionEntries: Record<string, string> = Object.fromEntries(
  readdirSync(`${root}actions`, { withFileTypes: true })
    .filter(
      (entry) =>
        entry.isDirectory() &&
        existsSync(`${root}actions/${entry.name}/main.ts`) &&
        existsSync(`${root}actions/${entry.name}/action.yml`),
    )
    .map((entry) => entry.name)
    .sort()
    .map((name) => [name, `actions/${name}/main.ts`]),
);

/** Bundles every action into `outDir` (dist/actions under the repository root by default). */
export async function buildActions(outDir = `${root}dist/actions`): Promise<string[]> {
  await build({
    absWorkingDir: root,
    entryPoints: actionEntries,
    outdir: outDir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The oldest Node the code supports; the runner's node24 runs it too.
    target: 'node20',
    // Some dependencies are CommonJS and call require, but an ES module bundle has none of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  return Object.keys(actionEntries).map((name) => `${outDir}/${name}.js`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const file of await buildActions()) {
    console.log(`Built ${file}`);
  }
}
