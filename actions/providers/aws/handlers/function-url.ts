// `aws:lambda:FunctionUrl`: the HTTPS endpoint of a function (or its alias), its CORS settings, and
// the resource-policy statements a public URL needs. Since October 2025 Lambda requires both
// `lambda:InvokeFunctionUrl` (with `lambda:FunctionUrlAuthType` NONE) and `lambda:InvokeFunction`
// (with `lambda:InvokedViaFunctionUrl` true) for an unauthenticated URL to respond.
import {
  AddPermissionCommand,
  CreateFunctionUrlConfigCommand,
  DeleteFunctionUrlConfigCommand,
  GetFunctionUrlConfigCommand,
  GetPolicyCommand,
  ListTagsCommand,
  RemovePermissionCommand,
  UpdateFunctionUrlConfigCommand,
} from '@aws-sdk/client-lambda';
import type {
  AddPermissionCommandInput,
  Cors,
  GetFunctionUrlConfigCommandOutput,
} from '@aws-sdk/client-lambda';
import type {
  DesiredResource,
  Observation,
  ProviderContext,
  ResourceHandler,
  SpecValue,
} from '../../../engine/provider.ts';
import { ProviderError } from '../../../engine/provider.ts';
import { hasVendorCode, isNotFound } from '../errors.ts';
import type { AwsRuntime } from '../runtime.ts';
import { ownedByEnvironment } from '../tags.ts';
import { adoptExisting } from './adopt.ts';

export interface CorsSpec {
  allowOrigins?: string[];
  allowMethods?: string[];
  allowHeaders?: string[];
  exposeHeaders?: string[];
  maxAge?: number;
  allowCredentials?: boolean;
}

export interface FunctionUrlSpec {
  functionName: SpecValue;
  qualifier?: string;
  authType: 'NONE' | 'AWS_IAM';
  invokeMode?: 'BUFFERED' | 'RESPONSE_STREAM';
  cors?: CorsSpec;
  /** Descriptions of the public-access statements the function's policy must contain. */
  permissions: string[];
}

/** One statement of the function policy that a public function URL needs. */
interface PublicStatement {
  readonly sid: string;
  readonly description: string;
  readonly input: Pick<
    AddPermissionCommandInput,
    'Action' | 'Principal' | 'FunctionUrlAuthType' | 'InvokedViaFunctionUrl'
  >;
  readonly condition: Record<string, Record<string, string>>;
}

export const publicStatements: readonly PublicStatement[] = [
  {
    sid: 'FunctionURLAllowPublicAccess',
    description: 'lambda:InvokeFunctionUrl by * when lambda:FunctionUrlAuthType is NONE',
    input: { Action: 'lambda:InvokeFunctionUrl', Principal: '*', FunctionUrlAuthType: 'NONE' },
    condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' } },
  },
  {
    sid: 'FunctionURLAllowInvokeAction',
    description: 'lambda:InvokeFunction by * when lambda:InvokedViaFunctionUrl is true',
    input: { Action: 'lambda:InvokeFunction', Principal: '*', InvokedViaFunctionUrl: true },
    condition: { Bool: { 'lambda:InvokedViaFunctionUrl': 'true' } },
  },
];

/** Returns the statements an auth type needs: both for NONE, none for AWS_IAM. */
export function requiredPermissions(authType: 'NONE' | 'AWS_IAM'): string[] {
  return authType === 'NONE' ? publicStatements.map((statement) => statement.description) : [];
}

interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  Condition?: unknown;
}

function matches(statement: PolicyStatement | undefined, expected: PublicStatement): boolean {
  if (statement === undefined) {
    return false;
  }
  const principal = statement.Principal;
  const publicPrincipal =
    principal === '*' ||
    (typeof principal === 'object' &&
      principal !== null &&
      (principal as { AWS?: unknown }).AWS === '*');
  const action =
    Array.isArray(statement.Action) && statement.Action.length === 1
      ? (statement.Action[0] as unknown)
      : statement.Action;
  return (
    statement.Effect === 'Allow' &&
    publicPrincipal &&
    action === expected.input.Action &&
    JSON.stringify(statement.Condition) === JSON.stringify(expected.condition)
  );
}

function toCors(cors: CorsSpec | undefined): Cors | undefined {
  if (cors === undefined) {
    return undefined;
  }
  return {
    AllowOrigins: cors.allowOrigins,
    AllowMethods: cors.allowMethods,
    AllowHeaders: cors.allowHeaders,
    ExposeHeaders: cors.exposeHeaders,
    MaxAge: cors.maxAge,
    AllowCredentials: cors.allowCredentials,
  };
}

