// What the runtime serves: the function version a function URL points at, read from the AWS
// stand-in's state, and its code unpacked into a folder the way Lambda unpacks it into /var/task.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import { unzipSync } from 'fflate';
import type { AwsState, CorsRecord } from '../aws/state.ts';

/** One deployable state of the function behind a function URL. */
export interface FunctionSnapshot {
  readonly functionName: string;
  /** `arn:aws:lambda:{region}:{account}:function:{name}:{qualifier}`. */
  readonly invokedFunctionArn: string;
  /** The published version the qualifier resolves to, or `$LATEST`. */
  readonly version: string;
  readonly runtime: string;
  readonly handler: string;
  readonly timeoutSeconds: number;
  readonly memorySize: number;
  readonly codeSha256: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly urlId: string;
  readonly authType: string;
  readonly cors: CorsRecord | undefined;
  /**
   * Changes whenever the code or the configuration changes: the version's RevisionId with the
   * function URL's settings, so a reload follows either.
   */
  readonly revision: string;
  /** The zip file, base64, as the stand-in stores it. */
  readonly zipBase64: string;
}

/** Why there is nothing to serve yet, for the 503 body and the log. */
export interface NotDeployed {
  readonly reason: string;
}

/**
 * Reads the function URL `qualifier` of `functionName` from the stand-in's state. Returns why it
 * cannot be served when the function, its alias, its URL or its code is missing.
 */
export function readSnapshot(
  state: AwsState,
  functionName: string,
  qualifier: string,
): FunctionSnapshot | NotDeployed {
  const fn = state.lambda.functions[functionName];
  if (fn === undefined) {
    return { reason: `Lambda function ${functionName} does not exist yet` };
  }
  const urlKey = qualifier === '$LATEST' ? '' : qualifier;
  const url = fn.urls[urlKey];
  if (url === undefined) {
    return {
      reason: `Lambda function ${functionName} has no function URL for qualifier ${qualifier} yet`,
    };
  }
  const aliasVersion = qualifier === '$LATEST' ? '$LATEST' : fn.aliases[qualifier]?.FunctionVersion;
  if (aliasVersion === undefined) {
    return { reason: `Lambda function ${functionName} has no alias ${qualifier} yet` };
  }
  const version =
    aliasVersion === '$LATEST'
      ? fn.latest
      : fn.versions.find((candidate) => candidate.Version === aliasVersion);
  if (version === undefined) {
    return { reason: `alias ${qualifier} points at version ${aliasVersion}, which does not exist` };
  }
  const zipBase64 = state.lambda.code[version.CodeSha256];
  if (zipBase64 === undefined) {
    return { reason: `the code of ${functionName}:${version.Version} is not stored` };
  }
  const urlSettings = JSON.stringify([url.AuthType, url.Cors ?? null, url.LastModifiedTime]);
  return {
    functionName,
    invokedFunctionArn: `${fn.FunctionArn}:${qualifier}`,
    version: version.Version,
    runtime: version.Runtime,
    handler: version.Handler,
    timeoutSeconds: version.Timeout,
    memorySize: version.MemorySize,
    codeSha256: version.CodeSha256,
    environment: { ...version.Environment },
    urlId: url.UrlId,
    authType: url.AuthType,
    cors: url.Cors,
    revision: `${version.Version}/${version.RevisionId}/${urlSettings}`,
    zipBase64,
  };
}

export function isDeployed(value: FunctionSnapshot | NotDeployed): value is FunctionSnapshot {
  return 'revision' in value;
}

/**
 * Unpacks the snapshot's zip into `{root}/{function}/{sha}` and returns that folder. A folder
 * unpacked before is reused: it is written under a temporary name and renamed when complete.
 * NOTE: folders of older code stay until `npm start -- --fresh` deletes the state folder.
 */
export async function unpackCode(root: string, snapshot: FunctionSnapshot): Promise<string> {
  const hex = createHash('sha256').update(snapshot.codeSha256).digest('hex').slice(0, 16);
  const folder = join(root, snapshot.functionName, hex);
  if (existsSync(folder)) {
    return folder;
  }
  const temporary = `${folder}.${process.pid}.tmp`;
  await rm(temporary, { recursive: true, force: true });
  const entries = unzipSync(Buffer.from(snapshot.zipBase64, 'base64'));
  for (const [name, bytes] of Object.entries(entries)) {
    if (name.endsWith('/')) {
      continue;
    }
    const target = normalize(join(temporary, name));
    // A zip entry such as `../x` must not escape the folder (the "zip slip" flaw).
    if (!target.startsWith(`${temporary}${sep}`)) {
      throw new Error(
        `the code of ${snapshot.functionName} has an entry outside its folder: ${JSON.stringify(name)}`,
      );
    }
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, bytes);
  }
  await mkdir(temporary, { recursive: true });
  try {
    await rename(temporary, folder);
  } catch (error) {
    // Another reload unpacked the same code first; its folder is complete.
    await rm(temporary, { recursive: true, force: true });
    if (!existsSync(folder)) {
      throw error;
    }
  }
  return folder;
}
