// A preview's Lambda function `<functionName>-pr-<number>`. It copies the configuration of the base
// function, read through its alias so that references are already resolved, and runs the pull
// request's code. It gets an alias of the same name, a public URL on that alias and a log group.
import {
  AddPermissionCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetFunctionUrlConfigCommand,
  ListFunctionsCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import type {
  Cors,
  FunctionConfiguration,
  FunctionUrlConfig,
  GetFunctionCommandOutput,
} from '@aws-sdk/client-lambda';
import type { ProviderContext } from '../engine/provider.ts';
import { ProviderError } from '../engine/provider.ts';
import { readArtifact } from '../providers/aws/artifact.ts';
import { hasVendorCode, isNotFound } from '../providers/aws/errors.ts';
import {
  publishToAlias,
  waitForFunctionReady,
  withConflictRetry,
} from '../providers/aws/handlers/function-steps.ts';
import { publicStatements } from '../providers/aws/handlers/function-url.ts';
import type { AwsRuntime } from '../providers/aws/runtime.ts';
import type { BaseFunction } from './config.ts';
import { deletePreviewLogGroup, ensurePreviewLogGroup } from './log-group.ts';
import type { PreviewIdentity } from './names.ts';
import {
  environmentTagKey,
  isPreviewOf,
  previewFunctionName,
  previewId,
  previewNumberOf,
  previewTagKey,
  previewTags,
} from './names.ts';

/** A deployed preview function. */
export interface DeployedFunction {
  readonly key: string;
  readonly functionName: string;
  readonly alias: string;
  readonly version: string;
  /** The function URL, ending in `/`. */
  readonly url: string;
}

/** A preview function found by its name and tags. */
export interface FoundPreviewFunction {
  readonly functionName: string;
  readonly baseName: string;
  readonly number: number;
}

/** The base function as its alias runs it, and its URL's settings. */
interface BaseSettings {
  readonly configuration: FunctionConfiguration;
  readonly url: FunctionUrlConfig | undefined;
}

async function getOrUndefined<T>(call: () => Promise<T>): Promise<T | undefined> {
  try {
    return await call();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

async function readBase(
  runtime: AwsRuntime,
  context: ProviderContext,
  base: BaseFunction,
): Promise<BaseSettings> {
  const lambda = runtime.clients.lambda;
  const target = `function ${base.functionName} alias ${base.alias}`;
  const configuration = await getOrUndefined(() =>
    runtime.call(context, 'lambda:GetFunctionConfiguration', target, (options) =>
      lambda.send(
        new GetFunctionConfigurationCommand({
          FunctionName: base.functionName,
          Qualifier: base.alias,
        }),
        options,
      ),
    ),
  );
  if (configuration === undefined) {
    throw new ProviderError(
      'NOT_FOUND',
      `The base function ${base.functionName} has no alias ${base.alias}, so there is nothing to copy for the preview. Apply the ${context.environment} config first (push to its branch), then run the preview again.`,
    );
  }
  const url = await getOrUndefined(() =>
    runtime.call(context, 'lambda:GetFunctionUrlConfig', target, (options) =>
      lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: base.functionName, Qualifier: base.alias }),
        options,
      ),
    ),
  );
  return { configuration, url };
}

function sortedJson(value: Record<string, string> | undefined): string {
  return JSON.stringify(Object.entries(value ?? {}).sort(([a], [b]) => a.localeCompare(b)));
}

function sameConfiguration(left: FunctionConfiguration, right: FunctionConfiguration): boolean {
  return (
    left.Role === right.Role &&
    left.Runtime === right.Runtime &&
    left.Handler === right.Handler &&
    left.MemorySize === right.MemorySize &&
    left.Timeout === right.Timeout &&
    sortedJson(left.Environment?.Variables) === sortedJson(right.Environment?.Variables)
  );
}

