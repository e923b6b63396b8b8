// `npm run build`: bundles the Lambda handler into dist/service/index.mjs, writes the docs assets
// beside it, and zips both into dist/service/lambda.zip (the artifact that config's
// `code.artifact` names). The same sources give the same bytes: the zip has fixed timestamps and
// sorted entries, and the version names a hash of the bundle, not the build time.
import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';
import { build } from 'esbuild';
import { zipSync } from 'fflate';
import {
  DOCS_ASSETS,
  DOCS_ASSETS_FOLDER,
  readAssetSource,
  storedFileName,
} from './src/docs/assets.ts';
import { writeDocsAssets } from './src/docs/write-assets.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const require = createRequire(import.meta.url);

export interface BuildOptions {
  /** Output folder. Defaults to dist/service under the repository root. */
  outDir?: string;
}

export interface BuildResult {
  bundle: string;
  zip: string;
  version: string;
  /** Bytes of every file in the zip, unzipped. */
  unzippedBytes: number;
  zippedBytes: number;
  /** Unzipped bytes by file, sorted by path. */
  files: { path: string; bytes: number }[];
}

// Optional dependencies of the MongoDB driver, for features the service does not use (Kerberos,
// compression, client-side encryption, SOCKS proxies, GCP and Azure credentials). The driver
// loads them in try/catch and reports a clear error only when such a feature is configured.
const optionalDriverModules = [
  '@mongodb-js/zstd',
  'gcp-metadata',
  'kerberos',
  'mongodb-client-encryption',
  'snappy',
  'socks',
];

const versionPlaceholder = '0000000000000000build-hash';

/** Builds the artifact and returns where it is and how big. */
export async function buildService(options: BuildOptions = {}): Promise<BuildResult> {
  const outDir = options.outDir ?? join(root, 'dist', 'service');
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const bundle = join(outDir, 'index.mjs');
  const packageVersion = (
    JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as { version: string }
  ).version;
  await build({
    entryPoints: [join(root, 'service', 'src', 'lambda.ts')],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'esm',
    // The oldest Node this repository supports; Lambda runs a newer one.
    target: 'node20',
    minify: true,
    legalComments: 'none',
    logLevel: 'warning',
    external: optionalDriverModules,
    // Bundled CommonJS packages call require() for Node built-ins and for the optional modules
    // above; an ES module has no require of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    define: { SERVICE_VERSION: JSON.stringify(`${packageVersion}+${versionPlaceholder}`) },
    plugins: [useNodeUrl(), dedupeMimeDatabase(), useEnvironmentCredentials()],
  });

  // The version names the bundle's content, so it changes exactly when the code does.
  const source = await readFile(bundle, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 12);
  const version = `${packageVersion}+${hash}`;
  await writeFile(bundle, source.replace(versionPlaceholder, hash));

  await writeCachedDocsAssets(join(outDir, DOCS_ASSETS_FOLDER));

  const zip = join(outDir, 'lambda.zip');
  const { files, zippedBytes } = await zipFolder(outDir, zip);
  return {
    bundle,
    zip,
    version,
    unzippedBytes: files.reduce((sum, file) => sum + file.bytes, 0),
    zippedBytes,
    files,
  };
}

/**
 * Zips every file in `folder` except zip files into `zip`, with sorted entries and a fixed
 * timestamp, so the same files give the same bytes.
 */
export async function zipFolder(
  folder: string,
  zip: string,
): Promise<{ files: { path: string; bytes: number }[]; zippedBytes: number }> {
  const files = (await listFiles(folder)).filter((file) => !file.path.endsWith('.zip'));
  const entries: Record<string, [Uint8Array, { mtime: Date }]> = {};
  for (const file of files) {
    entries[file.path] = [await readFile(join(folder, file.path)), { mtime: zipEpoch }];
  }
  const zipped = zipSync(entries, { level: 9 });
  await writeFile(zip, zipped);
  return { files, zippedBytes: zipped.length };
}

/**
 * Writes the docs assets into `folder` through a cache in node_modules/.cache. Brotli at quality
 * 11 over Swagger UI's bundle costs seconds of CPU, and its output depends only on the sources
 * and the brotli version, which together name the cache entry.
 */
