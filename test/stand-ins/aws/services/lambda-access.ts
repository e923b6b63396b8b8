// Who can reach a Lambda function: function URL configurations and the function's resource-based
// policy (AddPermission, RemovePermission, GetPolicy), including the two conditions public
// function URLs need since October 2025: `lambda:FunctionUrlAuthType` on `lambda:InvokeFunctionUrl`
// and `lambda:InvokedViaFunctionUrl` on `lambda:InvokeFunction`.
import { AwsError } from '../errors.ts';
import { functionUrlId } from '../ids.ts';
import { functionUrlKey } from '../runtime.ts';
import type { RestInput, RestRoute, Runtime } from '../runtime.ts';
import type {
  CorsRecord,
  FunctionUrlRecord,
  LambdaFunctionRecord,
  PolicyStatementRecord,
} from '../state.ts';
import {
  conflict,
  findFunction,
  functionCheck,
  invalidParameter,
  lambdaTime,
  resolveQualifier,
  resourceNotFound,
  validation,
} from './lambda-common.ts';

/** The qualifier key of a URL or policy: the alias or version, or `` for the function itself. */
function qualifierKey(fn: LambdaFunctionRecord, qualifier: string | undefined): string {
  if (qualifier === undefined || qualifier === '$LATEST') {
    return '';
  }
  resolveQualifier(fn, qualifier);
  return qualifier;
}

function qualifiedArn(fn: LambdaFunctionRecord, key: string): string {
  return key === '' ? fn.FunctionArn : `${fn.FunctionArn}:${key}`;
}

function checkAuthType(value: unknown): string {
  if (value !== 'NONE' && value !== 'AWS_IAM') {
    throw validation(
      'authType',
      String(value),
      'Member must satisfy enum value set: [NONE, AWS_IAM]',
    );
  }
  return value;
}

function checkCors(value: unknown): CorsRecord | undefined {
  if (value === undefined || value === null) {
    return undefined;
  }
  const cors = value as CorsRecord;
  if (cors.MaxAge !== undefined && (cors.MaxAge < 0 || cors.MaxAge > 86_400)) {
    throw validation(
      'cors.maxAge',
      String(cors.MaxAge),
      'Member must have value between 0 and 86400',
    );
  }
  for (const method of cors.AllowMethods ?? []) {
    if (!/^(\*|[A-Z]{1,6})$/.test(method)) {
      throw validation(
        'cors.allowMethods',
        method,
        'Member must satisfy regular expression pattern: .*',
      );
    }
  }
  if ((cors.AllowOrigins?.length ?? 0) > 100) {
    throw validation(
      'cors.allowOrigins',
      String(cors.AllowOrigins?.length),
      'Member must have length less than or equal to 100',
    );
  }
  return cors;
}

function checkInvokeMode(value: unknown): string {
  if (value === undefined) {
    return 'BUFFERED';
  }
  if (value !== 'BUFFERED' && value !== 'RESPONSE_STREAM') {
    throw validation(
      'invokeMode',
      JSON.stringify(value),
      'Member must satisfy enum value set: [BUFFERED, RESPONSE_STREAM]',
    );
  }
  return value;
}

function urlResponse(
  runtime: Runtime,
  fn: LambdaFunctionRecord,
  url: FunctionUrlRecord,
  withModified: boolean,
) {
  return {
    FunctionUrl:
      runtime.functionUrlAddresses.get(functionUrlKey(fn.FunctionName, url.Qualifier)) ??
      `https://${url.UrlId}.lambda-url.${runtime.region}.on.aws/`,
    FunctionArn: qualifiedArn(fn, url.Qualifier),
    AuthType: url.AuthType,
    Cors: url.Cors,
    CreationTime: lambdaTime(url.CreationTime),
    // CreateFunctionUrlConfig's response has no LastModifiedTime member.
    ...(withModified ? { LastModifiedTime: lambdaTime(url.LastModifiedTime) } : {}),
    InvokeMode: url.InvokeMode,
  };
}

function findUrl(
  runtime: Runtime,
  input: RestInput,
): { fn: LambdaFunctionRecord; url: FunctionUrlRecord } {
  const { fn, qualifier } = findFunction(runtime, input);
  const url = fn.urls[qualifierKey(fn, qualifier)];
  if (url === undefined) {
    throw resourceNotFound();
  }
  return { fn, url };
}

