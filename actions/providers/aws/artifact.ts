// The Lambda build artifact on disk: its bytes and the SHA-256 that Lambda reports as `CodeSha256`.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { ProviderError } from '../../engine/provider.ts';

export interface Artifact {
  readonly path: string;
  readonly bytes: Buffer;
  /** Base64 of the SHA-256 of the bytes, the form of Lambda's `CodeSha256`. */
  readonly sha256: string;
}

/** Reads the artifact, or throws an `INVALID` error saying to run the build. */
export async function readArtifact(
  root: string,
  artifact: string,
  functionName: string,
): Promise<Artifact> {
  const path = resolve(root, artifact);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new ProviderError(
        'INVALID',
        `The code of Lambda function ${functionName} is missing: ${artifact} does not exist (looked for ${path}). Run \`npm run build\` to create it, then retry.`,
        { cause: error },
      );
    }
    throw error;
  }
  return { path, bytes, sha256: createHash('sha256').update(bytes).digest('base64') };
}
