// Environment files: `config/<environment>.yaml`, each naming the branch that deploys it, plus an
// optional `config/base.yaml` of shared defaults.
import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { parseDocument } from 'yaml';

/** The file of shared defaults, which is not an environment. */
export const baseFileName = 'base.yaml';

/** Environment names in a config directory, from the `.yaml` files other than the base. */
export async function listEnvironments(configDir: string): Promise<string[]> {
  const entries = await readdir(configDir).catch((error: unknown) => {
    throw new Error(
      `cannot read the config directory ${configDir}: ${error instanceof Error ? error.message : String(error)}. Pass --config-dir with the folder that contains dev.yaml.`,
      { cause: error },
    );
  });
  return entries
    .filter((entry) => extname(entry) === '.yaml' && entry !== baseFileName)
    .map((entry) => basename(entry, '.yaml'))
    .sort();
}

export function environmentFile(configDir: string, environment: string): string {
  return join(configDir, `${environment}.yaml`);
}

/**
 * Reads an environment file as plain data, without validation, for what must be known before the
 * providers exist (endpoints, account, roles). Returns undefined when the file is missing or not
 * YAML: `loadConfig` then reports the problem with its location.
 */
export async function readRawEnvironment(configDir: string, environment: string): Promise<unknown> {
  try {
    return parseDocument(await readFile(environmentFile(configDir, environment), 'utf8')).toJS();
  } catch {
    return undefined;
  }
}

/** Reads the `branch` each environment file declares, without full validation. */
export async function readBranches(configDir: string): Promise<Map<string, string>> {
  const branches = new Map<string, string>();
  for (const environment of await listEnvironments(configDir)) {
    const text = await readFile(environmentFile(configDir, environment), 'utf8');
    const branch = (parseDocument(text).toJS() as { branch?: unknown } | null)?.branch;
    if (typeof branch === 'string') {
      branches.set(environment, branch);
    }
  }
  return branches;
}

/** Returns the environment a branch deploys to, or `undefined` when no file names it. */
export async function environmentForBranch(
  configDir: string,
  branch: string,
): Promise<string | undefined> {
  const matches = [...(await readBranches(configDir)).entries()].filter(
    ([, name]) => name === branch,
  );
  if (matches.length > 1) {
    throw new Error(
      `branch ${branch} is mapped by ${matches.map(([environment]) => `${environment}.yaml`).join(' and ')}; each branch may deploy one environment`,
    );
  }
  return matches[0]?.[0];
}
