// The log group `/aws/lambda/<preview function>`, created before the function so that Lambda does
// not make one without retention, tagged as the preview's, and deleted with the function.
import { CreateLogGroupCommand, DeleteLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import type { ProviderContext } from '../engine/provider.ts';
import { hasVendorCode } from '../providers/aws/errors.ts';
import {
  describeLogGroup,
  groupTags,
  logGroupName,
  setRetention,
} from '../providers/aws/handlers/log-group.ts';
import type { AwsRuntime } from '../providers/aws/runtime.ts';
import type { PreviewIdentity } from './names.ts';
import { isPreviewOf, previewTags } from './names.ts';

/** Creates the preview's log group when missing and sets its retention. */
export async function ensurePreviewLogGroup(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  retentionInDays: number | undefined,
  identity: PreviewIdentity,
): Promise<void> {
  const name = logGroupName(functionName);
  let group = await describeLogGroup(runtime, context, name);
  if (group === undefined) {
    try {
      await runtime.call(context, 'logs:CreateLogGroup', `log group ${name}`, (options) =>
        runtime.clients.logs.send(
          new CreateLogGroupCommand({ logGroupName: name, tags: previewTags(identity) }),
          options,
        ),
      );
      context.log.info(`created log group ${name}`);
    } catch (error) {
      if (!hasVendorCode(error, 'ResourceAlreadyExistsException')) throw error;
    }
    group = { logGroupName: name };
  }
  await setRetention(runtime, context, group, retentionInDays);
}

/**
 * Deletes the preview's log group. Returns whether it deleted one; a group without the preview's
 * tags is kept with a warning.
 */
export async function deletePreviewLogGroup(
  runtime: AwsRuntime,
  context: ProviderContext,
  functionName: string,
  identity: PreviewIdentity,
): Promise<boolean> {
  const name = logGroupName(functionName);
  const group = await describeLogGroup(runtime, context, name);
  if (group === undefined) {
    return false;
  }
  if (!isPreviewOf(await groupTags(runtime, context, group), identity)) {
    context.log.warning(`kept log group ${name}: it does not carry the tags of this preview`);
    return false;
  }
  try {
    await runtime.call(context, 'logs:DeleteLogGroup', `log group ${name}`, (options) =>
      runtime.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name }), options),
    );
  } catch (error) {
    if (hasVendorCode(error, 'ResourceNotFoundException')) return false;
    throw error;
  }
  context.log.info(`deleted log group ${name}`);
  return true;
}
