// The static files of the docs page: Swagger UI from the swagger-ui-dist package and the page's
// own script and stylesheet. Each file is kept once, in the encoding it was loaded in, and the
// other encodings are made on first request and cached.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, brotliDecompress, constants, gzip } from 'node:zlib';
import type { ContentEncoding } from './encoding.ts';

const brotliCompressAsync = promisify(brotliCompress);
const brotliDecompressAsync = promisify(brotliDecompress);
const gzipAsync = promisify(gzip);

/** One file the docs page loads from `/docs/{name}`. */
export interface DocsAssetSpec {
  name: string;
  contentType: string;
  /** Source of the file: the swagger-ui-dist package, or `static/` in this folder. */
  origin: 'swagger-ui-dist' | 'docs';
  /** Text files are stored brotli-compressed; images are already compressed. */
  compressible: boolean;
}

export const DOCS_ASSETS: readonly DocsAssetSpec[] = [
  {
    name: 'swagger-ui-bundle.js',
    contentType: 'text/javascript; charset=utf-8',
    origin: 'swagger-ui-dist',
    compressible: true,
  },
  {
    name: 'swagger-ui.css',
    contentType: 'text/css; charset=utf-8',
    origin: 'swagger-ui-dist',
    compressible: true,
  },
  {
    name: 'oauth2-redirect.js',
    contentType: 'text/javascript; charset=utf-8',
    origin: 'swagger-ui-dist',
    compressible: true,
  },
  {
    name: 'favicon-32x32.png',
    contentType: 'image/png',
    origin: 'swagger-ui-dist',
    compressible: false,
  },
  {
    name: 'favicon-16x16.png',
    contentType: 'image/png',
    origin: 'swagger-ui-dist',
    compressible: false,
  },
  {
    name: 'docs.js',
    contentType: 'text/javascript; charset=utf-8',
    origin: 'docs',
    compressible: true,
  },
  { name: 'docs.css', contentType: 'text/css; charset=utf-8', origin: 'docs', compressible: true },
];

/** Name of the folder that `writeDocsAssets` fills and the bundled service reads. */
export const DOCS_ASSETS_FOLDER = 'docs-assets';

/** Returns the file name of an asset in the prebuilt folder. */
export function storedFileName(spec: DocsAssetSpec): string {
  return spec.compressible ? `${spec.name}.br` : spec.name;
}

/** A loaded asset with its encodings. */
export class DocsAsset {
  /** Strong entity tag of the identity representation's source; encodings add a suffix. */
  readonly etag: string;
  /** Short content hash, added to asset URLs so browsers may cache them for a year. */
  readonly version: string;
  private readonly encoded = new Map<ContentEncoding, Promise<Buffer>>();

  constructor(
    readonly spec: DocsAssetSpec,
    stored: { encoding: 'br' | 'identity'; bytes: Buffer },
  ) {
    const hash = createHash('sha256').update(stored.bytes).digest('base64url');
    this.etag = `"${hash.slice(0, 27)}"`;
    this.version = hash.slice(0, 10);
    this.encoded.set(stored.encoding, Promise.resolve(stored.bytes));
  }

  /** Picks the encoding to send for the client's preference from `Accept-Encoding` negotiation. */
  encodingFor(accepted: ContentEncoding | false): ContentEncoding {
    if (!this.spec.compressible) return 'identity';
    return accepted === false ? 'identity' : accepted;
  }

  /** Returns the bytes in `encoding`, converting from the stored encoding once. */
  bytes(encoding: ContentEncoding): Promise<Buffer> {
    let bytes = this.encoded.get(encoding);
    if (bytes === undefined) {
      bytes = this.convert(encoding);
      this.encoded.set(encoding, bytes);
      // A failed conversion is tried again on the next request.
      bytes.catch(() => this.encoded.delete(encoding));
    }
    return bytes;
  }

  /** Returns the entity tag of the representation in `encoding`. */
  etagFor(encoding: ContentEncoding): string {
    return encoding === 'identity' ? this.etag : `${this.etag.slice(0, -1)}-${encoding}"`;
  }

  private async convert(encoding: ContentEncoding): Promise<Buffer> {
    if (encoding === 'identity') return brotliDecompressAsync(await this.bytes('br'));
    const identity = await this.bytes('identity');
    if (encoding === 'gzip') return gzipAsync(identity, { level: 9 });
    // Reached only when the files come from node_modules, in local runs and tests. On the 1.7 MB
    // bundle, quality 5 is about 50 times faster than the build's 11 and 13% larger (Node 20).
    return brotliCompressAsync(identity, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 5,
        [constants.BROTLI_PARAM_SIZE_HINT]: identity.length,
      },
    });
  }
}

/** The loaded assets by name. */
export type DocsAssets = ReadonlyMap<string, DocsAsset>;

/**
 * Loads the assets from `folder` when given, else from the `docs-assets` folder next to the
 * running module (where the service build puts them), else from their sources in node_modules and
 * `static/`. Throws when none of these has them.
 */
export async function loadDocsAssets(folder?: string): Promise<DocsAssets> {
  const prebuilt = await loadPrebuilt(
    folder ?? join(moduleFolder(), DOCS_ASSETS_FOLDER),
    folder !== undefined,
  );
  return prebuilt ?? loadFromSources();
}

/** Reads the source file of `spec`, without the source map comment (the maps are not served). */
export async function readAssetSource(spec: DocsAssetSpec): Promise<Buffer> {
  const path = join(sourceFolder(spec.origin), spec.name);
  const bytes = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new Error(`Failed to read docs asset ${spec.name} at ${path}: ${error.message}`, {
      cause: error,
    });
  });
  if (!spec.compressible) return bytes;
  return Buffer.from(
    bytes.toString('utf8').replace(/\n?\/[/*]# sourceMappingURL=\S+?(?:\s*\*\/)?\s*$/, '\n'),
  );
}

async function loadPrebuilt(folder: string, required: boolean): Promise<DocsAssets | undefined> {
  const assets = new Map<string, DocsAsset>();
  for (const spec of DOCS_ASSETS) {
    const path = join(folder, storedFileName(spec));
    let bytes: Buffer;
    try {
      bytes = await readFile(path);
    } catch (error) {
      const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
      if (missing && !required && assets.size === 0) return undefined;
      throw new Error(
        `Docs asset ${spec.name} is missing from ${folder}: rebuild the service so writeDocsAssets writes every file`,
        { cause: error },
      );
    }
    assets.set(
      spec.name,
      new DocsAsset(spec, { encoding: spec.compressible ? 'br' : 'identity', bytes }),
    );
  }
  return assets;
}

async function loadFromSources(): Promise<DocsAssets> {
  const assets = new Map<string, DocsAsset>();
  for (const spec of DOCS_ASSETS) {
    assets.set(
      spec.name,
      new DocsAsset(spec, { encoding: 'identity', bytes: await readAssetSource(spec) }),
    );
  }
  return assets;
}

function sourceFolder(origin: DocsAssetSpec['origin']): string {
  const docsFolder = moduleFolder();
  if (origin === 'docs') return join(docsFolder, 'static');
  try {
    return dirname(
      createRequire(join(docsFolder, 'index.js')).resolve('swagger-ui-dist/package.json'),
    );
  } catch (error) {
    throw new Error(
      `Docs assets not found: no ${DOCS_ASSETS_FOLDER} folder next to the service and no swagger-ui-dist package. ` +
        'The service build must call writeDocsAssets and ship the folder beside the bundle.',
      { cause: error },
    );
  }
}

function moduleFolder(): string {
  return dirname(fileURLToPath(import.meta.url));
}
