// CloudWatch Logs over awsJson1.1 (`X-Amz-Target: Logs_20140328.*`): log groups with retention
// and tags, which is what a Lambda function's `/aws/lambda/{name}` group needs.
import { AwsError } from '../errors.ts';
import { optionalField, optionalNumber, requiredField, stringMap } from '../protocols/json.ts';
import type { AccessCheck, Operation, Runtime } from '../runtime.ts';
import type { LogGroupRecord } from '../state.ts';

type Body = Record<string, unknown>;

/** Retention periods CloudWatch Logs accepts, in days. */
export const retentionDays = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288,
  3653,
];

function groupArn(runtime: Runtime, name: string): string {
  return `arn:aws:logs:${runtime.region}:${runtime.accountId}:log-group:${name}`;
}

function notFound(): AwsError {
  return new AwsError('ResourceNotFoundException', 'The specified log group does not exist.', 400);
}

function groupName(body: Body): string {
  const name = requiredField(body, 'logGroupName');
  if (!/^[.\-_/#A-Za-z0-9]{1,512}$/.test(name)) {
    throw new AwsError(
      'InvalidParameterException',
      `1 validation error detected: Value '${name}' at 'logGroupName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\.\\-_/#A-Za-z0-9]+`,
      400,
    );
  }
  return name;
}

function findGroup(runtime: Runtime, name: string): LogGroupRecord {
  const group = runtime.state.logs.groups[name];
  if (group === undefined) {
    throw notFound();
  }
  return group;
}

/** The group a tagging call names by ARN; the `:*` form DescribeLogGroups returns is accepted too. */
function groupFromArn(runtime: Runtime, body: Body): LogGroupRecord {
  const arn = requiredField(body, 'resourceArn').replace(/:\*$/, '');
  const prefix = `arn:aws:logs:${runtime.region}:${runtime.accountId}:log-group:`;
  if (!arn.startsWith(prefix)) {
    throw notFound();
  }
  return findGroup(runtime, arn.slice(prefix.length));
}

function checkTags(tags: Record<string, string>): Record<string, string> {
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) {
      throw new AwsError(
        'InvalidParameterException',
        `Tag keys beginning with aws: are reserved (got "${key}").`,
        400,
      );
    }
  }
  return tags;
}

function groupCheck(action: string) {
  return (body: Body, runtime: Runtime): AccessCheck[] => [
    { action, resource: groupArn(runtime, String(body.logGroupName)) },
  ];
}

function arnCheck(action: string) {
  return (body: Body): AccessCheck[] => [
    { action, resource: String(body.resourceArn).replace(/:\*$/, '') },
  ];
}

