// What the Lambda operations share: finding a function from a name or ARN, the configuration
// members GetFunction returns, the state machine (`Pending`/`Active`, `InProgress`/`Successful`),
// and Lambda's error shapes.
import { AwsError } from '../errors.ts';
import type { AccessCheck, RestInput, Runtime } from '../runtime.ts';
import type { FunctionVersionRecord, LambdaFunctionRecord } from '../state.ts';

export function notFound(arn: string): AwsError {
  return new AwsError('ResourceNotFoundException', `Function not found: ${arn}`, 404, {
    messageMember: 'Message',
  });
}

export function resourceNotFound(): AwsError {
  return new AwsError(
    'ResourceNotFoundException',
    'The resource you requested does not exist.',
    404,
    {
      messageMember: 'Message',
    },
  );
}

export function invalidParameter(message: string): AwsError {
  return new AwsError('InvalidParameterValueException', message, 400);
}

export function conflict(message: string): AwsError {
  return new AwsError('ResourceConflictException', message, 409);
}

export function validation(name: string, value: string, constraint: string): AwsError {
  return new AwsError(
    'ValidationException',
    `1 validation error detected: Value '${value}' at '${name}' failed to satisfy constraint: ${constraint}`,
    400,
  );
}

export function functionArn(runtime: Runtime, name: string): string {
  return `arn:aws:lambda:${runtime.region}:${runtime.accountId}:function:${name}`;
}

/** Lambda's timestamp form: `2024-11-05T12:34:56.789+0000`. */
export function lambdaTime(epochMilliseconds: number): string {
  return new Date(epochMilliseconds).toISOString().replace('Z', '+0000');
}

/**
 * Splits a `FunctionName` label (a name, `name:qualifier`, a full ARN or `account:function:name`)
 * into the name and the qualifier it carries.
 */