/** Reads the preview function, or `undefined`; throws when a function of that name is not ours. */
async function readOwnFunction(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  identity: PreviewIdentity,
): Promise<GetFunctionCommandOutput | undefined> {
  const found = await getOrUndefined(() =>
    runtime.call(context, 'lambda:GetFunction', `function ${functionName}`, (options) =>
      runtime.clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName }), options),
    ),
  );
  if (found !== undefined && !isPreviewOf(found.Tags ?? {}, identity)) {
    const tag = found.Tags?.[previewTagKey];
    throw new ProviderError(
      'NOT_OWNED',
      `Lambda function ${functionName} exists but is not the ${identity.environment} preview of ${previewId(identity)} (its ${previewTagKey} tag is ${tag === undefined ? 'missing' : `"${tag}"`}, its ${environmentTagKey} tag ${JSON.stringify(found.Tags?.[environmentTagKey] ?? null)}). Rename or delete that function, then run again.`,
    );
  }
  return found;
}

async function createFunction(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  base: FunctionConfiguration,
  zip: Uint8Array,
  identity: PreviewIdentity,
): Promise<void> {
  await runtime.call(context, 'lambda:CreateFunction', `function ${functionName}`, (options) =>
    runtime.clients.lambda.send(
      new CreateFunctionCommand({
        FunctionName: functionName,
        Role: base.Role,
        Runtime: base.Runtime,
        Handler: base.Handler,
        Architectures: base.Architectures,
        MemorySize: base.MemorySize,
        Timeout: base.Timeout,
        Environment: { Variables: base.Environment?.Variables ?? {} },
        Description: `Preview of ${previewId(identity)} (${identity.environment})`,
        Code: { ZipFile: zip },
        Tags: previewTags(identity),
      }),
      options,
    ),
  );
  context.log.info(`created Lambda function ${functionName}`);
}

async function updateFunction(
  runtime: AwsRuntime,
  context: ProviderContext,
  current: FunctionConfiguration,
  base: FunctionConfiguration,
  artifact: { bytes: Uint8Array; sha256: string },
): Promise<void> {
  const functionName = current.FunctionName ?? '';
  const lambda = runtime.clients.lambda;
  const sameArchitectures =
    JSON.stringify(current.Architectures ?? []) === JSON.stringify(base.Architectures ?? []);
  if (current.CodeSha256 !== artifact.sha256 || !sameArchitectures) {
    await withConflictRetry(runtime, context, functionName, () =>
      runtime.call(context, 'lambda:UpdateFunctionCode', `function ${functionName}`, (options) =>
        lambda.send(
          new UpdateFunctionCodeCommand({
            FunctionName: functionName,
            ZipFile: artifact.bytes,
            Architectures: base.Architectures,
          }),
          options,
        ),
      ),
    );
    context.log.info(`updated the code of Lambda function ${functionName}`);
    await waitForFunctionReady(runtime, context, functionName, true);
  }
  if (!sameConfiguration(current, base)) {
    await withConflictRetry(runtime, context, functionName, () =>
      runtime.call(
        context,
        'lambda:UpdateFunctionConfiguration',
        `function ${functionName}`,
        (options) =>
          lambda.send(
            new UpdateFunctionConfigurationCommand({
              FunctionName: functionName,
              Role: base.Role,
              Runtime: base.Runtime,
              Handler: base.Handler,
              MemorySize: base.MemorySize,
              Timeout: base.Timeout,
              Environment: { Variables: base.Environment?.Variables ?? {} },
            }),
            options,
          ),
      ),
    );
    context.log.info(`updated the configuration of Lambda function ${functionName}`);
    await waitForFunctionReady(runtime, context, functionName, true);
  }
}

function sameCors(left: Cors | undefined, right: Cors | undefined): boolean {
  const normal = (cors: Cors | undefined) =>
    JSON.stringify({
      AllowOrigins: cors?.AllowOrigins ?? [],
      AllowMethods: cors?.AllowMethods ?? [],
      AllowHeaders: cors?.AllowHeaders ?? [],
      ExposeHeaders: cors?.ExposeHeaders ?? [],
      MaxAge: cors?.MaxAge ?? 0,
      AllowCredentials: cors?.AllowCredentials ?? false,
    });
  return normal(left) === normal(right);
}

