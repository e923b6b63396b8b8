// Build step for the Lambda artifact: writes the docs assets, brotli-compressed at the highest
// quality, into the folder that the bundled service reads (`docs-assets` beside the bundle).
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, constants } from 'node:zlib';
import { DOCS_ASSETS, readAssetSource, storedFileName } from './assets.ts';

const brotliCompressAsync = promisify(brotliCompress);

/** One file written by `writeDocsAssets`. */
export interface WrittenDocsAsset {
  file: string;
  /** Size of the source file, without its source map comment. */
  sourceBytes: number;
  /** Size written: brotli-compressed text, or the image unchanged. */
  storedBytes: number;
}

/**
 * Writes every docs asset into `folder`, creating it. Text files become `{name}.br` at brotli
 * quality 11, so the artifact carries one compressed copy. The service decompresses that copy on
 * first request for clients that do not accept brotli. Images are copied unchanged.
 */
export async function writeDocsAssets(folder: string): Promise<WrittenDocsAsset[]> {
  await mkdir(folder, { recursive: true });
  const written: WrittenDocsAsset[] = [];

  for (const spec of DOCS_ASSETS) {
    const source = await readAssetSource(spec);
    const stored = spec.compressible
      ? await brotliCompressAsync(source, {
          params: {
            [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
            [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
            [constants.BROTLI_PARAM_SIZE_HINT]: source.length,
          },
        })
      : source;
    const file = join(folder, storedFileName(spec));
    await writeFile(file, stored);
    written.push({ file, sourceBytes: source.length, storedBytes: stored.length });
  }
  return written;
}
