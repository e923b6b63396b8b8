// Compares the stand-in with the AWS service models (Smithy JSON AST): the operations it serves,
// the error codes it sends and the response members it returns. The models are not part of the
// repository; the check runs when a folder of them exists and is skipped with a message otherwise.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as budgets from '@aws-sdk/client-budgets';
import * as costExplorer from '@aws-sdk/client-cost-explorer';
import * as iam from '@aws-sdk/client-iam';
import * as lambda from '@aws-sdk/client-lambda';
import * as sts from '@aws-sdk/client-sts';
import { describe, expect, it } from 'vitest';
import { supportedOperations } from '../stand-ins/aws/index.ts';
import type { AwsStandIn, RequestLogEntry } from '../stand-ins/aws/index.ts';
import { ManualClock, startTestStandIn, zipWithComment } from './helpers.ts';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const modelsFolder =
  process.env.AWS_SMITHY_MODELS ?? resolve(repositoryRoot, '../shared/specs/aws');

const modelFiles = {
  iam: 'iam-2010-05-08.smithy.json',
  sts: 'sts-2011-06-15.smithy.json',
  lambda: 'lambda-2015-03-31.smithy.json',
  budgets: 'budgets-2016-10-20.smithy.json',
  ce: 'cost-explorer-2017-10-25.smithy.json',
} as const;
type ModelledService = keyof typeof modelFiles;

const available = Object.values(modelFiles).every((file) => existsSync(join(modelsFolder, file)));
if (!available) {
  console.warn(
    `AWS contract check skipped: Smithy models not found in ${modelsFolder}. Set AWS_SMITHY_MODELS to a folder with ${Object.values(modelFiles).join(', ')} to run it.`,
  );
}

/** Errors every AWS service may send without declaring them on an operation. */
const commonErrors = new Set([
  'AccessDenied',
  'AccessDeniedException',
  'ExpiredToken',
  'ExpiredTokenException',
  'InternalFailure',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'RequestEntityTooLargeException',
  'SerializationException',
  'ServiceUnavailable',
  'Throttling',
  'ThrottlingException',
  'ValidationError',
  'ValidationException',
]);

interface Shape {
  type: string;
  members?: Record<string, { target: string }>;
  member?: { target: string };
  value?: { target: string };
  input?: { target: string };
  output?: { target: string };
  errors?: Array<{ target: string }>;
  traits?: Record<string, unknown>;
}

class Model {
  readonly shapes: Record<string, Shape>;
  readonly namespace: string;

  constructor(file: string) {
    this.shapes = (
      JSON.parse(readFileSync(join(modelsFolder, file), 'utf8')) as {
        shapes: Record<string, Shape>;
      }
    ).shapes;
    const service =
      Object.keys(this.shapes).find((name) => this.shapes[name]?.type === 'service') ?? '';
    this.namespace = service.split('#')[0] ?? '';
  }

  operation(name: string): Shape | undefined {
    const shape = this.shapes[`${this.namespace}#${name}`];
    return shape?.type === 'operation' ? shape : undefined;
  }

  /** Returns the error codes an operation declares, as the protocol sends them. */
  errors(name: string): Set<string> {
    return new Set(
      (this.operation(name)?.errors ?? []).map(({ target }) => {
        const query = this.shapes[target]?.traits?.['aws.protocols#awsQueryError'] as
          { code?: string } | undefined;
        return query?.code ?? target.split('#')[1] ?? '';
      }),
    );
  }

  /** Paths in `value` whose member names the shape does not declare. */
  unknownMembers(target: string, value: unknown, path: string): string[] {
    const shape = this.shapes[target];
    if (shape === undefined || value === null || value === undefined) {
      return [];
    }
    if (shape.type === 'structure' && typeof value === 'object' && !Array.isArray(value)) {
      return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) => {
        const member = shape.members?.[key];
        return member === undefined
          ? [`${path}.${key}`]
          : this.unknownMembers(member.target, child, `${path}.${key}`);
      });
    }
    if (shape.type === 'list' && Array.isArray(value) && shape.member !== undefined) {
      const memberTarget = shape.member.target;
      return value.flatMap((item, index) =>
        this.unknownMembers(memberTarget, item, `${path}[${index}]`),
      );
    }
    if (shape.type === 'map' && typeof value === 'object' && shape.value !== undefined) {
      const valueTarget = shape.value.target;
      return Object.entries(value as Record<string, unknown>).flatMap(([key, child]) =>
        this.unknownMembers(valueTarget, child, `${path}.${key}`),
      );
    }
    return [];
  }
}