/** Creates or updates the public URL of the alias and returns it. */
async function ensureUrl(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  alias: string,
  base: FunctionUrlConfig | undefined,
): Promise<string> {
  const lambda = runtime.clients.lambda;
  const target = `function ${functionName} alias ${alias}`;
  const current = await getOrUndefined(() =>
    runtime.call(context, 'lambda:GetFunctionUrlConfig', target, (options) =>
      lambda.send(
        new GetFunctionUrlConfigCommand({ FunctionName: functionName, Qualifier: alias }),
        options,
      ),
    ),
  );
  let url = current?.FunctionUrl;
  if (current === undefined) {
    const created = await runtime.call(
      context,
      'lambda:CreateFunctionUrlConfig',
      target,
      (options) =>
        lambda.send(
          new CreateFunctionUrlConfigCommand({
            FunctionName: functionName,
            Qualifier: alias,
            AuthType: 'NONE',
            Cors: base?.Cors,
            InvokeMode: base?.InvokeMode,
          }),
          options,
        ),
    );
    url = created.FunctionUrl;
    context.log.info(`created the function URL ${url ?? ''} of ${target}`);
  } else if (
    current.AuthType !== 'NONE' ||
    !sameCors(current.Cors, base?.Cors) ||
    (current.InvokeMode ?? 'BUFFERED') !== (base?.InvokeMode ?? 'BUFFERED')
  ) {
    await runtime.call(context, 'lambda:UpdateFunctionUrlConfig', target, (options) =>
      lambda.send(
        new UpdateFunctionUrlConfigCommand({
          FunctionName: functionName,
          Qualifier: alias,
          AuthType: 'NONE',
          Cors: base?.Cors ?? {},
          InvokeMode: base?.InvokeMode ?? 'BUFFERED',
        }),
        options,
      ),
    );
    context.log.info(`updated the function URL settings of ${target}`);
  }
  if (url === undefined) {
    throw new ProviderError('INVALID', `Lambda returned no FunctionUrl for ${target}.`);
  }
  return url;
}

/** Adds the statements a public URL needs; a statement that already exists is left as it is. */
async function allowPublicAccess(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  alias: string,
): Promise<void> {
  for (const statement of publicStatements) {
    try {
      await runtime.call(
        context,
        'lambda:AddPermission',
        `function ${functionName} alias ${alias}`,
        (options) =>
          runtime.clients.lambda.send(
            new AddPermissionCommand({
              FunctionName: functionName,
              Qualifier: alias,
              StatementId: statement.sid,
              ...statement.input,
            }),
            options,
          ),
      );
      context.log.info(`allowed ${statement.description} on ${functionName}:${alias}`);
    } catch (error) {
      const exists =
        hasVendorCode(error, 'ResourceConflictException') &&
        error instanceof Error &&
        error.message.includes('already exists');
      if (!exists) throw error;
    }
  }
}

/**
 * Deploys the preview of one base function: log group, function (created, or updated when its
 * code or configuration differs), a published version under the base's alias name, the URL and
 * its public-access statements. Running it again with the same code changes nothing.
 */
export async function deployPreviewFunction(
  runtime: AwsRuntime,
  context: ProviderContext,
  base: BaseFunction,
  identity: PreviewIdentity,
  artifactRoot: string,
): Promise<DeployedFunction> {
  const functionName = previewFunctionName(base.functionName, identity.number);
  const settings = await readBase(runtime, context, base);
  const artifact = await readArtifact(artifactRoot, base.artifact, functionName);
  const existing = await readOwnFunction(runtime, context, functionName, identity);

  await ensurePreviewLogGroup(runtime, context, functionName, base.logRetentionInDays, identity);
  if (existing === undefined) {
    await createFunction(
      runtime,
      context,
      functionName,
      settings.configuration,
      artifact.bytes,
      identity,
    );
    await waitForFunctionReady(runtime, context, functionName, true);
  } else {
    await waitForFunctionReady(runtime, context, functionName, false);
    await updateFunction(
      runtime,
      context,
      existing.Configuration ?? {},
      settings.configuration,
      artifact,
    );
  }
  const version = await publishToAlias(runtime, context, functionName, base.alias, artifact.sha256);
  const url = await ensureUrl(runtime, context, functionName, base.alias, settings.url);
  await allowPublicAccess(runtime, context, functionName, base.alias);
  return { key: base.key, functionName, alias: base.alias, version, url };
}

