// Bundles the plan and apply actions into dist/actions/{plan,apply}.js, which their action.yml
// files run with node24. The bundles are built in the workflow, after `npm ci`, not committed.
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The action entries, by bundle name. */
export const actionEntries = { plan: 'actions/plan/main.ts', apply: 'actions/apply/main.ts' };

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