export function parseFunctionName(raw: string): { name: string; qualifier: string | undefined } {
  const arnMatch =
    /^(?:arn:aws[a-z-]*:lambda:[a-z0-9-]+:)?(?:\d{12}:)?function:([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(
      raw,
    );
  if (arnMatch?.[1] !== undefined) {
    return { name: arnMatch[1], qualifier: arnMatch[2] };
  }
  const nameMatch = /^([a-zA-Z0-9-_]+)(?::([a-zA-Z0-9-_$]+))?$/.exec(raw);
  if (nameMatch?.[1] !== undefined && nameMatch[1].length <= 64) {
    return { name: nameMatch[1], qualifier: nameMatch[2] };
  }
  throw validation(
    'functionName',
    raw,
    'Member must satisfy regular expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_]+)(:(\\$LATEST|[a-zA-Z0-9-_]+))?',
  );
}

/** The function a request names, and the qualifier from the name or the `Qualifier` query. */
export function findFunction(
  runtime: Runtime,
  input: RestInput,
): { fn: LambdaFunctionRecord; qualifier: string | undefined } {
  const { name, qualifier: fromName } = parseFunctionName(input.labels.FunctionName ?? '');
  const fn = runtime.state.lambda.functions[name];
  if (fn === undefined) {
    throw notFound(functionArn(runtime, name));
  }
  const qualifier = input.query.get('Qualifier') ?? fromName;
  return { fn, qualifier: qualifier === '' ? undefined : qualifier };
}

/** The version a qualifier names: `$LATEST`, a published number, or an alias. */
export function resolveQualifier(
  fn: LambdaFunctionRecord,
  qualifier: string | undefined,
): FunctionVersionRecord {
  if (qualifier === undefined || qualifier === '$LATEST') {
    return fn.latest;
  }
  const version = fn.aliases[qualifier]?.FunctionVersion ?? qualifier;
  if (version === '$LATEST') {
    return fn.latest;
  }
  const record = fn.versions.find((candidate) => candidate.Version === version);
  if (record === undefined) {
    throw notFound(`${fn.FunctionArn}:${qualifier}`);
  }
  return record;
}

/** Whether the function can take another change now, as Lambda refuses one while busy. */
export function assertNotBusy(runtime: Runtime, fn: LambdaFunctionRecord): void {
  const now = runtime.now();
  if (now < fn.activeAt) {
    throw conflict(
      'The operation cannot be performed at this time. The function is currently in the following state: Pending',
    );
  }
  if (now < fn.updatedAt) {
    throw conflict(
      `The operation cannot be performed at this time. An update is in progress for resource: ${fn.FunctionArn}`,
    );
  }
}

/** Returns the state members of `$LATEST`; `justChanged` marks the response of the write itself. */
function stateMembers(
  runtime: Runtime,
  fn: LambdaFunctionRecord,
  justChanged: boolean,
): Record<string, string> {
  const now = runtime.now();
  if (fn.lastChange === 'create' && (justChanged || now < fn.activeAt)) {
    return {
      State: 'Pending',
      StateReason: 'The function is being created.',
      StateReasonCode: 'Creating',
    };
  }
  if (justChanged || now < fn.updatedAt) {
    return {
      State: 'Active',
      LastUpdateStatus: 'InProgress',
      LastUpdateStatusReason: 'The function is being created.',
      LastUpdateStatusReasonCode: 'Creating',
    };
  }
  return { State: 'Active', LastUpdateStatus: 'Successful' };
}

/** The `FunctionConfiguration` members of one version, as GetFunctionConfiguration returns them. */
export function configurationResponse(
  runtime: Runtime,
  fn: LambdaFunctionRecord,
  version: FunctionVersionRecord,
  options: { justChanged?: boolean; qualifier?: string } = {},
): Record<string, unknown> {
  const isLatest = version.Version === '$LATEST';
  const suffix = options.qualifier ?? (isLatest ? undefined : version.Version);
  return {
    FunctionName: fn.FunctionName,
    FunctionArn: suffix === undefined ? fn.FunctionArn : `${fn.FunctionArn}:${suffix}`,
    Runtime: version.Runtime,
    Role: version.Role,
    Handler: version.Handler,
    CodeSize: version.CodeSize,
    Description: version.Description,
    Timeout: version.Timeout,
    MemorySize: version.MemorySize,
    LastModified: lambdaTime(version.LastModified),
    CodeSha256: version.CodeSha256,
    Version: version.Version,
    Environment: version.Environment === undefined ? undefined : { Variables: version.Environment },
    TracingConfig: { Mode: 'PassThrough' },
    RevisionId: version.RevisionId,
    ...(isLatest
      ? stateMembers(runtime, fn, options.justChanged ?? false)
      : { State: 'Active', LastUpdateStatus: 'Successful' }),
    PackageType: 'Zip',
    Architectures: version.Architectures,
    EphemeralStorage: { Size: 512 },
    SnapStart: { ApplyOn: 'None', OptimizationStatus: 'Off' },
    LoggingConfig: { LogFormat: 'Text', LogGroup: `/aws/lambda/${fn.FunctionName}` },
  };
}

/** The permission check for an operation on a function, qualified when the request names a version. */
export function functionCheck(action: string) {
  return (input: RestInput, runtime: Runtime): AccessCheck[] => {
    const { name, qualifier } = parseFunctionName(input.labels.FunctionName ?? '');
    const resolved = input.query.get('Qualifier') ?? qualifier;
    const arn = functionArn(runtime, name);
    return [{ action, resource: resolved === undefined ? arn : `${arn}:${resolved}` }];
  };
}

/** Pages a list with Lambda's `Marker`/`MaxItems`/`NextMarker`. */
export function lambdaPage<T>(
  items: readonly T[],
  query: URLSearchParams,
): { items: T[]; NextMarker: string | undefined } {
  const maxItems = Number(query.get('MaxItems') ?? '50');
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 10_000) {
    throw validation(
      'maxItems',
      String(query.get('MaxItems')),
      'Member must have value between 1 and 10000',
    );
  }
  const marker = query.get('Marker');
  const start = marker === null ? 0 : Number(Buffer.from(marker, 'base64').toString('utf8'));
  if (!Number.isInteger(start) || start < 0) {
    throw invalidParameter('Invalid Marker.');
  }
  const slice = items.slice(start, start + maxItems);
  const end = start + slice.length;
  return {
    items: slice,
    NextMarker: end < items.length ? Buffer.from(String(end)).toString('base64') : undefined,
  };
}