/** Drives every operation of the modelled services, with a few failures, through the real SDK clients. */
async function exercise(standIn: AwsStandIn): Promise<void> {
  const config = { ...standIn.clientConfig(), maxAttempts: 1 };
  const iamClient = new iam.IAMClient(config);
  const stsClient = new sts.STSClient(config);
  const lambdaClient = new lambda.LambdaClient(config);
  const budgetsClient = new budgets.BudgetsClient(config);
  const ceClient = new costExplorer.CostExplorerClient(config);
  const ignore = () => undefined;

  const trust = JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
      {
        Effect: 'Allow',
        Principal: { AWS: 'arn:aws:iam::123456789012:root' },
        Action: 'sts:AssumeRole',
      },
      {
        Effect: 'Allow',
        Principal: {
          Federated: 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com',
        },
        Action: 'sts:AssumeRoleWithWebIdentity',
      },
    ],
  });
  const policy = JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: 'logs:*', Resource: '*' }],
  });
  const provider = await iamClient.send(
    new iam.CreateOpenIDConnectProviderCommand({
      Url: 'https://token.actions.githubusercontent.com',
      ClientIDList: ['sts.amazonaws.com'],
      Tags: [{ Key: 'a', Value: 'b' }],
    }),
  );
  const providerArn = provider.OpenIDConnectProviderArn ?? '';
  const role = await iamClient.send(
    new iam.CreateRoleCommand({
      RoleName: 'app',
      AssumeRolePolicyDocument: trust,
      Tags: [{ Key: 'a', Value: 'b' }],
    }),
  );
  const roleArn = role.Role?.Arn ?? '';
  await iamClient
    .send(new iam.CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: trust }))
    .catch(ignore);
  await iamClient.send(new iam.GetRoleCommand({ RoleName: 'missing' })).catch(ignore);
  await iamClient.send(
    new iam.UpdateRoleCommand({ RoleName: 'app', Description: 'x', MaxSessionDuration: 7200 }),
  );
  await iamClient.send(
    new iam.UpdateAssumeRolePolicyCommand({ RoleName: 'app', PolicyDocument: trust }),
  );
  await iamClient.send(
    new iam.TagRoleCommand({ RoleName: 'app', Tags: [{ Key: 'c', Value: 'd' }] }),
  );
  await iamClient.send(new iam.UntagRoleCommand({ RoleName: 'app', TagKeys: ['c'] }));
  await iamClient.send(new iam.ListRolesCommand({ MaxItems: 1 }));
  await iamClient.send(new iam.ListRoleTagsCommand({ RoleName: 'app' }));
  await iamClient.send(
    new iam.AttachRolePolicyCommand({
      RoleName: 'app',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    }),
  );
  await iamClient.send(new iam.ListAttachedRolePoliciesCommand({ RoleName: 'app' }));
  await iamClient.send(
    new iam.PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'logs', PolicyDocument: policy }),
  );
  await iamClient
    .send(new iam.PutRolePolicyCommand({ RoleName: 'app', PolicyName: 'bad', PolicyDocument: '{' }))
    .catch(ignore);
  await iamClient.send(new iam.GetRolePolicyCommand({ RoleName: 'app', PolicyName: 'logs' }));
  await iamClient.send(new iam.ListRolePoliciesCommand({ RoleName: 'app' }));
  await iamClient.send(new iam.DeleteRoleCommand({ RoleName: 'app' })).catch(ignore);
  await iamClient.send(
    new iam.CreateRoleCommand({ RoleName: 'spare', AssumeRolePolicyDocument: trust }),
  );
  await iamClient.send(
    new iam.PutRolePolicyCommand({ RoleName: 'spare', PolicyName: 'logs', PolicyDocument: policy }),
  );
  await iamClient.send(
    new iam.AttachRolePolicyCommand({
      RoleName: 'spare',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    }),
  );
  await iamClient.send(
    new iam.DetachRolePolicyCommand({
      RoleName: 'spare',
      PolicyArn: 'arn:aws:iam::aws:policy/ReadOnlyAccess',
    }),
  );
  await iamClient.send(new iam.DeleteRolePolicyCommand({ RoleName: 'spare', PolicyName: 'logs' }));
  await iamClient.send(new iam.DeleteRoleCommand({ RoleName: 'spare' }));
  await iamClient.send(
    new iam.GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: providerArn }),
  );
  await iamClient.send(new iam.ListOpenIDConnectProvidersCommand({}));
  await iamClient.send(
    new iam.TagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: providerArn,
      Tags: [{ Key: 'c', Value: 'd' }],
    }),
  );
  await iamClient.send(
    new iam.UntagOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: providerArn,
      TagKeys: ['c'],
    }),
  );
  await iamClient.send(
    new iam.ListOpenIDConnectProviderTagsCommand({ OpenIDConnectProviderArn: providerArn }),
  );
  await iamClient.send(
    new iam.UpdateOpenIDConnectProviderThumbprintCommand({
      OpenIDConnectProviderArn: providerArn,
      ThumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
    }),
  );
  await iamClient.send(
    new iam.AddClientIDToOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: providerArn,
      ClientID: 'other',
    }),
  );
  await iamClient.send(
    new iam.RemoveClientIDFromOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: providerArn,
      ClientID: 'other',
    }),
  );
  const spare = await iamClient.send(
    new iam.CreateOpenIDConnectProviderCommand({
      Url: 'https://issuer.example.com',
      ClientIDList: ['x'],
    }),
  );
  await iamClient.send(
    new iam.DeleteOpenIDConnectProviderCommand({
      OpenIDConnectProviderArn: spare.OpenIDConnectProviderArn,
    }),
  );

  await stsClient.send(new sts.GetCallerIdentityCommand({}));
  await stsClient.send(
    new sts.AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: 'contract' }),
  );
  const claims = {
    iss: 'https://token.actions.githubusercontent.com',
    aud: 'sts.amazonaws.com',
    sub: 'repo:o/r:ref:refs/heads/dev',
  };
  const token = `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.signature`;
  await stsClient.send(
    new sts.AssumeRoleWithWebIdentityCommand({
      RoleArn: roleArn,
      RoleSessionName: 'contract',
      WebIdentityToken: token,
    }),
  );
  await stsClient
    .send(
      new sts.AssumeRoleWithWebIdentityCommand({
        RoleArn: roleArn,
        RoleSessionName: 'contract',
        WebIdentityToken: 'not-a-jwt',
      }),
    )
    .catch(ignore);

  const created = await lambdaClient.send(
    new lambda.CreateFunctionCommand({
      FunctionName: 'fn',
      Role: roleArn,
      Runtime: 'nodejs22.x',
      Handler: 'index.handler',
      Code: { ZipFile: zipWithComment('v1') },
      Tags: { a: 'b' },
    }),
  );
  const functionArn = created.FunctionArn ?? '';
  await lambdaClient
    .send(
      new lambda.CreateFunctionCommand({
        FunctionName: 'fn',
        Role: roleArn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: zipWithComment('v1') },
      }),
    )
    .catch(ignore);
  await lambdaClient.send(new lambda.GetFunctionCommand({ FunctionName: 'fn' }));
  await lambdaClient.send(new lambda.GetFunctionCommand({ FunctionName: 'missing' })).catch(ignore);
  await lambdaClient.send(
    new lambda.UpdateFunctionConfigurationCommand({
      FunctionName: 'fn',
      MemorySize: 256,
      Environment: { Variables: { STAGE: 'dev' } },
    }),
  );
  await lambdaClient.send(
    new lambda.UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: zipWithComment('v2') }),
  );
  await lambdaClient.send(new lambda.GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
  const version = await lambdaClient.send(new lambda.PublishVersionCommand({ FunctionName: 'fn' }));
  await lambdaClient.send(new lambda.ListVersionsByFunctionCommand({ FunctionName: 'fn' }));
  await lambdaClient.send(
    new lambda.CreateAliasCommand({
      FunctionName: 'fn',
      Name: 'live',
      FunctionVersion: version.Version,
    }),
  );
  await lambdaClient
    .send(
      new lambda.CreateAliasCommand({
        FunctionName: 'fn',
        Name: 'live',
        FunctionVersion: version.Version,
      }),
    )
    .catch(ignore);
  await lambdaClient.send(new lambda.GetAliasCommand({ FunctionName: 'fn', Name: 'live' }));
  await lambdaClient.send(
    new lambda.UpdateAliasCommand({ FunctionName: 'fn', Name: 'live', Description: 'x' }),
  );
  await lambdaClient.send(
    new lambda.CreateFunctionUrlConfigCommand({
      FunctionName: 'fn',
      Qualifier: 'live',
      AuthType: 'NONE',
      Cors: { AllowOrigins: ['*'] },
    }),
  );
  await lambdaClient.send(
    new lambda.GetFunctionUrlConfigCommand({ FunctionName: 'fn', Qualifier: 'live' }),
  );
  await lambdaClient.send(
    new lambda.UpdateFunctionUrlConfigCommand({
      FunctionName: 'fn',
      Qualifier: 'live',
      AuthType: 'AWS_IAM',
    }),
  );
  await lambdaClient
    .send(new lambda.GetPolicyCommand({ FunctionName: 'fn', Qualifier: 'live' }))
    .catch(ignore);
  await lambdaClient.send(
    new lambda.AddPermissionCommand({
      FunctionName: 'fn',
      Qualifier: 'live',
      StatementId: 's',
      Action: 'lambda:InvokeFunctionUrl',
      Principal: '*',
      FunctionUrlAuthType: 'NONE',
    }),
  );
  await lambdaClient.send(new lambda.GetPolicyCommand({ FunctionName: 'fn', Qualifier: 'live' }));
  await lambdaClient.send(
    new lambda.RemovePermissionCommand({ FunctionName: 'fn', Qualifier: 'live', StatementId: 's' }),
  );
  await lambdaClient.send(
    new lambda.DeleteFunctionUrlConfigCommand({ FunctionName: 'fn', Qualifier: 'live' }),
  );
  await lambdaClient.send(new lambda.DeleteAliasCommand({ FunctionName: 'fn', Name: 'live' }));
  await lambdaClient.send(
    new lambda.PutFunctionConcurrencyCommand({
      FunctionName: 'fn',
      ReservedConcurrentExecutions: 5,
    }),
  );
  await lambdaClient.send(new lambda.DeleteFunctionConcurrencyCommand({ FunctionName: 'fn' }));
  await lambdaClient.send(
    new lambda.TagResourceCommand({ Resource: functionArn, Tags: { c: 'd' } }),
  );
  await lambdaClient.send(
    new lambda.UntagResourceCommand({ Resource: functionArn, TagKeys: ['c'] }),
  );
  await lambdaClient.send(new lambda.ListTagsCommand({ Resource: functionArn }));
  await lambdaClient.send(new lambda.ListFunctionsCommand({}));
  standIn.faults.throttle({ service: 'lambda', operation: 'ListFunctions' });
  await lambdaClient.send(new lambda.ListFunctionsCommand({})).catch(ignore);
  standIn.faults.serverError({ service: 'lambda', operation: 'ListFunctions' });
  await lambdaClient.send(new lambda.ListFunctionsCommand({})).catch(ignore);
  await lambdaClient.send(new lambda.DeleteFunctionCommand({ FunctionName: 'fn' }));

  const account = { AccountId: '123456789012' };
  const notification = {
    NotificationType: 'ACTUAL' as const,
    ComparisonOperator: 'GREATER_THAN' as const,
    Threshold: 50,
  };
  const subscribers = [{ SubscriptionType: 'EMAIL' as const, Address: 'ops@example.com' }];
  await budgetsClient.send(
    new budgets.CreateBudgetCommand({
      ...account,
      Budget: {
        BudgetName: 'b',
        BudgetLimit: { Amount: '10', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        BudgetType: 'COST',
      },
      ResourceTags: [{ Key: 'a', Value: 'b' }],
    }),
  );
  await budgetsClient
    .send(
      new budgets.CreateBudgetCommand({
        ...account,
        Budget: {
          BudgetName: 'b',
          BudgetLimit: { Amount: '10', Unit: 'USD' },
          TimeUnit: 'MONTHLY',
          BudgetType: 'COST',
        },
      }),
    )
    .catch(ignore);
  await budgetsClient.send(new budgets.DescribeBudgetCommand({ ...account, BudgetName: 'b' }));
  await budgetsClient
    .send(new budgets.DescribeBudgetCommand({ ...account, BudgetName: 'missing' }))
    .catch(ignore);
  await budgetsClient.send(
    new budgets.UpdateBudgetCommand({
      ...account,
      NewBudget: {
        BudgetName: 'b',
        BudgetLimit: { Amount: '20', Unit: 'USD' },
        TimeUnit: 'MONTHLY',
        BudgetType: 'COST',
      },
    }),
  );
  await budgetsClient.send(new budgets.DescribeBudgetsCommand(account));
  await budgetsClient.send(
    new budgets.CreateNotificationCommand({
      ...account,
      BudgetName: 'b',
      Notification: notification,
      Subscribers: subscribers,
    }),
  );
  await budgetsClient.send(
    new budgets.DescribeNotificationsForBudgetCommand({ ...account, BudgetName: 'b' }),
  );
  await budgetsClient.send(
    new budgets.DescribeSubscribersForNotificationCommand({
      ...account,
      BudgetName: 'b',
      Notification: notification,
    }),
  );
  await budgetsClient.send(
    new budgets.DeleteNotificationCommand({
      ...account,
      BudgetName: 'b',
      Notification: notification,
    }),
  );
  const budgetArn = 'arn:aws:budgets::123456789012:budget/b';
  await budgetsClient.send(
    new budgets.TagResourceCommand({
      ResourceARN: budgetArn,
      ResourceTags: [{ Key: 'c', Value: 'd' }],
    }),
  );
  await budgetsClient.send(
    new budgets.UntagResourceCommand({ ResourceARN: budgetArn, ResourceTagKeys: ['c'] }),
  );
  await budgetsClient.send(new budgets.ListTagsForResourceCommand({ ResourceARN: budgetArn }));
  await budgetsClient.send(new budgets.DeleteBudgetCommand({ ...account, BudgetName: 'b' }));

  await ceClient.send(
    new costExplorer.GetCostAndUsageCommand({
      TimePeriod: { Start: '2026-06-01', End: '2026-06-03' },
      Granularity: 'DAILY',
      Metrics: ['UnblendedCost'],
    }),
  );
  await ceClient.send(
    new costExplorer.GetCostForecastCommand({
      TimePeriod: { Start: '2026-06-20', End: '2026-07-01' },
      Granularity: 'MONTHLY',
      Metric: 'UNBLENDED_COST',
    }),
  );
}

describe.skipIf(!available)('AWS stand-in against the Smithy models', () => {
  const models = available
    ? (Object.fromEntries(
        Object.entries(modelFiles).map(([service, file]) => [service, new Model(file)]),
      ) as Record<ModelledService, Model>)
    : undefined;

  it('serves only modelled operations', () => {
    for (const service of Object.keys(modelFiles) as ModelledService[]) {
      const unknown = (supportedOperations[service] ?? []).filter(
        (operation) => models?.[service].operation(operation) === undefined,
      );
      expect(unknown, `${service} operations missing from the model`).toEqual([]);
    }
  });

  it('matches error codes and response members', async () => {
    const standIn = await startTestStandIn(new ManualClock());
    await exercise(standIn);
    const entries = standIn.requests.entries.filter(
      (entry): entry is RequestLogEntry & { service: ModelledService } =>
        entry.service in modelFiles,
    );

    const exercised = new Set(entries.map((entry) => `${entry.service}:${entry.operation}`));
    const unexercised = (Object.keys(modelFiles) as ModelledService[]).flatMap((service) =>
      (supportedOperations[service] ?? [])
        .map((operation) => `${service}:${operation}`)
        .filter((name) => !exercised.has(name)),
    );
    const undeclaredErrors = entries
      .filter((entry) => entry.errorCode !== undefined)
      .filter(
        (entry) =>
          !commonErrors.has(entry.errorCode ?? '') &&
          !models?.[entry.service].errors(entry.operation).has(entry.errorCode ?? ''),
      )
      .map((entry) => `${entry.service}:${entry.operation} ${entry.errorCode ?? ''}`);
    const unknownMembers = entries
      .filter((entry) => entry.response !== undefined)
      .flatMap((entry) => {
        const model = models?.[entry.service];
        const output = model?.operation(entry.operation)?.output?.target;
        return output === undefined || model === undefined
          ? []
          : model.unknownMembers(output, entry.response, `${entry.service}:${entry.operation}`);
      });

    expect(unexercised).toEqual([]);
    expect(entries.filter((entry) => entry.errorCode !== undefined).length).toBeGreaterThan(8);
    expect(undeclaredErrors).toEqual([]);
    expect(unknownMembers).toEqual([]);
  });
});