/**
 * Deletes a preview function, with its versions, alias, URL and policy, and its log group.
 * Returns what was deleted. A piece that is already gone is skipped. A function or log group
 * without this preview's tags is kept with a warning.
 */
export async function removePreviewFunction(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  identity: PreviewIdentity,
): Promise<string[]> {
  const removed: string[] = [];
  let found: GetFunctionCommandOutput | undefined;
  try {
    found = await readOwnFunction(runtime, context, functionName, identity);
  } catch (error) {
    if (error instanceof ProviderError && error.code === 'NOT_OWNED') {
      context.log.warning(`kept ${error.message}`);
      return removed;
    }
    throw error;
  }
  if (found !== undefined) {
    try {
      await withConflictRetry(runtime, context, functionName, () =>
        runtime.call(context, 'lambda:DeleteFunction', `function ${functionName}`, (options) =>
          runtime.clients.lambda.send(
            new DeleteFunctionCommand({ FunctionName: functionName }),
            options,
          ),
        ),
      );
      context.log.info(`deleted Lambda function ${functionName}`);
      removed.push(`Lambda function ${functionName}`);
    } catch (error) {
      if (!isNotFound(error)) throw error;
    }
  }
  if (await deletePreviewLogGroup(runtime, context, functionName, identity)) {
    removed.push(`log group /aws/lambda/${functionName}`);
  }
  return removed;
}

/**
 * Lists the preview functions of `bases` in this region whose tags name a pull request of
 * `repository` and the environment. Read-only. ListFunctions leaves out tags, so each function
 * whose name fits costs one GetFunction.
 */
export async function listPreviewFunctions(
  runtime: AwsRuntime,
  context: ProviderContext,
  bases: readonly BaseFunction[],
  identityOf: (number: number) => PreviewIdentity,
): Promise<FoundPreviewFunction[]> {
  const candidates: FoundPreviewFunction[] = [];
  let marker: string | undefined;
  do {
    const page = await runtime.call(context, 'lambda:ListFunctions', 'the region', (options) =>
      runtime.clients.lambda.send(new ListFunctionsCommand({ Marker: marker }), options),
    );
    for (const fn of page.Functions ?? []) {
      const name = fn.FunctionName ?? '';
      for (const base of bases) {
        const number = previewNumberOf(name, base.functionName);
        if (number !== undefined) {
          candidates.push({ functionName: name, baseName: base.functionName, number });
        }
      }
    }
    marker = page.NextMarker;
  } while (marker !== undefined);

  const found: FoundPreviewFunction[] = [];
  for (const candidate of candidates) {
    const output = await getOrUndefined(() =>
      runtime.call(context, 'lambda:GetFunction', `function ${candidate.functionName}`, (options) =>
        runtime.clients.lambda.send(
          new GetFunctionCommand({ FunctionName: candidate.functionName }),
          options,
        ),
      ),
    );
    if (output !== undefined && isPreviewOf(output.Tags ?? {}, identityOf(candidate.number))) {
      found.push(candidate);
    }
  }
  return found.sort(
    (left, right) =>
      left.number - right.number || left.functionName.localeCompare(right.functionName),
  );
}

/** Returns whether a function of this name exists. Read-only. */
export async function functionExists(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
): Promise<boolean> {
  const output = await getOrUndefined(() =>
    runtime.call(context, 'lambda:GetFunction', `function ${functionName}`, (options) =>
      runtime.clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName }), options),
    ),
  );
  return output !== undefined;
}
