import { generateKeyPairSync } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** The RS256 signing key of the stand-in, as a private JWK with `kid`, `alg` and `use`. */
export type SigningJwk = JWK & { kid: string; alg: 'RS256'; use: 'sig'; d: string };

const KEY_FILE = 'signing-key.json';

/**
 * Generates a 2048-bit RSA signing key, or, when `folder` is given, loads the key stored there by
 * an earlier start and creates it on first use. A persisted key keeps tokens issued before a
 * restart verifiable. The key is a test key, stored in clear text.
 */
export async function loadSigningKey(folder?: string): Promise<SigningJwk> {
  if (folder === undefined) return generateSigningKey();

  const path = join(folder, KEY_FILE);
  const stored = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return undefined;
    throw new Error(`Failed to read the OIDC signing key at ${path}: ${error.message}`, {
      cause: error,
    });
  });
  if (stored !== undefined) return parseSigningKey(stored, path);

  const key = await generateSigningKey();
  await mkdir(folder, { recursive: true });
  await writeFile(path, `${JSON.stringify(key, null, 2)}\n`, { mode: 0o600 });
  return key;
}

async function generateSigningKey(): Promise<SigningJwk> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' }) as JWK;
  const kid = await calculateJwkThumbprint(jwk);
  return { ...jwk, kid, alg: 'RS256', use: 'sig' } as SigningJwk;
}

function parseSigningKey(text: string, path: string): SigningJwk {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new Error(
      `Invalid OIDC signing key at ${path}: not JSON. Delete the file to generate a new key.`,
      {
        cause: error,
      },
    );
  }
  const key = parsed as Partial<SigningJwk>;
  if (
    key.kty !== 'RSA' ||
    typeof key.d !== 'string' ||
    typeof key.kid !== 'string' ||
    key.alg !== 'RS256'
  ) {
    throw new Error(
      `Invalid OIDC signing key at ${path}: expected a private RSA JWK with kid and alg "RS256". ` +
        'Delete the file to generate a new key.',
    );
  }
  return key as SigningJwk;
}
