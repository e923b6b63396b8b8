// The waits and retries Lambda's eventual consistency needs: a new role that Lambda cannot assume
// yet, a function that is still `Pending` or busy with an update, and publishing a version for the
// alias.
import {
  CreateAliasCommand,
  GetAliasCommand,
  GetFunctionConfigurationCommand,
  PublishVersionCommand,
  UpdateAliasCommand,
} from '@aws-sdk/client-lambda';
import type { FunctionConfiguration } from '@aws-sdk/client-lambda';
import type { ProviderContext } from '../../../engine/provider.ts';
import { ProviderError, waitFor } from '../../../engine/provider.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
import type { AwsRuntime } from '../runtime.ts';

function describeState(configuration: FunctionConfiguration): string {
  return `${configuration.State ?? 'unknown'} (LastUpdateStatus ${configuration.LastUpdateStatus ?? 'none'})`;
}

/**
 * Polls until the function is `Active` (or `Inactive`) with no update in progress. After a change
 * of ours, a `Failed` state or update stops the wait with Lambda's reason.
 */
export async function waitForFunctionReady(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  afterChange: boolean,
): Promise<FunctionConfiguration> {
  return waitFor(context, {
    what: `Lambda function ${functionName} to be ready`,
    poll: () =>
      runtime.call(
        context,
        'lambda:GetFunctionConfiguration',
        `function ${functionName}`,
        (options) =>
          runtime.clients.lambda.send(
            new GetFunctionConfigurationCommand({ FunctionName: functionName }),
            options,
          ),
      ),
    isDone: (configuration) =>
      (configuration.State === 'Active' || configuration.State === 'Inactive') &&
      configuration.LastUpdateStatus !== 'InProgress',
    describe: describeState,
    failed: (configuration) => {
      if (configuration.State === 'Failed') {
        return `${configuration.StateReasonCode ?? ''}: ${configuration.StateReason ?? ''}`;
      }
      if (afterChange && configuration.LastUpdateStatus === 'Failed') {
        return `${configuration.LastUpdateStatusReasonCode ?? ''}: ${configuration.LastUpdateStatusReason ?? ''}`;
      }
      return undefined;
    },
    timeoutMs: runtime.timing.functionReadyTimeoutMs,
    intervalMs: runtime.timing.pollIntervalMs,
  });
}

/**
 * Runs a change of the function, and when Lambda returns `ResourceConflictException` (another update
 * in progress), waits for the function to be ready and tries again, up to `conflictRetries` times.
 */
export async function withConflictRetry<T>(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  change: () => Promise<T>,
): Promise<T> {
  const retries = runtime.timing.conflictRetries;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await change();
    } catch (error) {
      if (!hasVendorCode(error, 'ResourceConflictException') || attempt > retries) {
        throw error;
      }
      context.log.info(
        `Lambda function ${functionName} is busy with another change; waiting until it is ready, then retrying (retry ${attempt} of ${retries})`,
      );
      await waitForFunctionReady(runtime, context, functionName, false);
    }
  }
}

function roleNotAssumable(error: unknown): boolean {
  return (
    hasVendorCode(error, 'InvalidParameterValueException') &&
    error instanceof Error &&
    error.message.includes('cannot be assumed by Lambda')
  );
}

/**
 * Runs a create or configuration change that names an execution role, retrying while Lambda
 * cannot assume the role yet because a new role or trust policy has not propagated through IAM.
 */
export async function withRolePropagationRetry<T>(
  runtime: AwsRuntime,
  context: ProviderContext,
  roleArn: string,
  change: () => Promise<T>,
): Promise<T> {
  const { rolePropagationTimeoutMs: timeoutMs, rolePropagationIntervalMs: intervalMs } =
    runtime.timing;
  const started = context.now().getTime();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await change();
    } catch (error) {
      if (!roleNotAssumable(error)) {
        throw error;
      }
      const elapsed = context.now().getTime() - started;
      if (elapsed + intervalMs > timeoutMs) {
        throw new ProviderError(
          'INVALID',
          `Lambda still cannot assume role ${roleArn} after ${Math.round(elapsed / 1000)} s. Check that the role exists and that its trust policy allows lambda.amazonaws.com to call sts:AssumeRole.`,
          { vendorCode: 'InvalidParameterValueException', cause: error },
        );
      }
      context.log.info(
        `Lambda cannot assume role ${roleArn} yet because IAM changes take time to propagate; attempt ${attempt} failed, retrying in ${Math.round(intervalMs / 1000)} s (${Math.round(elapsed / 1000)} s of at most ${Math.round(timeoutMs / 1000)} s elapsed)`,
      );
      await context.sleep(intervalMs);
    }
  }
}

/**
 * Publishes `$LATEST` as a version (Lambda returns the last version when nothing changed) and
 * points the alias at it. Returns the version number.
 */
export async function publishToAlias(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  alias: string,
  codeSha256: string | undefined,
): Promise<string> {
  const lambda = () => runtime.clients.lambda;
  const published = await withConflictRetry(runtime, context, functionName, () =>
    runtime.call(context, 'lambda:PublishVersion', `function ${functionName}`, (options) =>
      lambda().send(
        new PublishVersionCommand({ FunctionName: functionName, CodeSha256: codeSha256 }),
        options,
      ),
    ),
  );
  const version = published.Version ?? '$LATEST';

  let current: string | undefined;
  try {
    const existing = await runtime.call(
      context,
      'lambda:GetAlias',
      `function ${functionName} alias ${alias}`,
      (options) =>
        lambda().send(new GetAliasCommand({ FunctionName: functionName, Name: alias }), options),
    );
    current = existing.FunctionVersion;
  } catch (error) {
    if (!isNotFound(error)) {
      throw error;
    }
  }

  if (current === undefined) {
    await runtime.call(
      context,
      'lambda:CreateAlias',
      `function ${functionName} alias ${alias}`,
      (options) =>
        lambda().send(
          new CreateAliasCommand({
            FunctionName: functionName,
            Name: alias,
            FunctionVersion: version,
          }),
          options,
        ),
    );
    context.log.info(
      `created alias ${alias} of Lambda function ${functionName} at version ${version}`,
    );
  } else if (current !== version) {
    await runtime.call(
      context,
      'lambda:UpdateAlias',
      `function ${functionName} alias ${alias}`,
      (options) =>
        lambda().send(
          new UpdateAliasCommand({
            FunctionName: functionName,
            Name: alias,
            FunctionVersion: version,
          }),
          options,
        ),
    );
    context.log.info(
      `moved alias ${alias} of Lambda function ${functionName} from version ${current} to ${version}`,
    );
  }
  return version;
}
