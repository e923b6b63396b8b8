// The CloudWatch Logs group `/aws/lambda/{functionName}` of a function, managed with the function:
// created before it (so Lambda does not create one without retention), given the configured
// retention, and deleted with it.
import {
  CreateLogGroupCommand,
  DeleteLogGroupCommand,
  DescribeLogGroupsCommand,
  ListTagsForResourceCommand,
  PutRetentionPolicyCommand,
  TagResourceCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import type { LogGroup } from '@aws-sdk/client-cloudwatch-logs';
import type { OwnershipMarker, ProviderContext } from '../../../engine/provider.ts';
import { hasVendorCode } from '../errors.ts';
import type { AwsRuntime } from '../runtime.ts';
import { markerTags, ownedByEnvironment } from '../tags.ts';

export function logGroupName(functionName: string): string {
  return `/aws/lambda/${functionName}`;
}

/** Finds a log group by exact name, or returns `undefined`. Read-only. */
export async function describeLogGroup(
  runtime: AwsRuntime,
  context: ProviderContext,
  name: string,
): Promise<LogGroup | undefined> {
  let nextToken: string | undefined;
  do {
    const page = await runtime.call(
      context,
      'logs:DescribeLogGroups',
      `log group ${name}`,
      (options) =>
        runtime.clients.logs.send(
          new DescribeLogGroupsCommand({ logGroupNamePrefix: name, nextToken }),
          options,
        ),
    );
    const found = page.logGroups?.find((group) => group.logGroupName === name);
    if (found !== undefined) {
      return found;
    }
    nextToken = page.nextToken;
  } while (nextToken !== undefined);
  return undefined;
}

function groupArn(runtime: AwsRuntime, group: LogGroup): string {
  return (
    group.logGroupArn ??
    `arn:aws:logs:${runtime.region}:${runtime.accountId}:log-group:${group.logGroupName ?? ''}`
  );
}

/** Reads the tags of a log group that `describeLogGroup` returned. */
export async function groupTags(
  runtime: AwsRuntime,
  context: ProviderContext,
  group: LogGroup,
): Promise<Record<string, string>> {
  const output = await runtime.call(
    context,
    'logs:ListTagsForResource',
    `log group ${group.logGroupName ?? ''}`,
    (options) =>
      runtime.clients.logs.send(
        new ListTagsForResourceCommand({ resourceArn: groupArn(runtime, group) }),
        options,
      ),
  );
  return output.tags ?? {};
}

/**
 * Makes sure the log group exists, carries the function's marker and has the retention. A group
 * without the marker is adopted: its name ties it to the function, and Lambda creates one on first
 * invocation when none exists.
 */
export async function ensureLogGroup(
  runtime: AwsRuntime,
  context: ProviderContext,
  name: string,
  retentionInDays: number | undefined,
  marker: OwnershipMarker,
): Promise<void> {
  let group = await describeLogGroup(runtime, context, name);
  if (group === undefined) {
    try {
      await runtime.call(context, 'logs:CreateLogGroup', `log group ${name}`, (options) =>
        runtime.clients.logs.send(
          new CreateLogGroupCommand({ logGroupName: name, tags: markerTags(marker) }),
          options,
        ),
      );
      context.log.info(`created log group ${name}`);
    } catch (error) {
      if (!hasVendorCode(error, 'ResourceAlreadyExistsException')) {
        throw error;
      }
    }
    group = (await describeLogGroup(runtime, context, name)) ?? { logGroupName: name };
  } else {
    const tags = await groupTags(runtime, context, group);
    const wanted = markerTags(marker);
    if (Object.entries(wanted).some(([key, value]) => tags[key] !== value)) {
      await runtime.call(context, 'logs:TagResource', `log group ${name}`, (options) =>
        runtime.clients.logs.send(
          new TagResourceCommand({
            resourceArn: groupArn(runtime, group as LogGroup),
            tags: wanted,
          }),
          options,
        ),
      );
      context.log.info(`tagged log group ${name} with the marker of ${marker.address}`);
    }
  }
  await setRetention(runtime, context, group, retentionInDays);
}

/** Sets the retention of a log group unless it already has `retentionInDays` or that is unset. */
export async function setRetention(
  runtime: AwsRuntime,
  context: ProviderContext,
  group: LogGroup,
  retentionInDays: number | undefined,
): Promise<void> {
  const name = group.logGroupName ?? '';
  if (retentionInDays === undefined || group.retentionInDays === retentionInDays) {
    return;
  }
  await runtime.call(context, 'logs:PutRetentionPolicy', `log group ${name}`, (options) =>
    runtime.clients.logs.send(
      new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays }),
      options,
    ),
  );
  context.log.info(`set the retention of log group ${name} to ${retentionInDays} days`);
}

/** Deletes the log group when it carries a marker of this environment; leaves others alone. */
export async function deleteOwnedLogGroup(
  runtime: AwsRuntime,
  context: ProviderContext,
  name: string,
): Promise<void> {
  const group = await describeLogGroup(runtime, context, name);
  if (group === undefined) {
    return;
  }
  if (!ownedByEnvironment(await groupTags(runtime, context, group), context)) {
    context.log.warning(
      `kept log group ${name}: it does not carry the ownership marker of ${context.environment}`,
    );
    return;
  }
  try {
    await runtime.call(context, 'logs:DeleteLogGroup', `log group ${name}`, (options) =>
      runtime.clients.logs.send(new DeleteLogGroupCommand({ logGroupName: name }), options),
    );
    context.log.info(`deleted log group ${name}`);
  } catch (error) {
    if (!hasVendorCode(error, 'ResourceNotFoundException')) {
      throw error;
    }
  }
}
