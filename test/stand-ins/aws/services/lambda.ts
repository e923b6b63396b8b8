// Lambda functions over REST-JSON: create, read, update code and configuration, versions, aliases,
// reserved concurrency, tags and listing. Function URLs and resource policies are in
// `lambda-access.ts`.
import { createHash } from 'node:crypto';
import { AwsError } from '../errors.ts';
import { parsePolicy, trustAllows } from '../policy.ts';
import type { AccessCheck, RestInput, RestRoute, Runtime } from '../runtime.ts';
import type { FunctionVersionRecord, LambdaFunctionRecord } from '../state.ts';
import { lambdaAccessRoutes } from './lambda-access.ts';
import {
  assertNotBusy,
  configurationResponse,
  conflict,
  findFunction,
  functionArn,
  functionCheck,
  invalidParameter,
  lambdaPage,
  notFound,
  resolveQualifier,
  validation,
} from './lambda-common.ts';

const supportedRuntimes = new Set([
  'nodejs20.x',
  'nodejs22.x',
  'nodejs24.x',
  'python3.10',
  'python3.11',
  'python3.12',
  'python3.13',
  'python3.14',
  'java17',
  'java21',
  'java25',
  'dotnet8',
  'ruby3.3',
  'ruby3.4',
  'provided.al2',
  'provided.al2023',
]);