async function writeCachedDocsAssets(folder: string): Promise<void> {
  const hash = createHash('sha256').update(`brotli ${process.versions.brotli}\n`);
  for (const spec of DOCS_ASSETS) {
    hash.update(`${JSON.stringify(spec)}\n`).update(await readAssetSource(spec));
  }
  const cacheRoot = join(root, 'node_modules', '.cache', 'service-docs-assets');
  const entry = join(cacheRoot, hash.digest('hex').slice(0, 24));

  const cached = await Promise.all(
    DOCS_ASSETS.map((spec) =>
      readFile(join(entry, storedFileName(spec))).then(
        () => true,
        () => false,
      ),
    ),
  );
  if (!cached.every(Boolean)) {
    // Written aside and renamed, so a concurrent build never reads a half-written entry.
    await mkdir(cacheRoot, { recursive: true });
    const staging = await mkdtemp(join(cacheRoot, 'staging-'));
    await writeDocsAssets(staging);
    await rm(entry, { recursive: true, force: true });
    await rename(staging, entry).catch(async (error: unknown) => {
      await rm(staging, { recursive: true, force: true });
      // Another build renamed its copy first; both copies are the same bytes.
      if (
        (error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' &&
        (error as NodeJS.ErrnoException).code !== 'EEXIST'
      ) {
        throw error;
      }
    });
  }
  await cp(entry, folder, { recursive: true });
}

// The earliest time a zip entry can record; any fixed time makes the zip reproducible.
const zipEpoch = new Date(1980, 0, 1, 0, 0, 0);

async function listFiles(folder: string): Promise<{ path: string; bytes: number }[]> {
  const entries = await readdir(folder, { recursive: true, withFileTypes: true });
  const files = await Promise.all(
    entries
      .filter((entry) => entry.isFile())
      .map(async (entry) => {
        const path = join(entry.parentPath, entry.name);
        return {
          path: relative(folder, path).split(sep).join('/'),
          bytes: (await readFile(path)).length,
        };
      }),
  );
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/**
 * Replaces the `whatwg-url` package with Node's built-in URL, which implements the same WHATWG
 * URL Standard. The MongoDB connection string parser is its only user here, and the package
 * brings about 290 kB of Unicode tables (tr46) that Node already contains.
 */
function useNodeUrl(): Plugin {
  return {
    name: 'use-node-url',
    setup(context) {
      context.onResolve({ filter: /^whatwg-url$/ }, () => ({
        path: 'whatwg-url',
        namespace: 'node-url',
      }));
      context.onLoad({ filter: /.*/, namespace: 'node-url' }, () => ({
        contents:
          'module.exports = { URL: globalThis.URL, URLSearchParams: globalThis.URLSearchParams };',
        loader: 'js',
      }));
    },
  };
}

/**
 * Resolves every `mime-db` import to the copy that koa's mime-types reads. npm installs three
 * 145 kB copies: version 1.54 for koa and type-is, 1.52 for accepts. Accepts reads its copy only
 * to match media types in `ctx.accepts()`, which the service does not call, and 1.54 differs from
 * 1.52 in 61 rarely used entries.
 */
function dedupeMimeDatabase(): Plugin {
  const koaFolder = dirname(require.resolve('koa/package.json'));
  const mimeTypes = createRequire(join(koaFolder, 'package.json')).resolve('mime-types');
  const database = createRequire(mimeTypes).resolve('mime-db');
  return {
    name: 'dedupe-mime-db',
    setup(context) {
      context.onResolve({ filter: /^mime-db$/ }, () => ({ path: database }));
    },
  };
}

/**
 * Gives the MongoDB driver `service/src/lambda-credentials.ts` in place of the full credential
 * chain of @aws-sdk/credential-providers, and lets that module import the package's ES module
 * build, so only the environment source is bundled.
 */
function useEnvironmentCredentials(): Plugin {
  const substitute = join(root, 'service', 'src', 'lambda-credentials.ts');
  const packageFolder = dirname(require.resolve('@aws-sdk/credential-providers/package.json'));
  const { module } = require('@aws-sdk/credential-providers/package.json') as { module: string };
  const moduleBuild = join(packageFolder, module);
  return {
    name: 'use-environment-credentials',
    setup(context) {
      context.onResolve({ filter: /^@aws-sdk\/credential-providers$/ }, (args) => {
        if (args.importer === substitute) {
          return { path: moduleBuild };
        }
        return args.importer.includes(`${sep}node_modules${sep}mongodb${sep}`)
          ? { path: substitute }
          : undefined;
      });
    },
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const result = await buildService();
  const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
  console.log(`built ${relative(root, result.zip)} (version ${result.version})`);
  for (const file of result.files) {
    console.log(`  ${file.path.padEnd(40)} ${kib(file.bytes).padStart(12)}`);
  }
  console.log(`  unzipped ${kib(result.unzippedBytes)}, zipped ${kib(result.zippedBytes)}`);
}