function fromCors(cors: Cors | undefined): Record<string, SpecValue> | undefined {
  if (cors === undefined) {
    return undefined;
  }
  const entries: Array<[string, SpecValue | undefined]> = [
    ['allowOrigins', cors.AllowOrigins],
    ['allowMethods', cors.AllowMethods],
    ['allowHeaders', cors.AllowHeaders],
    ['exposeHeaders', cors.ExposeHeaders],
    ['maxAge', cors.MaxAge],
    ['allowCredentials', cors.AllowCredentials],
  ];
  return Object.fromEntries(
    entries.filter((entry): entry is [string, SpecValue] => entry[1] !== undefined),
  );
}

function specOf(resource: DesiredResource): FunctionUrlSpec {
  return resource.spec as unknown as FunctionUrlSpec;
}

function knownFunctionName(resource: DesiredResource): string {
  const name = specOf(resource).functionName;
  if (typeof name !== 'string') {
    throw new ProviderError(
      'INVALID',
      `The function of ${resource.address} is not known yet; apply the function first.`,
    );
  }
  return name;
}

export function createFunctionUrlHandler(runtime: AwsRuntime): ResourceHandler {
  const lambda = () => runtime.clients.lambda;
  const label = (name: string, qualifier: string | undefined) =>
    `function URL of ${name}${qualifier === undefined ? '' : `:${qualifier}`}`;

  const getUrl = async (
    context: ProviderContext,
    name: string,
    qualifier: string | undefined,
  ): Promise<GetFunctionUrlConfigCommandOutput | undefined> => {
    try {
      return await runtime.call(
        context,
        'lambda:GetFunctionUrlConfig',
        label(name, qualifier),
        (options) =>
          lambda().send(
            new GetFunctionUrlConfigCommand({ FunctionName: name, Qualifier: qualifier }),
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

  const policyStatements = async (
    context: ProviderContext,
    name: string,
    qualifier: string | undefined,
  ): Promise<PolicyStatement[]> => {
    try {
      const output = await runtime.call(
        context,
        'lambda:GetPolicy',
        `function ${name}`,
        (options) =>
          lambda().send(
            new GetPolicyCommand({ FunctionName: name, Qualifier: qualifier }),
            options,
          ),
      );
      const document = JSON.parse(output.Policy ?? '{}') as { Statement?: PolicyStatement[] };
      return document.Statement ?? [];
    } catch (error) {
      if (isNotFound(error)) {
        return [];
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
    if (typeof desired.functionName !== 'string') {
      // The function itself is created by this apply, so its URL cannot exist yet.
      return undefined;
    }
    const name = desired.functionName;
    const output = await getUrl(context, name, desired.qualifier);
    if (output === undefined) {
      return undefined;
    }
    const statements = await policyStatements(context, name, desired.qualifier);
    const permissions = publicStatements
      .filter((expected) =>
        matches(
          statements.find((statement) => statement.Sid === expected.sid),
          expected,
        ),
      )
      .map((expected) => expected.description);

    // A function URL has no tags of its own: it is owned when its function carries this
    // environment's marker.
    // `arn:aws:lambda:{region}:{account}:function:{name}` without the `:{qualifier}` suffix.
    const functionArn = (output.FunctionArn ?? '').split(':').slice(0, 7).join(':');
    const tags = await runtime.call(context, 'lambda:ListTags', `function ${name}`, (options) =>
      lambda().send(new ListTagsCommand({ Resource: functionArn }), options),
    );

    const spec: Record<string, SpecValue> = {
      functionName: name,
      authType: output.AuthType ?? 'NONE',
      invokeMode: output.InvokeMode ?? 'BUFFERED',
      permissions,
    };
    if (desired.qualifier !== undefined) {
      spec.qualifier = desired.qualifier;
    }
    const cors = fromCors(output.Cors);
    if (cors !== undefined) {
      spec.cors = cors;
    }
    const url = output.FunctionUrl ?? '';
    return {
      id: url,
      spec,
      outputs: { url, origin: url.replace(/\/$/, ''), functionArn: output.FunctionArn ?? '' },
      ownership: ownedByEnvironment(tags.Tags ?? {}, context) ? 'owned' : 'foreign',
    };
  };

  const reconcilePermissions = async (
    context: ProviderContext,
    resource: DesiredResource,
    name: string,
  ): Promise<void> => {
    const desired = specOf(resource);
    const statements = await policyStatements(context, name, desired.qualifier);
    const wanted = desired.authType === 'NONE';
    for (const expected of publicStatements) {
      const existing = statements.find((statement) => statement.Sid === expected.sid);
      const correct = matches(existing, expected);
      if (existing !== undefined && (!wanted || !correct)) {
        await runtime.call(
          context,
          'lambda:RemovePermission',
          `function ${name} statement ${expected.sid}`,
          (options) =>
            lambda().send(
              new RemovePermissionCommand({
                FunctionName: name,
                Qualifier: desired.qualifier,
                StatementId: expected.sid,
              }),
              options,
            ),
        );
        context.log.info(
          `removed statement ${expected.sid} from the policy of Lambda function ${name}`,
        );
      }
      if (wanted && !correct) {
        await runtime.call(
          context,
          'lambda:AddPermission',
          `function ${name} statement ${expected.sid}`,
          (options) =>
            lambda().send(
              new AddPermissionCommand({
                FunctionName: name,
                Qualifier: desired.qualifier,
                StatementId: expected.sid,
                ...expected.input,
              }),
              options,
            ),
        );
        context.log.info(`allowed ${expected.description} on Lambda function ${name}`);
      }
    }
  };

  const observeAfterChange = async (
    context: ProviderContext,
    resource: DesiredResource,
  ): Promise<Observation> => {
    const observed = await observe(context, resource);
    if (observed === undefined) {
      throw new ProviderError(
        'NOT_FOUND',
        `The function URL of ${resource.address} disappeared during the apply; plan again.`,
      );
    }
    return observed;
  };

  const handler: ResourceHandler = {
    kind: 'aws:lambda:FunctionUrl',
    fields: {
      functionName: { replaceOnChange: true },
      qualifier: { replaceOnChange: true },
      'cors.allowOrigins': { compare: 'set' },
      'cors.allowMethods': { compare: 'set' },
      'cors.allowHeaders': { compare: 'set' },
      'cors.exposeHeaders': { compare: 'set' },
      permissions: { compare: 'set' },
    },
    outputs: ['url', 'origin', 'functionArn'],
    identity: ['functionName'],
    observe,

    async create(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      const name = knownFunctionName(resource);
      try {
        const output = await runtime.call(
          context,
          'lambda:CreateFunctionUrlConfig',
          label(name, desired.qualifier),
          (options) =>
            lambda().send(
              new CreateFunctionUrlConfigCommand({
                FunctionName: name,
                Qualifier: desired.qualifier,
                AuthType: desired.authType,
                Cors: toCors(desired.cors),
                InvokeMode: desired.invokeMode,
              }),
              options,
            ),
        );
        context.log.info(`created ${label(name, desired.qualifier)}: ${output.FunctionUrl ?? ''}`);
      } catch (error) {
        if (hasVendorCode(error, 'ResourceConflictException')) {
          return adoptExisting(
            handler,
            context,
            resource,
            'Function URL of',
            error as ProviderError,
          );
        }
        throw error;
      }
      await reconcilePermissions(context, resource, name);
      return observeAfterChange(context, resource);
    },

    async update(context, resource) {
      await runtime.guard(context);
      const desired = specOf(resource);
      const name = knownFunctionName(resource);
      const current = await getUrl(context, name, desired.qualifier);
      if (current === undefined) {
        throw new ProviderError(
          'NOT_FOUND',
          `The ${label(name, desired.qualifier)} no longer exists; plan again to create it.`,
        );
      }
      const corsChanged =
        desired.cors !== undefined &&
        JSON.stringify(toCors(desired.cors)) !== JSON.stringify(toCors(fromCors(current.Cors)));
      const modeChanged =
        desired.invokeMode !== undefined && desired.invokeMode !== current.InvokeMode;
      if (desired.authType !== current.AuthType || corsChanged || modeChanged) {
        await runtime.call(
          context,
          'lambda:UpdateFunctionUrlConfig',
          label(name, desired.qualifier),
          (options) =>
            lambda().send(
              new UpdateFunctionUrlConfigCommand({
                FunctionName: name,
                Qualifier: desired.qualifier,
                AuthType: desired.authType,
                Cors: corsChanged ? toCors(desired.cors) : undefined,
                InvokeMode: desired.invokeMode,
              }),
              options,
            ),
        );
        context.log.info(`updated the ${label(name, desired.qualifier)}`);
      }
      await reconcilePermissions(context, resource, name);
      return observeAfterChange(context, resource);
    },

    async delete(context, observed) {
      await runtime.guard(context);
      const name = typeof observed.spec.functionName === 'string' ? observed.spec.functionName : '';
      const qualifier =
        typeof observed.spec.qualifier === 'string' ? observed.spec.qualifier : undefined;
      for (const statement of publicStatements) {
        try {
          await runtime.call(
            context,
            'lambda:RemovePermission',
            `function ${name} statement ${statement.sid}`,
            (options) =>
              lambda().send(
                new RemovePermissionCommand({
                  FunctionName: name,
                  Qualifier: qualifier,
                  StatementId: statement.sid,
                }),
                options,
              ),
          );
        } catch (error) {
          if (!isNotFound(error)) {
            throw error;
          }
        }
      }
      try {
        await runtime.call(
          context,
          'lambda:DeleteFunctionUrlConfig',
          label(name, qualifier),
          (options) =>
            lambda().send(
              new DeleteFunctionUrlConfigCommand({ FunctionName: name, Qualifier: qualifier }),
              options,
            ),
        );
        context.log.info(`deleted the ${label(name, qualifier)}`);
      } catch (error) {
        if (!isNotFound(error)) {
          throw error;
        }
      }
    },
  };
  return handler;
}