export const logsOperations: Record<string, Operation<Body>> = {
  CreateLogGroup: {
    write: true,
    authorize(body, runtime) {
      const resource = groupArn(runtime, String(body.logGroupName));
      const checks: AccessCheck[] = [{ action: 'logs:CreateLogGroup', resource }];
      if (body.tags !== undefined) {
        checks.push({ action: 'logs:TagResource', resource });
      }
      return checks;
    },
    run(body, runtime) {
      const name = groupName(body);
      if (runtime.state.logs.groups[name] !== undefined) {
        throw new AwsError(
          'ResourceAlreadyExistsException',
          'The specified log group already exists',
          400,
        );
      }
      const logGroupClass = optionalField(body, 'logGroupClass') ?? 'STANDARD';
      if (!['STANDARD', 'INFREQUENT_ACCESS', 'DELIVERY'].includes(logGroupClass)) {
        throw new AwsError(
          'InvalidParameterException',
          `Invalid logGroupClass: ${logGroupClass}`,
          400,
        );
      }
      runtime.state.logs.groups[name] = {
        logGroupName: name,
        creationTime: runtime.now(),
        kmsKeyId: optionalField(body, 'kmsKeyId'),
        logGroupClass,
        tags: checkTags(stringMap(body, 'tags')),
      };
      return {};
    },
  },
  DescribeLogGroups: {
    write: false,
    authorize: (_body, runtime) => [
      { action: 'logs:DescribeLogGroups', resource: groupArn(runtime, '*') },
    ],
    run(body, runtime) {
      const prefix = optionalField(body, 'logGroupNamePrefix') ?? '';
      const limit = optionalNumber(body, 'limit') ?? 50;
      if (limit < 1 || limit > 50) {
        throw new AwsError(
          'InvalidParameterException',
          `1 validation error detected: Value '${limit}' at 'limit' failed to satisfy constraint: Member must have value less than or equal to 50`,
          400,
        );
      }
      const token = optionalField(body, 'nextToken');
      const start = token === undefined ? 0 : Number(Buffer.from(token, 'base64').toString('utf8'));
      const groups = Object.values(runtime.state.logs.groups)
        .filter((group) => group.logGroupName.startsWith(prefix))
        .sort((left, right) => left.logGroupName.localeCompare(right.logGroupName));
      const slice = groups.slice(start, start + limit);
      const end = start + slice.length;
      return {
        logGroups: slice.map((group) => ({
          logGroupName: group.logGroupName,
          creationTime: group.creationTime,
          retentionInDays: group.retentionInDays,
          metricFilterCount: 0,
          arn: `${groupArn(runtime, group.logGroupName)}:*`,
          storedBytes: 0,
          kmsKeyId: group.kmsKeyId,
          logGroupClass: group.logGroupClass,
          logGroupArn: groupArn(runtime, group.logGroupName),
        })),
        nextToken: end < groups.length ? Buffer.from(String(end)).toString('base64') : undefined,
      };
    },
  },
  PutRetentionPolicy: {
    write: true,
    authorize: groupCheck('logs:PutRetentionPolicy'),
    run(body, runtime) {
      const group = findGroup(runtime, groupName(body));
      const days = optionalNumber(body, 'retentionInDays');
      if (days === undefined || !retentionDays.includes(days)) {
        throw new AwsError(
          'InvalidParameterException',
          `1 validation error detected: Value '${String(days)}' at 'retentionInDays' failed to satisfy constraint: Member must satisfy enum value set: [${retentionDays.join(', ')}]`,
          400,
        );
      }
      group.retentionInDays = days;
      return {};
    },
  },
  DeleteRetentionPolicy: {
    write: true,
    authorize: groupCheck('logs:DeleteRetentionPolicy'),
    run(body, runtime) {
      delete findGroup(runtime, groupName(body)).retentionInDays;
      return {};
    },
  },
  DeleteLogGroup: {
    write: true,
    authorize: groupCheck('logs:DeleteLogGroup'),
    run(body, runtime) {
      const group = findGroup(runtime, groupName(body));
      delete runtime.state.logs.groups[group.logGroupName];
      return {};
    },
  },
  TagResource: {
    write: true,
    authorize: arnCheck('logs:TagResource'),
    run(body, runtime) {
      const group = groupFromArn(runtime, body);
      const tags = { ...group.tags, ...checkTags(stringMap(body, 'tags')) };
      if (Object.keys(tags).length > 50) {
        throw new AwsError(
          'TooManyTagsException',
          'A resource can have no more than 50 tags.',
          400,
        );
      }
      group.tags = tags;
      return {};
    },
  },
  UntagResource: {
    write: true,
    authorize: arnCheck('logs:UntagResource'),
    run(body, runtime) {
      const group = groupFromArn(runtime, body);
      const keys = Array.isArray(body.tagKeys) ? (body.tagKeys as string[]) : [];
      for (const key of keys) {
        delete group.tags[key];
      }
      return {};
    },
  },
  ListTagsForResource: {
    write: false,
    authorize: arnCheck('logs:ListTagsForResource'),
    run(body, runtime) {
      return { tags: groupFromArn(runtime, body).tags };
    },
  },
};