function principalElement(principal: string): PolicyStatementRecord['Principal'] {
  if (principal === '*') {
    return '*';
  }
  if (/^\d{12}$/.test(principal)) {
    return { AWS: `arn:aws:iam::${principal}:root` };
  }
  if (principal.startsWith('arn:')) {
    return { AWS: principal };
  }
  return { Service: principal };
}

/** Builds the statement AddPermission stores, with the conditions its parameters imply. */
function statementFor(body: Record<string, unknown>, resource: string): PolicyStatementRecord {
  const sid = body.StatementId;
  if (typeof sid !== 'string' || !/^[a-zA-Z0-9-_.]{1,100}$/.test(sid)) {
    throw validation(
      'statementId',
      String(sid),
      'Member must satisfy regular expression pattern: ([a-zA-Z0-9-_.]+)',
    );
  }
  const action = body.Action;
  if (typeof action !== 'string' || !/^(lambda:[*]|lambda:[a-zA-Z]+|[*])$/.test(action)) {
    throw validation(
      'action',
      String(action),
      'Member must satisfy regular expression pattern: (lambda:[*]|lambda:[a-zA-Z]+|[*])',
    );
  }
  const principal = body.Principal;
  if (typeof principal !== 'string' || principal === '') {
    throw validation('principal', String(principal), 'Member must not be null');
  }
  const condition: Record<string, Record<string, string>> = {};
  const add = (operator: string, key: string, value: string) => {
    condition[operator] = { ...condition[operator], [key]: value };
  };
  if (typeof body.SourceArn === 'string') {
    add('ArnLike', 'AWS:SourceArn', body.SourceArn);
  }
  if (typeof body.SourceAccount === 'string') {
    add('StringEquals', 'AWS:SourceAccount', body.SourceAccount);
  }
  if (typeof body.PrincipalOrgID === 'string') {
    add('StringEquals', 'aws:PrincipalOrgID', body.PrincipalOrgID);
  }
  if (body.FunctionUrlAuthType !== undefined) {
    if (action !== 'lambda:InvokeFunctionUrl') {
      throw invalidParameter(
        'FunctionUrlAuthType is only supported for the lambda:InvokeFunctionUrl action.',
      );
    }
    add('StringEquals', 'lambda:FunctionUrlAuthType', checkAuthType(body.FunctionUrlAuthType));
  }
  if (body.InvokedViaFunctionUrl === true) {
    if (action !== 'lambda:InvokeFunction') {
      throw invalidParameter(
        'InvokedViaFunctionUrl is only supported for the lambda:InvokeFunction action.',
      );
    }
    add('Bool', 'lambda:InvokedViaFunctionUrl', 'true');
  }
  return {
    Sid: sid,
    Effect: 'Allow',
    Principal: principalElement(principal),
    Action: action,
    Resource: resource,
    Condition: Object.keys(condition).length > 0 ? condition : undefined,
  };
}

