// The log group `/aws/lambda/<preview function>`, created before the function so that Lambda does
// not make one without retention, tagged as the preview's, and deleted with the function.
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import type { ProviderContext } from '../engine/provider.ts';
import { hasVendorCode } from '../providers/aws/errors.ts';
import { describeLogGroup, logGroupName } from '../providers/aws/handlers/log-group.ts';
import type { AwsRuntime } from '../providers/aws/runtime.ts';
import type { PreviewIdentity } from './names.ts';
import { isPreviewOf, previewTags } from './names.ts';

async function tagsOf(
  runtime: AwsRuntime,
  context: ProviderContext,
  group: LogGroup,
): Promise<Record<string, string>> {
  const name = group.logGroupName ?? '';
  // DescribeLogGroups returns the ARN with a trailing `:*`; the tagging API wants it without.
  const arn = (group.logGroupArn ?? group.arn ?? '').replace(/:\*$/, '');
  const output = await runtime.call(
    context,
    'logs:ListTagsForResource',
    `log group ${name}`,
    (options) =>
      runtime.clients.logs.send(new ListTagsForResourceCommand({ resourceArn: arn }), options),
  );
  return output.tags ?? {};
}

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
  if (retentionInDays !== undefined && group.retentionInDays !== retentionInDays) {
    await runtime.call(context, 'logs:PutRetentionPolicy', `log group ${name}`, (options) =>
      runtime.clients.logs.send(
        new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays }),
        options,
      ),
    );
    context.log.info(`set the retention of log group ${name} to ${retentionInDays} days`);
  }
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
  if (!isPreviewOf(await tagsOf(runtime, context, group), identity)) {
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
