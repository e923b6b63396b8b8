// The few values of the environment file that the launcher needs before the engine runs. They are
// the AWS account and region of the AWS stand-in, the Okta authorization server whose issuer the
// local OpenID Provider takes, and the function that the local function URL serves.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parse } from 'yaml';

export interface LauncherSettings {
  readonly accountId: string;
  readonly region: string;
  readonly authorizationServerId: string;
  readonly functionName: string;
  /** The function URL's qualifier, such as the alias `live`; `$LATEST` when it has none. */
  readonly qualifier: string;
}

function valueAt(raw: unknown, path: readonly string[]): unknown {
  let current = raw;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/**
 * Returns a string field, following one `${a.b.c}` reference to another literal field of the
 * same file, such as `functionName: ${aws.functions.api.functionName}`.
 */
function literal(raw: unknown, path: readonly string[], file: string): string {
  const value = valueAt(raw, path);
  const reference = typeof value === 'string' ? /^\$\{([\w.-]+)\}$/.exec(value) : null;
  const resolved = reference === null ? value : valueAt(raw, reference[1]!.split('.'));
  if (typeof resolved !== 'string' || resolved === '') {
    throw new Error(
      `${file}: ${path.join('.')} must be a string, or a reference to a string field of the same file, for the local stack (got ${JSON.stringify(value)})`,
    );
  }
  return resolved;
}

/** Reads the launcher settings from `{configDir}/{environment}.yaml`; `functionUrlKey` picks the URL. */
export async function readLauncherSettings(
  configDir: string,
  environment: string,
  functionUrlKey: string,
): Promise<LauncherSettings> {
  const file = join(configDir, `${environment}.yaml`);
  const raw: unknown = parse(await readFile(file, 'utf8'));
  const url = ['aws', 'functionUrls', functionUrlKey];
  if (valueAt(raw, url) === undefined) {
    throw new Error(
      `${file}: aws.functionUrls.${functionUrlKey} does not exist; set functionUrl.key in the local overlay to one of the keys under aws.functionUrls`,
    );
  }
  const qualifier = valueAt(raw, [...url, 'qualifier']);
  const authorizationServerId = valueAt(raw, ['okta', 'authorizationServerId']);
  return {
    accountId: literal(raw, ['aws', 'accountId'], file),
    region: literal(raw, ['aws', 'region'], file),
    authorizationServerId:
      typeof authorizationServerId === 'string' ? authorizationServerId : 'default',
    functionName: literal(raw, [...url, 'functionName'], file),
    qualifier: typeof qualifier === 'string' ? qualifier : '$LATEST',
  };
}