export const lambdaAccessRoutes: RestRoute[] = [
  {
    name: 'CreateFunctionUrlConfig',
    method: 'POST',
    path: '/2021-10-31/functions/{FunctionName}/url',
    status: 201,
    write: true,
    authorize: functionCheck('lambda:CreateFunctionUrlConfig'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      if (qualifier !== undefined && /^\d+$/.test(qualifier)) {
        throw invalidParameter(
          'Function URLs can be created only for an alias or $LATEST, not for a version number.',
        );
      }
      const key = qualifierKey(fn, qualifier);
      if (fn.urls[key] !== undefined) {
        throw conflict(
          `Failed to create function url config for [functionArn = ${qualifiedArn(fn, key)}]. Error message:  FunctionUrlConfig exists for this Lambda function`,
        );
      }
      const now = runtime.now();
      const url: FunctionUrlRecord = {
        Qualifier: key,
        UrlId: functionUrlId(fn.FunctionArn, key),
        AuthType: checkAuthType(input.body.AuthType),
        Cors: checkCors(input.body.Cors),
        InvokeMode: checkInvokeMode(input.body.InvokeMode),
        CreationTime: now,
        LastModifiedTime: now,
      };
      fn.urls[key] = url;
      return urlResponse(runtime, fn, url, false);
    },
  },
  {
    name: 'GetFunctionUrlConfig',
    method: 'GET',
    path: '/2021-10-31/functions/{FunctionName}/url',
    status: 200,
    write: false,
    authorize: functionCheck('lambda:GetFunctionUrlConfig'),
    run(input, runtime) {
      const { fn, url } = findUrl(runtime, input);
      return urlResponse(runtime, fn, url, true);
    },
  },
  {
    name: 'UpdateFunctionUrlConfig',
    method: 'PUT',
    path: '/2021-10-31/functions/{FunctionName}/url',
    status: 200,
    write: true,
    authorize: functionCheck('lambda:UpdateFunctionUrlConfig'),
    run(input, runtime) {
      const { fn, url } = findUrl(runtime, input);
      if (input.body.AuthType !== undefined) {
        url.AuthType = checkAuthType(input.body.AuthType);
      }
      if (input.body.Cors !== undefined) {
        url.Cors = checkCors(input.body.Cors);
      }
      if (input.body.InvokeMode !== undefined) {
        url.InvokeMode = checkInvokeMode(input.body.InvokeMode);
      }
      url.LastModifiedTime = runtime.now();
      return urlResponse(runtime, fn, url, true);
    },
  },
  {
    name: 'DeleteFunctionUrlConfig',
    method: 'DELETE',
    path: '/2021-10-31/functions/{FunctionName}/url',
    status: 204,
    write: true,
    authorize: functionCheck('lambda:DeleteFunctionUrlConfig'),
    run(input, runtime) {
      const { fn, url } = findUrl(runtime, input);
      delete fn.urls[url.Qualifier];
      return undefined;
    },
  },
  {
    name: 'AddPermission',
    method: 'POST',
    path: '/2015-03-31/functions/{FunctionName}/policy',
    status: 201,
    write: true,
    authorize: functionCheck('lambda:AddPermission'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      const key = qualifierKey(fn, qualifier);
      const statements = fn.policies[key] ?? [];
      const statement = statementFor(input.body, qualifiedArn(fn, key));
      if (statements.some((existing) => existing.Sid === statement.Sid)) {
        throw conflict(
          `The statement id (${statement.Sid}) provided already exists. Please provide a new statement id, or remove the existing statement.`,
        );
      }
      if (JSON.stringify([...statements, statement]).length > 20_480) {
        throw new AwsError(
          'PolicyLengthExceededException',
          'The final policy size is bigger than the limit.',
          400,
        );
      }
      fn.policies[key] = [...statements, statement];
      return { Statement: JSON.stringify(statement) };
    },
  },
  {
    name: 'RemovePermission',
    method: 'DELETE',
    path: '/2015-03-31/functions/{FunctionName}/policy/{StatementId}',
    status: 204,
    write: true,
    authorize: functionCheck('lambda:RemovePermission'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      const key = qualifierKey(fn, qualifier);
      const sid = input.labels.StatementId ?? '';
      const statements = fn.policies[key] ?? [];
      if (statements.length === 0) {
        throw new AwsError(
          'ResourceNotFoundException',
          'No policy is associated with the given resource.',
          404,
          {
            messageMember: 'Message',
          },
        );
      }
      if (!statements.some((statement) => statement.Sid === sid)) {
        throw new AwsError(
          'ResourceNotFoundException',
          `Statement ${sid} is not found in resource policy.`,
          404,
          {
            messageMember: 'Message',
          },
        );
      }
      fn.policies[key] = statements.filter((statement) => statement.Sid !== sid);
      return undefined;
    },
  },
  {
    name: 'GetPolicy',
    method: 'GET',
    path: '/2015-03-31/functions/{FunctionName}/policy',
    status: 200,
    write: false,
    authorize: functionCheck('lambda:GetPolicy'),
    run(input, runtime) {
      const { fn, qualifier } = findFunction(runtime, input);
      const key = qualifierKey(fn, qualifier);
      const statements = fn.policies[key] ?? [];
      if (statements.length === 0) {
        throw resourceNotFound();
      }
      const version = key === '' ? fn.latest : resolveQualifier(fn, key);
      return {
        Policy: JSON.stringify({ Version: '2012-10-17', Id: 'default', Statement: statements }),
        RevisionId: version.RevisionId,
      };
    },
  },
];