const reservedEnvironmentKeys = new Set([
  '_HANDLER',
  '_X_AMZN_TRACE_ID',
  'AWS_DEFAULT_REGION',
  'AWS_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/** Largest zip Lambda accepts in a direct upload (50 MB), in bytes. */
const maxZipBytes = 50 * 1024 * 1024;
const roleArnPattern = /^arn:(aws[a-zA-Z-]*)?:iam::\d{12}:role\/?[a-zA-Z_0-9+=,.@\-/]+$/;

function sha256Base64(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('base64');
}

function checkRuntime(runtimeName: unknown): string {
  if (typeof runtimeName !== 'string') {
    throw invalidParameter('The Runtime parameter is required for functions of package type Zip.');
  }
  if (!supportedRuntimes.has(runtimeName)) {
    throw invalidParameter(
      `The runtime parameter of ${runtimeName} is no longer supported for creating or updating AWS Lambda functions. We recommend you use a supported runtime while creating or updating functions.`,
    );
  }
  return runtimeName;
}

/** Checks that Lambda can assume the role: it exists, trusts Lambda, and has propagated. */
function checkRole(runtime: Runtime, roleArn: unknown): string {
  if (typeof roleArn !== 'string' || !roleArnPattern.test(roleArn)) {
    throw validation(
      'role',
      String(roleArn),
      `Member must satisfy regular expression pattern: ${roleArnPattern.source}`,
    );
  }
  const cannotAssume = invalidParameter(
    'The role defined for the function cannot be assumed by Lambda.',
  );
  const role = Object.values(runtime.state.iam.roles).find(
    (candidate) => candidate.Arn === roleArn,
  );
  if (role === undefined) {
    throw cannotAssume;
  }
  const trusted = trustAllows(parsePolicy(role.AssumeRolePolicyDocument, 'trust'), {
    action: 'sts:AssumeRole',
    principalType: 'Service',
    principal: 'lambda.amazonaws.com',
    context: {},
  });
  // A new or changed trust policy reaches Lambda only after IAM's propagation delay.
  if (!trusted || runtime.now() - role.TrustChangedAt < runtime.faults.iamPropagationDelayMs) {
    throw cannotAssume;
  }
  return roleArn;
}

function checkRange(name: string, value: unknown, minimum: number, maximum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < minimum || value > maximum) {
    throw validation(
      name,
      String(value),
      `Member must have value between ${minimum} and ${maximum}`,
    );
  }
  return value;
}

function checkArchitectures(value: unknown): string[] {
  if (
    !Array.isArray(value) ||
    value.length !== 1 ||
    (value[0] !== 'x86_64' && value[0] !== 'arm64')
  ) {
    throw validation(
      'architectures',
      JSON.stringify(value),
      'Member must have length 1 and contain x86_64 or arm64',
    );
  }
  return value as string[];
}

function checkEnvironment(value: unknown): Record<string, string> | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const variables = (value as { Variables?: Record<string, unknown> }).Variables ?? {};
  const reserved = Object.keys(variables).filter((key) => reservedEnvironmentKeys.has(key));
  if (reserved.length > 0) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided contains reserved keys that are currently not supported for modification. Reserved keys used in this request: ${reserved.join(', ')}`,
    );
  }
  for (const [key, variable] of Object.entries(variables)) {
    if (!/^[a-zA-Z]([a-zA-Z0-9_])+$/.test(key) || typeof variable !== 'string') {
      throw validation(
        'environment.variables',
        key,
        'Member must satisfy regular expression pattern: [a-zA-Z]([a-zA-Z0-9_])+',
      );
    }
  }
  const measured = JSON.stringify(variables);
  if (Buffer.byteLength(measured) > 4096) {
    throw invalidParameter(
      `Lambda was unable to configure your environment variables because the environment variables you have provided exceeded the 4KB limit. String measured: ${measured.length} characters`,
    );
  }
  return variables as Record<string, string>;
}

/** Decodes and stores an uploaded zip, returning its size and `CodeSha256`. */
function storeZip(
  runtime: Runtime,
  code: unknown,
  operation: string,
): { CodeSha256: string; CodeSize: number } {
  if (typeof code !== 'string') {
    throw invalidParameter('The AWS stand-in accepts function code only as ZipFile.');
  }
  const bytes = Buffer.from(code, 'base64');
  if (bytes.length > maxZipBytes) {
    throw new AwsError(
      'RequestEntityTooLargeException',
      `Request must be smaller than 69905067 bytes for the ${operation} operation`,
      413,
    );
  }
  const magic = bytes.subarray(0, 4).toString('binary');
  if (magic !== 'PK\x03\x04' && magic !== 'PK\x05\x06') {
    throw invalidParameter(
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
  }
  const sha = sha256Base64(bytes);
  runtime.state.lambda.code[sha] = bytes.toString('base64');
  return { CodeSha256: sha, CodeSize: bytes.length };
}

function checkTags(value: unknown): Record<string, string> {
  const tags = (value ?? {}) as Record<string, string>;
  for (const key of Object.keys(tags)) {
    if (key.toLowerCase().startsWith('aws:')) {
      throw invalidParameter(`Tag keys beginning with aws: are reserved (got "${key}").`);
    }
  }
  return tags;
}

/** Marks `$LATEST` as changed: a new revision and `InProgress` for the configured delay. */
function markUpdated(runtime: Runtime, fn: LambdaFunctionRecord): void {
  const now = runtime.now();
  fn.latest.LastModified = now;
  fn.latest.RevisionId = runtime.ids.uuid();
  fn.updatedAt = now + runtime.faults.lambdaUpdateDelayMs;
  fn.lastChange = 'update';
}

function sameContent(left: FunctionVersionRecord, right: FunctionVersionRecord): boolean {
  const content = (version: FunctionVersionRecord) =>
    JSON.stringify([
      version.CodeSha256,
      version.Runtime,
      version.Role,
      version.Handler,
      version.Description,
      version.Timeout,
      version.MemorySize,
      version.Environment ?? null,
      version.Architectures,
    ]);
  return content(left) === content(right);
}

/** Publishes `$LATEST` as a version, or returns the last version when nothing changed since. */
function publish(
  runtime: Runtime,
  fn: LambdaFunctionRecord,
  description: string | undefined,
): FunctionVersionRecord {
  const last = fn.versions.at(-1);
  if (last !== undefined && sameContent(last, fn.latest)) {
    return last;
  }
  const number = String(Number(last?.Version ?? '0') + 1);
  const version: FunctionVersionRecord = {
    ...structuredClone(fn.latest),
    Version: number,
    Description: description ?? fn.latest.Description,
    RevisionId: runtime.ids.uuid(),
    LastModified: runtime.now(),
  };
  fn.versions.push(version);
  return version;
}

function passRoleCheck(roleArn: unknown): AccessCheck[] {
  return typeof roleArn === 'string'
    ? [
        {
          action: 'iam:PassRole',
          resource: roleArn,
          context: { 'iam:passedtoservice': 'lambda.amazonaws.com' },
        },
      ]
    : [];
}

function aliasCheck(action: string) {
  return (input: RestInput, runtime: Runtime): AccessCheck[] => {
    const alias = input.labels.Name ?? (input.body.Name as string | undefined);
    const arn = functionArn(runtime, input.labels.FunctionName ?? '');
    return [{ action, resource: alias === undefined ? arn : `${arn}:${alias}` }];
  };
}

function aliasResponse(fn: LambdaFunctionRecord, name: string): Record<string, unknown> {
  const alias = fn.aliases[name];
  if (alias === undefined) {
    throw notFound(`${fn.FunctionArn}:${name}`);
  }
  return {
    AliasArn: `${fn.FunctionArn}:${name}`,
    Name: name,
    FunctionVersion: alias.FunctionVersion,
    Description: alias.Description,
    RevisionId: alias.RevisionId,
  };
}

function checkAliasTarget(fn: LambdaFunctionRecord, version: unknown): string {
  if (typeof version !== 'string' || version === '') {
    throw validation('functionVersion', String(version), 'Member must not be null');
  }
  if (version !== '$LATEST' && !fn.versions.some((candidate) => candidate.Version === version)) {
    throw notFound(`${fn.FunctionArn}:${version}`);
  }
  return version;
}

function taggedFunction(runtime: Runtime, input: RestInput): LambdaFunctionRecord {
  const arn = decodeURIComponent(input.labels.Resource ?? '');
  const fn = Object.values(runtime.state.lambda.functions).find(
    (candidate) => candidate.FunctionArn === arn,
  );
  if (fn === undefined) {
    throw notFound(arn);
  }
  return fn;
}

const functionRoutes: RestRoute[] = [
  {
    name: 'CreateFunction',
    method: 'POST',
    path: '/2015-03-31/functions',
    status: 201,
    write: true,
    authorize(input, runtime) {
      const arn = functionArn(runtime, String(input.body.FunctionName));
      const checks: AccessCheck[] = [{ action: 'lambda:CreateFunction', resource: arn }];
      if (input.body.Tags !== undefined) {
        checks.push({ action: 'lambda:TagResource', resource: arn });
      }
      return [...checks, ...passRoleCheck(input.body.Role)];
    },
    run(input, runtime) {
      const body = input.body;
      const name = body.FunctionName;
      if (typeof name !== 'string' || !/^[a-zA-Z0-9-_]{1,64}$/.test(name)) {
        throw validation(
          'functionName',
          String(name),
          'Member must satisfy regular expression pattern: [a-zA-Z0-9-_]+',
        );
      }
      if (runtime.state.lambda.functions[name] !== undefined) {
        throw conflict(`Function already exist: ${name}`);
      }
      if (body.PackageType !== undefined && body.PackageType !== 'Zip') {
        throw invalidParameter('The AWS stand-in supports only the Zip package type.');
      }

      const runtimeName = checkRuntime(body.Runtime);
      if (typeof body.Handler !== 'string' || body.Handler === '') {
        throw invalidParameter(
          'The Handler parameter is required for functions of package type Zip.',
        );
      }
      const role = checkRole(runtime, body.Role);
      const code = storeZip(
        runtime,
        (body.Code as { ZipFile?: unknown } | undefined)?.ZipFile,
        'CreateFunction',
      );

      const now = runtime.now();
      const latest: FunctionVersionRecord = {
        Version: '$LATEST',
        Runtime: runtimeName,
        Role: role,
        Handler: body.Handler,
        Description: typeof body.Description === 'string' ? body.Description : '',
        Timeout: body.Timeout === undefined ? 3 : checkRange('timeout', body.Timeout, 1, 900),
        MemorySize:
          body.MemorySize === undefined
            ? 128
            : checkRange('memorySize', body.MemorySize, 128, 10_240),
        Environment: checkEnvironment(body.Environment),
        Architectures:
          body.Architectures === undefined ? ['x86_64'] : checkArchitectures(body.Architectures),
        ...code,
        LastModified: now,
        RevisionId: runtime.ids.uuid(),
      };

      const fn: LambdaFunctionRecord = {
        FunctionName: name,
        FunctionArn: functionArn(runtime, name),
        latest,
        versions: [],
        aliases: {},
        urls: {},
        policies: {},
        Tags: checkTags(body.Tags),
        activeAt: now + runtime.faults.lambdaCreateDelayMs,
        updatedAt: now + runtime.faults.lambdaCreateDelayMs,
        lastChange: 'create',
      };

      runtime.state.lambda.functions[name] = fn;
      if (body.Publish === true) {
        const version = publish(runtime, fn, undefined);
        return configurationResponse(runtime, fn, version);
      }
      return configurationResponse(runtime, fn, latest, { justChanged: true });
    },
  },
  {
    name: 'GetFunction',
    method: 'GET',
    path: '/2015-03-31/functions/{FunctionName}',
    status: 200,
    write: false,
    authorize: functionCheck('lambda:GetFunction'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      const version = resolveQualifier(fn, qualifier);
      const hex = Buffer.from(version.CodeSha256, 'base64').toString('hex');
      return {
        Configuration: configurationResponse(runtime, fn, version, { qualifier }),
        Code: {
          RepositoryType: 'S3',
          Location: `${runtime.baseUrl}/.stand-in/lambda-code/${hex}.zip`,
        },
        Tags: Object.keys(fn.Tags).length > 0 ? fn.Tags : undefined,
        Concurrency:
          fn.ReservedConcurrentExecutions === undefined
            ? undefined
            : { ReservedConcurrentExecutions: fn.ReservedConcurrentExecutions },
      };
    },
  },
  {
    name: 'GetFunctionConfiguration',
    method: 'GET',
    path: '/2015-03-31/functions/{FunctionName}/configuration',
    status: 200,
    write: false,
    authorize: functionCheck('lambda:GetFunctionConfiguration'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      return configurationResponse(runtime, fn, resolveQualifier(fn, qualifier), { qualifier });
    },
  },
  {
    name: 'UpdateFunctionCode',
    method: 'PUT',
    path: '/2015-03-31/functions/{FunctionName}/code',
    status: 200,
    write: true,
    authorize: functionCheck('lambda:UpdateFunctionCode'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      if (
        typeof input.body.RevisionId === 'string' &&
        input.body.RevisionId !== fn.latest.RevisionId
      ) {
        throw new AwsError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
          412,
        );
      }
      assertNotBusy(runtime, fn);
      const code = storeZip(runtime, input.body.ZipFile, 'UpdateFunctionCode');
      if (input.body.DryRun === true) {
        return configurationResponse(runtime, fn, { ...fn.latest, ...code });
      }
      Object.assign(fn.latest, code);
      if (input.body.Architectures !== undefined) {
        fn.latest.Architectures = checkArchitectures(input.body.Architectures);
      }
      markUpdated(runtime, fn);
      if (input.body.Publish === true) {
        return configurationResponse(runtime, fn, publish(runtime, fn, undefined));
      }
      return configurationResponse(runtime, fn, fn.latest, { justChanged: true });
    },
  },
  {
    name: 'UpdateFunctionConfiguration',
    method: 'PUT',
    path: '/2015-03-31/functions/{FunctionName}/configuration',
    status: 200,
    write: true,
    authorize(input, runtime) {
      return [
        ...functionCheck('lambda:UpdateFunctionConfiguration')(input, runtime),
        ...passRoleCheck(input.body.Role),
      ];
    },
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const body = input.body;
      if (typeof body.RevisionId === 'string' && body.RevisionId !== fn.latest.RevisionId) {
        throw new AwsError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
          412,
        );
      }
      assertNotBusy(runtime, fn);

      const next = { ...fn.latest };
      if (body.Role !== undefined) {
        next.Role = checkRole(runtime, body.Role);
      }
      if (body.Runtime !== undefined) {
        next.Runtime = checkRuntime(body.Runtime);
      }
      if (typeof body.Handler === 'string') {
        next.Handler = body.Handler;
      }
      if (typeof body.Description === 'string') {
        next.Description = body.Description;
      }
      if (body.Timeout !== undefined) {
        next.Timeout = checkRange('timeout', body.Timeout, 1, 900);
      }
      if (body.MemorySize !== undefined) {
        next.MemorySize = checkRange('memorySize', body.MemorySize, 128, 10_240);
      }
      if (body.Environment !== undefined) {
        const variables = checkEnvironment(body.Environment) ?? {};
        next.Environment = Object.keys(variables).length > 0 ? variables : undefined;
      }

      fn.latest = next;
      markUpdated(runtime, fn);
      return configurationResponse(runtime, fn, fn.latest, { justChanged: true });
    },
  },
  {
    name: 'DeleteFunction',
    method: 'DELETE',
    path: '/2015-03-31/functions/{FunctionName}',
    status: 204,
    write: true,
    authorize: functionCheck('lambda:DeleteFunction'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      if (qualifier === undefined || qualifier === '$LATEST') {
        delete runtime.state.lambda.functions[fn.FunctionName];
        return undefined;
      }
      const referencing = Object.values(fn.aliases)
        .filter((alias) => alias.FunctionVersion === qualifier)
        .map((alias) => alias.Name);
      if (referencing.length > 0) {
        throw conflict(
          `Unable to delete version because the following aliases reference it: [${referencing.join(', ')}]`,
        );
      }
      resolveQualifier(fn, qualifier);
      fn.versions = fn.versions.filter((version) => version.Version !== qualifier);
      return undefined;
    },
  },
  {
    name: 'PublishVersion',
    method: 'POST',
    path: '/2015-03-31/functions/{FunctionName}/versions',
    status: 201,
    write: true,
    authorize: functionCheck('lambda:PublishVersion'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      assertNotBusy(runtime, fn);
      const expected = input.body.CodeSha256;
      if (typeof expected === 'string' && expected !== fn.latest.CodeSha256) {
        throw invalidParameter(
          `CodeSHA256 (${expected}) is different from current CodeSHA256 in $LATEST (${fn.latest.CodeSha256}). Please try again with the CodeSHA256 in $LATEST.`,
        );
      }
      if (
        typeof input.body.RevisionId === 'string' &&
        input.body.RevisionId !== fn.latest.RevisionId
      ) {
        throw new AwsError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
          412,
        );
      }
      const description =
        typeof input.body.Description === 'string' ? input.body.Description : undefined;
      return configurationResponse(runtime, fn, publish(runtime, fn, description));
    },
  },
  {
    name: 'ListVersionsByFunction',
    method: 'GET',
    path: '/2015-03-31/functions/{FunctionName}/versions',
    status: 200,
    write: false,
    authorize: functionCheck('lambda:ListVersionsByFunction'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const all = [fn.latest, ...fn.versions].map((version) =>
        configurationResponse(runtime, fn, version),
      );
      const { items, NextMarker } = lambdaPage(all, input.query);
      return { Versions: items, NextMarker };
    },
  },
  {
    name: 'CreateAlias',
    method: 'POST',
    path: '/2015-03-31/functions/{FunctionName}/aliases',
    status: 201,
    write: true,
    authorize: aliasCheck('lambda:CreateAlias'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const name = input.body.Name;
      if (typeof name !== 'string' || !/^(?!^[0-9]+$)([a-zA-Z0-9-_]+)$/.test(name)) {
        throw validation(
          'name',
          String(name),
          'Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)',
        );
      }
      if (fn.aliases[name] !== undefined) {
        throw conflict(`Alias already exists: ${fn.FunctionArn}:${name}`);
      }
      fn.aliases[name] = {
        Name: name,
        FunctionVersion: checkAliasTarget(fn, input.body.FunctionVersion),
        Description: typeof input.body.Description === 'string' ? input.body.Description : '',
        RevisionId: runtime.ids.uuid(),
      };
      return aliasResponse(fn, name);
    },
  },
  {
    name: 'GetAlias',
    method: 'GET',
    path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}',
    status: 200,
    write: false,
    authorize: aliasCheck('lambda:GetAlias'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      return aliasResponse(fn, input.labels.Name ?? '');
    },
  },
  {
    name: 'UpdateAlias',
    method: 'PUT',
    path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}',
    status: 200,
    write: true,
    authorize: aliasCheck('lambda:UpdateAlias'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const name = input.labels.Name ?? '';
      const alias = fn.aliases[name];
      if (alias === undefined) {
        throw notFound(`${fn.FunctionArn}:${name}`);
      }
      if (typeof input.body.RevisionId === 'string' && input.body.RevisionId !== alias.RevisionId) {
        throw new AwsError(
          'PreconditionFailedException',
          'The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id',
          412,
        );
      }
      if (input.body.FunctionVersion !== undefined) {
        alias.FunctionVersion = checkAliasTarget(fn, input.body.FunctionVersion);
      }
      if (typeof input.body.Description === 'string') {
        alias.Description = input.body.Description;
      }
      alias.RevisionId = runtime.ids.uuid();
      return aliasResponse(fn, name);
    },
  },
  {
    name: 'DeleteAlias',
    method: 'DELETE',
    path: '/2015-03-31/functions/{FunctionName}/aliases/{Name}',
    status: 204,
    write: true,
    authorize: aliasCheck('lambda:DeleteAlias'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const name = input.labels.Name ?? '';
      if (fn.aliases[name] === undefined) {
        throw notFound(`${fn.FunctionArn}:${name}`);
      }
      delete fn.aliases[name];
      delete fn.urls[name];
      delete fn.policies[name];
      return undefined;
    },
  },
  {
    name: 'PutFunctionConcurrency',
    method: 'PUT',
    path: '/2017-10-31/functions/{FunctionName}/concurrency',
    status: 200,
    write: true,
    authorize: functionCheck('lambda:PutFunctionConcurrency'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      const reserved = checkRange(
        'reservedConcurrentExecutions',
        input.body.ReservedConcurrentExecutions,
        0,
        1_000_000,
      );
      const others = Object.values(runtime.state.lambda.functions)
        .filter((candidate) => candidate !== fn)
        .reduce((sum, candidate) => sum + (candidate.ReservedConcurrentExecutions ?? 0), 0);
      if (runtime.accountConcurrencyLimit - others - reserved < 100) {
        throw invalidParameter(
          "Specified ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its minimum value of [100].",
        );
      }
      fn.ReservedConcurrentExecutions = reserved;
      return { ReservedConcurrentExecutions: reserved };
    },
  },
  {
    name: 'DeleteFunctionConcurrency',
    method: 'DELETE',
    path: '/2017-10-31/functions/{FunctionName}/concurrency',
    status: 204,
    write: true,
    authorize: functionCheck('lambda:DeleteFunctionConcurrency'),
    run(input, runtime) {
      const { fn } = findFunction(runtime, input);
      delete fn.ReservedConcurrentExecutions;
      return undefined;
    },
  },
  {
    name: 'TagResource',
    method: 'POST',
    path: '/2017-03-31/tags/{Resource}',
    status: 204,
    write: true,
    authorize: (input) => [
      { action: 'lambda:TagResource', resource: decodeURIComponent(input.labels.Resource ?? '') },
    ],
    run(input, runtime) {
      const fn = taggedFunction(runtime, input);
      fn.Tags = { ...fn.Tags, ...checkTags(input.body.Tags) };
      if (Object.keys(fn.Tags).length > 50) {
        throw invalidParameter('Number of tags exceeds resource tag limit.');
      }
      return undefined;
    },
  },
  {
    name: 'UntagResource',
    method: 'DELETE',
    path: '/2017-03-31/tags/{Resource}',
    status: 204,
    write: true,
    authorize: (input) => [
      { action: 'lambda:UntagResource', resource: decodeURIComponent(input.labels.Resource ?? '') },
    ],
    run(input, runtime) {
      const fn = taggedFunction(runtime, input);
      for (const key of input.query.getAll('tagKeys')) {
        delete fn.Tags[key];
      }
      return undefined;
    },
  },
  {
    name: 'ListTags',
    method: 'GET',
    path: '/2017-03-31/tags/{Resource}',
    status: 200,
    write: false,
    authorize: (input) => [
      { action: 'lambda:ListTags', resource: decodeURIComponent(input.labels.Resource ?? '') },
    ],
    run(input, runtime) {
      return { Tags: taggedFunction(runtime, input).Tags };
    },
  },
  {
    name: 'ListFunctions',
    method: 'GET',
    path: '/2015-03-31/functions',
    status: 200,
    write: false,
    run(input, runtime) {
      const functions = Object.values(runtime.state.lambda.functions)
        .sort((left, right) => left.FunctionName.localeCompare(right.FunctionName))
        .map((fn) => configurationResponse(runtime, fn, fn.latest));
      const { items, NextMarker } = lambdaPage(functions, input.query);
      return { Functions: items, NextMarker };
    },
  },
];

export const lambdaRoutes: RestRoute[] = [...functionRoutes, ...lambdaAccessRoutes];
