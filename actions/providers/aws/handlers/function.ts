// `aws:lambda:Function`: a Lambda function deployed from the build artifact, with its log group,
// reserved concurrency, tags, and an alias pointing at the version each deploy publishes.
import {
  CreateFunctionCommand,
  DeleteFunctionCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  ListFunctionsCommand,
  ListTagsCommand,
  PutFunctionConcurrencyCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import type {
  Architecture,
  FunctionConfiguration,
  GetFunctionCommandOutput,
  Runtime,
  UpdateFunctionConfigurationCommandInput,
} from '@aws-sdk/client-lambda';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../../engine/provider.ts';
import { isUnknown, ProviderError } from '../../../engine/provider.ts';
import { readArtifact } from '../artifact.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
import type { AwsRuntime } from '../runtime.ts';
import {
  desiredTags,
  markerKeys,
  ownedByEnvironment,
  ownershipOf,
  tagChanges,
  userTags,
} from '../tags.ts';
import { adoptExisting } from './adopt.ts';
import {
  publishToAlias,
  waitForFunctionReady,
  withConflictRetry,
  withRolePropagationRetry,
} from './function-steps.ts';
import {
  deleteOwnedLogGroup,
  describeLogGroup,
  ensureLogGroup,
  logGroupName,
} from './log-group.ts';

export interface FunctionSpec {
  functionName: string;
  description?: string;
  role: SpecValue;
  runtime: string;
  handler: string;
  architectures: string[];
  memorySize: number;
  timeout: number;
  code: { artifact: string };
  environment?: Record<string, SpecValue>;
  reservedConcurrentExecutions?: number;
  alias?: string;
  logRetentionInDays?: number;
  tags?: Record<string, string>;
}

function specOf(resource: DesiredResource): FunctionSpec {
  return resource.spec as unknown as FunctionSpec;
}

/** Returns the environment when every value is known, else `undefined` so an update sets it. */
function knownEnvironment(
  environment: Record<string, SpecValue> | undefined,
): Record<string, string> | undefined {
  if (
    environment === undefined ||
    Object.values(environment).some((value) => isUnknown(value) || typeof value !== 'string')
  ) {
    return undefined;
  }
  return environment as Record<string, string>;
}

function knownRole(resource: DesiredResource): string {
  const role = specOf(resource).role;
  if (typeof role !== 'string') {
    throw new ProviderError(
      'INVALID',
      `The role of Lambda function ${resource.name} is not known yet; apply the role first.`,
    );
  }
  return role;
}

function sortedJson(value: Record<string, string> | undefined): string {
  const entries = Object.entries(value ?? {}).sort(([left], [right]) => left.localeCompare(right));
  return JSON.stringify(entries);
}

/** Returns whether two versions have the same code and configuration. */
function sameContent(left: FunctionConfiguration, right: FunctionConfiguration): boolean {
  return (
    left.CodeSha256 === right.CodeSha256 &&
    left.Runtime === right.Runtime &&
    left.Role === right.Role &&
    left.Handler === right.Handler &&
    left.MemorySize === right.MemorySize &&
    left.Timeout === right.Timeout &&
    (left.Description ?? '') === (right.Description ?? '') &&
    sortedJson(left.Environment?.Variables) === sortedJson(right.Environment?.Variables) &&
    JSON.stringify(left.Architectures ?? []) === JSON.stringify(right.Architectures ?? [])
  );
}

/** The fields UpdateFunctionConfiguration must change, or `undefined` when none differ. */
function configurationChanges(
  desired: FunctionSpec,
  role: string,
  current: FunctionConfiguration,
): UpdateFunctionConfigurationCommandInput | undefined {
  const input: UpdateFunctionConfigurationCommandInput = { FunctionName: desired.functionName };
  if (role !== current.Role) {
    input.Role = role;
  }
  if (desired.runtime !== current.Runtime) {
    input.Runtime = desired.runtime as Runtime;
  }
  if (desired.handler !== current.Handler) {
    input.Handler = desired.handler;
  }
  if (desired.memorySize !== current.MemorySize) {
    input.MemorySize = desired.memorySize;
  }
  if (desired.timeout !== current.Timeout) {
    input.Timeout = desired.timeout;
  }
  if (desired.description !== undefined && desired.description !== (current.Description ?? '')) {
    input.Description = desired.description;
  }
  const environment = knownEnvironment(desired.environment);
  if (
    environment !== undefined &&
    sortedJson(environment) !== sortedJson(current.Environment?.Variables)
  ) {
    input.Environment = { Variables: environment };
  }
  return Object.keys(input).length > 1 ? input : undefined;
}

export function createFunctionHandler(runtime: AwsRuntime): ResourceHandler {
  const lambda = () => runtime.clients.lambda;
  const root = runtime.options.artifactRoot ?? process.cwd();

  const getFunction = async (
    context: ProviderContext,
    name: string,
  ): Promise<GetFunctionCommandOutput | undefined> => {
    try {
      return await runtime.call(context, 'lambda:GetFunction', `function ${name}`, (options) =>
        lambda().send(new GetFunctionCommand({ FunctionName: name }), options),
      );
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  };

  const aliasConfiguration = async (context: ProviderContext, name: string, alias: string) => {
    try {
      return await runtime.call(
        context,
        'lambda:GetFunctionConfiguration',
        `function ${name} alias ${alias}`,
        (options) =>
          lambda().send(
            new GetFunctionConfigurationCommand({ FunctionName: name, Qualifier: alias }),
            options,
          ),
      );
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  };

  const observe = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation | undefined> => {
    await runtime.guard(context);
    const desired = specOf(resource);
    const output = await getFunction(context, desired.functionName);
    const configuration = output?.Configuration;
    if (output === undefined || configuration === undefined) {
      return undefined;
    }
    const tags = output.Tags ?? {};
    const spec: Record<string, SpecValue> = {
      functionName: configuration.FunctionName ?? desired.functionName,
      role: configuration.Role ?? '',
      runtime: configuration.Runtime ?? '',
      handler: configuration.Handler ?? '',
      architectures: configuration.Architectures ?? ['x86_64'],
      memorySize: configuration.MemorySize ?? 128,
      timeout: configuration.Timeout ?? 3,
      environment: configuration.Environment?.Variables ?? {},
      tags: userTags(tags),
    };
    if (desired.description !== undefined) {
      spec.description = configuration.Description ?? '';
    }
    const reserved = output.Concurrency?.ReservedConcurrentExecutions;
    if (reserved !== undefined) {
      spec.reservedConcurrentExecutions = reserved;
    }

    // The deployed code is compared by hash with the artifact on disk, so an unchanged build
    // plans no upload.
    const artifact = await readArtifact(root, desired.code.artifact, desired.functionName);
    spec.code = {
      artifact:
        artifact.sha256 === configuration.CodeSha256
          ? desired.code.artifact
          : `deployed code with CodeSha256 ${configuration.CodeSha256 ?? 'unknown'} (${desired.code.artifact} has ${artifact.sha256})`,
    };

    let version = configuration.Version ?? '$LATEST';
    if (desired.alias !== undefined) {
      const aliased = await aliasConfiguration(context, desired.functionName, desired.alias);
      if (aliased !== undefined) {
        version = aliased.Version ?? version;
        spec.alias = sameContent(aliased, configuration)
          ? desired.alias
          : `${desired.alias} at version ${version}, older than the function's current code or configuration`;
      }
    }
    if (desired.logRetentionInDays !== undefined) {
      const group = await describeLogGroup(runtime, context, logGroupName(desired.functionName));
      if (group?.retentionInDays !== undefined) {
        spec.logRetentionInDays = group.retentionInDays;
      }
    }

    const arn = configuration.FunctionArn ?? '';
    return {
      id: arn,
      spec,
      outputs: {
        functionName: desired.functionName,
        arn,
        version,
        qualifiedArn: desired.alias === undefined ? arn : `${arn}:${desired.alias}`,
      },
      ownership: ownershipOf(tags, context.marker(resource.address)),
    };
  };

  const observeAfterChange = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation> => {
    const observed = await observe(context, resource);
    if (observed === undefined) {
      throw new ProviderError(
        'NOT_FOUND',
        `Lambda function ${resource.name} disappeared during the apply; plan again.`,
      );
    }
    return observed;
  };

  const handler: ResourceHandler = {
    kind: 'aws:lambda:Function',
    fields: {
      functionName: { replaceOnChange: true },
      // The environment refers to values (the Okta client id) that exist only after other
      // resources that themselves need this function, so it may be applied in a second step.
      environment: { deferrable: true },
      architectures: { compare: 'ordered' },
    },
    outputs: ['functionName', 'arn', 'version', 'qualifiedArn'],
    identity: ['functionName'],
    observe,

    async create(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      const name = desired.functionName;
      const marker = context.marker(resource.address);
      const artifact = await readArtifact(root, desired.code.artifact, name);
      const role = knownRole(resource);

      // The log group comes first: Lambda would otherwise create it on first invocation, without
      // retention.
      await ensureLogGroup(
        runtime,
        context,
        logGroupName(name),
        desired.logRetentionInDays,
        marker,
      );

      const environment = knownEnvironment(desired.environment);
      try {
        await withRolePropagationRetry(runtime, context, role, () =>
          runtime.call(context, 'lambda:CreateFunction', `function ${name}`, (options) =>
            lambda().send(
              new CreateFunctionCommand({
                FunctionName: name,
                Role: role,
                Runtime: desired.runtime as Runtime,
                Handler: desired.handler,
                Description: desired.description,
                Timeout: desired.timeout,
                MemorySize: desired.memorySize,
                Architectures: desired.architectures as Architecture[],
                Environment: environment === undefined ? undefined : { Variables: environment },
                Code: { ZipFile: artifact.bytes },
                PackageType: 'Zip',
                Publish: false,
                Tags: desiredTags(desired.tags, {}, marker),
              }),
              options,
            ),
          ),
        );
      } catch (error) {
        if (hasVendorCode(error, 'ResourceConflictException')) {
          return adoptExisting(
            handler,
            context,
            resource,
            'Lambda function',
            error as ProviderError,
          );
        }
        throw error;
      }
      context.log.info(`created Lambda function ${name} with code CodeSha256 ${artifact.sha256}`);
      await waitForFunctionReady(runtime, context, name, true);

      if (desired.reservedConcurrentExecutions !== undefined) {
        await runtime.call(
          context,
          'lambda:PutFunctionConcurrency',
          `function ${name}`,
          (options) =>
            lambda().send(
              new PutFunctionConcurrencyCommand({
                FunctionName: name,
                ReservedConcurrentExecutions: desired.reservedConcurrentExecutions,
              }),
              options,
            ),
        );
        context.log.info(
          `reserved ${desired.reservedConcurrentExecutions} concurrent executions for Lambda function ${name}`,
        );
      }
      if (desired.alias !== undefined) {
        await publishToAlias(runtime, context, name, desired.alias, artifact.sha256);
      }
      return observeAfterChange(context, resource);
    },

    async update(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      const name = desired.functionName;
      const marker = context.marker(resource.address);
      const current = await getFunction(context, name);
      if (current?.Configuration === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `Lambda function ${name} no longer exists; plan again to create it.`,
        );
      }
      const artifact = await readArtifact(root, desired.code.artifact, name);
      let configuration = await waitForFunctionReady(runtime, context, name, false);

      const role = knownRole(resource);
      const changes = configurationChanges(desired, role, configuration);
      if (changes !== undefined) {
        await withConflictRetry(runtime, context, name, () =>
          withRolePropagationRetry(runtime, context, role, () =>
            runtime.call(
              context,
              'lambda:UpdateFunctionConfiguration',
              `function ${name}`,
              (options) => lambda().send(new UpdateFunctionConfigurationCommand(changes), options),
            ),
          ),
        );
        const fields = Object.keys(changes).filter((key) => key !== 'FunctionName');
        context.log.info(
          `updated the configuration of Lambda function ${name}: ${fields.join(', ')}`,
        );
        configuration = await waitForFunctionReady(runtime, context, name, true);
      }

      const architecturesChanged =
        JSON.stringify(desired.architectures) !==
        JSON.stringify(configuration.Architectures ?? ['x86_64']);
      if (artifact.sha256 !== configuration.CodeSha256 || architecturesChanged) {
        await withConflictRetry(runtime, context, name, () =>
          runtime.call(context, 'lambda:UpdateFunctionCode', `function ${name}`, (options) =>
            lambda().send(
              new UpdateFunctionCodeCommand({
                FunctionName: name,
                ZipFile: artifact.bytes,
                Architectures: desired.architectures as Architecture[],
              }),
              options,
            ),
          ),
        );
        context.log.info(
          `uploaded new code to Lambda function ${name}: CodeSha256 ${artifact.sha256}`,
        );
        configuration = await waitForFunctionReady(runtime, context, name, true);
      } else {
        context.log.debug(
          `code of Lambda function ${name} is unchanged (CodeSha256 ${artifact.sha256}); upload skipped`,
        );
      }

      const reserved = desired.reservedConcurrentExecutions;
      if (
        reserved !== undefined &&
        reserved !== current.Concurrency?.ReservedConcurrentExecutions
      ) {
        await runtime.call(
          context,
          'lambda:PutFunctionConcurrency',
          `function ${name}`,
          (options) =>
            lambda().send(
              new PutFunctionConcurrencyCommand({
                FunctionName: name,
                ReservedConcurrentExecutions: reserved,
              }),
              options,
            ),
        );
        context.log.info(`reserved ${reserved} concurrent executions for Lambda function ${name}`);
      }

      const arn = configuration.FunctionArn ?? current.Configuration.FunctionArn ?? '';
      const tags = current.Tags ?? {};
      const tagDiff = tagChanges(tags, desiredTags(desired.tags, tags, marker));
      if (Object.keys(tagDiff.set).length > 0) {
        await runtime.call(context, 'lambda:TagResource', `function ${name}`, (options) =>
          lambda().send(new TagResourceCommand({ Resource: arn, Tags: tagDiff.set }), options),
        );
        context.log.info(
          `tagged Lambda function ${name}: ${Object.keys(tagDiff.set).sort().join(', ')}`,
        );
      }
      if (tagDiff.remove.length > 0) {
        await runtime.call(context, 'lambda:UntagResource', `function ${name}`, (options) =>
          lambda().send(
            new UntagResourceCommand({ Resource: arn, TagKeys: tagDiff.remove }),
            options,
          ),
        );
        context.log.info(`removed tags from Lambda function ${name}: ${tagDiff.remove.join(', ')}`);
      }

      await ensureLogGroup(
        runtime,
        context,
        logGroupName(name),
        desired.logRetentionInDays,
        marker,
      );
      if (desired.alias !== undefined) {
        await publishToAlias(runtime, context, name, desired.alias, configuration.CodeSha256);
      }
      return observeAfterChange(context, resource);
    },

    async delete(context, observed) {
      await runtime.guard(context);
      const name = String(observed.outputs.functionName);
      try {
        await withConflictRetry(runtime, context, name, () =>
          runtime.call(context, 'lambda:DeleteFunction', `function ${name}`, (options) =>
            lambda().send(new DeleteFunctionCommand({ FunctionName: name }), options),
          ),
        );
        context.log.info(`deleted Lambda function ${name}`);
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
      await deleteOwnedLogGroup(runtime, context, logGroupName(name));
    },

    async list(context) {
      await runtime.guard(context);
      const functions: FunctionConfiguration[] = [];
      let marker: string | undefined;
      do {
        const page = await runtime.call(context, 'lambda:ListFunctions', 'the region', (options) =>
          lambda().send(new ListFunctionsCommand({ Marker: marker }), options),
        );
        functions.push(...(page.Functions ?? []));
        marker = page.NextMarker;
      } while (marker !== undefined);

      const owned: Array<Observation & { address: string; name: string }> = [];
      // ListFunctions leaves out tags, so each function's tags cost one more call.
      for (const configuration of functions) {
        const arn = configuration.FunctionArn ?? '';
        let tags: Record<string, string>;
        try {
          const output = await runtime.call(
            context,
            'lambda:ListTags',
            `function ${configuration.FunctionName ?? ''}`,
            (options) => lambda().send(new ListTagsCommand({ Resource: arn }), options),
          );
          tags = output.Tags ?? {};
        } catch (error) {
          if (isNotFound(error)) {
            continue;
          }
          throw error;
        }
        if (!ownedByEnvironment(tags, context)) {
          continue;
        }
        const name = configuration.FunctionName ?? '';
        owned.push({
          id: arn,
          spec: {
            functionName: name,
            role: configuration.Role ?? '',
            runtime: configuration.Runtime ?? '',
            handler: configuration.Handler ?? '',
            architectures: configuration.Architectures ?? ['x86_64'],
            memorySize: configuration.MemorySize ?? 128,
            timeout: configuration.Timeout ?? 3,
            tags: userTags(tags),
          },
          outputs: {
            functionName: name,
            arn,
            version: configuration.Version ?? '$LATEST',
            qualifiedArn: arn,
          },
          ownership: 'owned',
          address: tags[markerKeys.address] ?? '',
          name,
        });
      }
      return owned.sort((left, right) => left.address.localeCompare(right.address));
    },
  };
  return handler;
}
