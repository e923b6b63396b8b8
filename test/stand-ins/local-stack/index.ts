// The whole template on one machine: the stand-ins, the service artifact built and deployed by
// the reconciler into the AWS stand-in, and the function URL that runs it. `npm start` and the
// stack tests both start it through `startLocalStack`.
import { appendFileSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { buildService } from '../../../service/build.ts';
import type { LocalFunctionUrl } from '../lambda-runtime/index.ts';
import { startFunctionUrl } from '../lambda-runtime/index.ts';
import { readLauncherSettings } from './config.ts';
import type { LauncherSettings } from './config.ts';
import type { LocalOverlay } from './overlay.ts';
import { loadOverlay } from './overlay.ts';
import type { PipelineResult } from './pipeline.ts';
import { reconcile } from './pipeline.ts';
import type { StandIns } from './stand-ins.ts';
import { startStandIns } from './stand-ins.ts';

export interface LocalStackOptions {
  /** Repository root: the overlay, config and the state folder are found from here. */
  readonly root: string;
  /** The overlay file. Default `{root}/config/local/overlay.yaml`. */
  readonly overlayPath?: string;
  /** Folder of the environment files. Default `{root}/config`. */
  readonly configDir?: string;
  /** Replaces the overlay's `stateFolder` (relative to `root`), such as a temporary folder. */
  readonly stateFolder?: string;
  /** Deletes the state folder before anything starts. */
  readonly fresh?: boolean;
  /** Replaces the overlay's function URL port; 0 lets the system pick one. */
  readonly port?: number;
  /** Port the browser uses when it reaches the function URL through a port mapping. */
  readonly publicPort?: number;
  /**
   * Working directory of the CLI, which `code.artifact` is relative to. Default `root`. The
   * service is built into `{artifactRoot}/dist/service` unless `build` is false.
   */
  readonly artifactRoot?: string;
  /** Builds the service artifact before the reconcile. Default true. */
  readonly build?: boolean;
  /** Receives everything the launcher and the CLI print. */
  readonly write: (text: string) => void;
  readonly color?: boolean;
}

export interface LocalStack {
  readonly overlay: LocalOverlay;
  readonly settings: LauncherSettings;
  readonly standIns: StandIns;
  readonly functionUrl: LocalFunctionUrl;
  /** The URL a browser uses: `http://localhost:{public port}`. */
  readonly publicUrl: string;
  readonly pipeline: PipelineResult;
  readonly stateFolder: string;
  /** File that collects the function's output. */
  readonly functionLogPath: string;
  /** Seconds from the start until the second plan finished. */
  readonly startupSeconds: number;
  close(): Promise<void>;
}

/** Builds the CLI's environment: the overlay's credentials and the stand-ins' endpoints only. */
export function cliEnvironment(overlay: LocalOverlay, standIns: StandIns): Record<string, string> {
  return {
    ...overlay.credentials,
    AWS_ENDPOINT_URL: standIns.aws.url,
    ATLAS_BASE_URL: standIns.atlas.url,
    OKTA_ORG_URL: standIns.okta.url,
  };
}

/**
 * Starts the stack and runs the reconcile. Resolves once the second plan finished, whatever its
 * outcome, and `pipeline.ok` tells whether it converged. When starting fails, whatever started is
 * stopped and the error is thrown.
 */
export async function startLocalStack(options: LocalStackOptions): Promise<LocalStack> {
  const began = performance.now();
  const write = options.write;
  const overlay = await loadOverlay(
    options.overlayPath ?? join(options.root, 'config', 'local', 'overlay.yaml'),
    options.root,
  );
  const configDir = options.configDir ?? join(options.root, 'config');
  const settings = await readLauncherSettings(
    configDir,
    overlay.environment,
    overlay.functionUrl.key,
  );
  const stateFolder = resolve(options.root, options.stateFolder ?? overlay.stateFolder);
  if (options.fresh === true) {
    await rm(stateFolder, { recursive: true, force: true });
    write(`Deleted ${relative(options.root, stateFolder) || stateFolder}: starting fresh.\n`);
  }
  mkdirSync(stateFolder, { recursive: true });
  const functionLogPath = join(stateFolder, 'function.log');
  const runtimeLines: string[] = [];

  // The function URL listens first, so a second `npm start` fails before touching the state.
  let standIns: StandIns | undefined;
  const functionUrl = await startFunctionUrl({
    functionName: settings.functionName,
    qualifier: settings.qualifier,
    region: settings.region,
    state: () => standIns!.aws.state(),
    codeRoot: join(stateFolder, 'lambda'),
    // The function reads MONGODB_URI before MONGODB_HOST, and the Atlas srvHost names no server
    // on this machine, so the function gets the MongoDB stand-in's address.
    overrides: (): Record<string, string> =>
      standIns === undefined ? {} : { MONGODB_URI: standIns.mongo.uri },
    port: options.port ?? overlay.functionUrl.port,
    ...(options.publicPort === undefined ? {} : { publicPort: options.publicPort }),
    log: (line) => {
      runtimeLines.push(line);
      write(`function URL: ${line}\n`);
    },
    functionLog: (line) => appendFileSync(functionLogPath, `${line}\n`),
  }).catch((error: unknown) => {
    if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new Error(
        `port ${options.port ?? overlay.functionUrl.port} of the local function URL is in use: stop the other process (another npm start?), or pass --port`,
        { cause: error },
      );
    }
    throw error;
  });

  try {
    const artifactRoot = options.artifactRoot ?? options.root;
    const building =
      options.build === false
        ? Promise.resolve(undefined)
        : buildService({ outDir: join(artifactRoot, 'dist', 'service') });
    standIns = await startStandIns({
      overlay,
      folder: stateFolder,
      authorizationServerId: settings.authorizationServerId,
      accountId: settings.accountId,
      region: settings.region,
      log: (line) => write(`${line}\n`),
    });
    const built = await building;
    if (built !== undefined) {
      write(
        `Built ${relative(artifactRoot, built.zip)} (${(built.zippedBytes / 1024).toFixed(0)} KiB, version ${built.version}).\n`,
      );
    }

    const pipeline = await reconcile({
      env: cliEnvironment(overlay, standIns),
      cwd: artifactRoot,
      configDir,
      environment: overlay.environment,
      write,
      color: options.color ?? false,
    });
    if (pipeline.ok) {
      const problem = await functionUrl.warm();
      if (problem !== undefined) {
        write(`function URL: the deployed function does not run: ${problem}\n`);
      }
    }
    const started = standIns;
    return {
      overlay,
      settings,
      standIns: started,
      functionUrl,
      publicUrl: `http://localhost:${options.publicPort ?? functionUrl.port}`,
      pipeline,
      stateFolder,
      functionLogPath,
      startupSeconds: (performance.now() - began) / 1000,
      async close() {
        await functionUrl.close();
        await started.close();
      },
    };
  } catch (error) {
    await functionUrl.close();
    await standIns?.close();
    throw error;
  }
}
