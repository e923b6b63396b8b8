import { createHash } from 'node:crypto';
import { CreateRoleCommand, IAMClient, UpdateAssumeRolePolicyCommand } from '@aws-sdk/client-iam';
import {
  AddPermissionCommand,
  CreateAliasCommand,
  CreateFunctionCommand,
  CreateFunctionUrlConfigCommand,
  GetFunctionCommand,
  GetFunctionConfigurationCommand,
  GetPolicyCommand,
  LambdaClient,
  PublishVersionCommand,
  PutFunctionConcurrencyCommand,
  UpdateFunctionCodeCommand,
  UpdateFunctionConfigurationCommand,
} from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { ManualClock, startTestStandIn, zipWithComment } from './helpers.ts';

const lambdaTrust = JSON.stringify({
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
  ],
});

async function setUp(options: Parameters<typeof startTestStandIn>[1] = {}) {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock, options);
  const config = { ...standIn.clientConfig(), maxAttempts: 1 };
  const iam = new IAMClient(config);
  const lambda = new LambdaClient(config);
  const role = await iam.send(
    new CreateRoleCommand({ RoleName: 'app', AssumeRolePolicyDocument: lambdaTrust }),
  );
  clock.advance(60_000);
  const create = (name = 'fn', zip = zipWithComment('v1')) =>
    lambda.send(
      new CreateFunctionCommand({
        FunctionName: name,
        Role: role.Role?.Arn,
        Runtime: 'nodejs22.x',
        Handler: 'index.handler',
        Code: { ZipFile: zip },
        Architectures: ['arm64'],
      }),
    );
  return { clock, standIn, iam, lambda, roleArn: role.Role?.Arn ?? '', create };
}

async function failure(
  promise: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await promise;
  } catch (error) {
    const shape = error as {
      name: string;
      message: string;
      $metadata?: { httpStatusCode?: number };
    };
    return { name: shape.name, status: shape.$metadata?.httpStatusCode, message: shape.message };
  }
  throw new Error('expected the call to fail');
}

describe('AWS stand-in Lambda', () => {
  it('moves State from Pending to Active', async () => {
    const { clock, lambda, create } = await setUp({ lambdaCreateDelayMs: 5_000 });

    const created = await create();
    const early = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));
    clock.advance(5_000);
    const later = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));

    expect(created.State).toBe('Pending');
    expect(created.StateReasonCode).toBe('Creating');
    expect(early.State).toBe('Pending');
    expect(later.State).toBe('Active');
    expect(later.LastUpdateStatus).toBe('Successful');
  });

  it('rejects an update while one is in progress', async () => {
    const { clock, standIn, lambda, create } = await setUp();
    await create();
    standIn.faults.lambdaUpdateDelayMs = 3_000;

    const updated = await lambda.send(
      new UpdateFunctionConfigurationCommand({ FunctionName: 'fn', MemorySize: 256 }),
    );
    const conflict = await failure(
      lambda.send(
        new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: zipWithComment('v2') }),
      ),
    );
    clock.advance(3_000);
    const settled = await lambda.send(new GetFunctionConfigurationCommand({ FunctionName: 'fn' }));

    expect(updated.LastUpdateStatus).toBe('InProgress');
    expect(conflict.name).toBe('ResourceConflictException');
    expect(conflict.status).toBe(409);
    expect(conflict.message).toBe(
      'The operation cannot be performed at this time. An update is in progress for resource: arn:aws:lambda:us-east-1:123456789012:function:fn',
    );
    expect(settled.LastUpdateStatus).toBe('Successful');
    expect(settled.MemorySize).toBe(256);
  });

  it('reports CodeSha256 and serves the code', async () => {
    const { lambda, create } = await setUp();
    const zip = zipWithComment('hello');
    await create('fn', zip);

    const output = await lambda.send(new GetFunctionCommand({ FunctionName: 'fn' }));
    const download = await fetch(output.Code?.Location ?? '');

    expect(output.Configuration?.CodeSha256).toBe(
      createHash('sha256').update(zip).digest('base64'),
    );
    expect(output.Configuration?.CodeSize).toBe(zip.length);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(zip);
  });

  it('rejects a role that has not propagated', async () => {
    const { clock, standIn, iam, roleArn, create } = await setUp();
    standIn.faults.iamPropagationDelayMs = 10_000;
    await iam.send(
      new UpdateAssumeRolePolicyCommand({ RoleName: 'app', PolicyDocument: lambdaTrust }),
    );

    const early = await failure(create());
    clock.advance(10_000);
    const created = await create();

    expect(early).toEqual({
      name: 'InvalidParameterValueException',
      status: 400,
      message: 'The role defined for the function cannot be assumed by Lambda.',
    });
    expect(created.Role).toBe(roleArn);
  });

  it('rejects a role that does not trust Lambda', async () => {
    const { iam, lambda } = await setUp();
    const trust = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
      ],
    });
    const role = await iam.send(
      new CreateRoleCommand({ RoleName: 'ec2', AssumeRolePolicyDocument: trust }),
    );

    const rejected = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'fn',
          Role: role.Role?.Arn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: { ZipFile: zipWithComment('v1') },
        }),
      ),
    );

    expect(rejected.name).toBe('InvalidParameterValueException');
  });

  it('publishes a version only after a change', async () => {
    const { lambda, create } = await setUp();
    await create();

    const first = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
    const again = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
    await lambda.send(
      new UpdateFunctionCodeCommand({ FunctionName: 'fn', ZipFile: zipWithComment('v2') }),
    );
    const second = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));

    expect(first.Version).toBe('1');
    expect(first.FunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:fn:1');
    expect(again.Version).toBe('1');
    expect(second.Version).toBe('2');
  });

  it('builds function URLs and URL permissions', async () => {
    const { lambda, create } = await setUp();
    await create();
    const version = await lambda.send(new PublishVersionCommand({ FunctionName: 'fn' }));
    await lambda.send(
      new CreateAliasCommand({
        FunctionName: 'fn',
        Name: 'live',
        FunctionVersion: version.Version,
      }),
    );

    const url = await lambda.send(
      new CreateFunctionUrlConfigCommand({
        FunctionName: 'fn',
        Qualifier: 'live',
        AuthType: 'NONE',
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'fn',
        Qualifier: 'live',
        StatementId: 'url',
        Action: 'lambda:InvokeFunctionUrl',
        Principal: '*',
        FunctionUrlAuthType: 'NONE',
      }),
    );
    await lambda.send(
      new AddPermissionCommand({
        FunctionName: 'fn',
        Qualifier: 'live',
        StatementId: 'invoke',
        Action: 'lambda:InvokeFunction',
        Principal: '*',
        InvokedViaFunctionUrl: true,
      }),
    );
    const policy = JSON.parse(
      (await lambda.send(new GetPolicyCommand({ FunctionName: 'fn', Qualifier: 'live' }))).Policy ??
        '{}',
    ) as {
      Statement: Array<{ Sid: string; Condition: unknown; Resource: string; Principal: unknown }>;
    };
    const misplaced = await failure(
      lambda.send(
        new AddPermissionCommand({
          FunctionName: 'fn',
          StatementId: 'bad',
          Action: 'lambda:InvokeFunctionUrl',
          Principal: '*',
          InvokedViaFunctionUrl: true,
        }),
      ),
    );

    expect(url.FunctionUrl).toMatch(/^https:\/\/[a-z0-9]{32}\.lambda-url\.us-east-1\.on\.aws\/$/);
    expect(url.FunctionArn).toBe('arn:aws:lambda:us-east-1:123456789012:function:fn:live');
    expect(policy.Statement.map((statement) => statement.Sid)).toEqual(['url', 'invoke']);
    expect(policy.Statement[0]?.Condition).toEqual({
      StringEquals: { 'lambda:FunctionUrlAuthType': 'NONE' },
    });
    expect(policy.Statement[1]?.Condition).toEqual({
      Bool: { 'lambda:InvokedViaFunctionUrl': 'true' },
    });
    expect(policy.Statement[1]?.Resource).toBe(
      'arn:aws:lambda:us-east-1:123456789012:function:fn:live',
    );
    expect(policy.Statement[1]?.Principal).toBe('*');
    expect(misplaced.name).toBe('InvalidParameterValueException');
  });

  it('answers GetPolicy without statements with 404', async () => {
    const { lambda, create } = await setUp();
    await create();

    const missing = await failure(lambda.send(new GetPolicyCommand({ FunctionName: 'fn' })));

    expect(missing).toEqual({
      name: 'ResourceNotFoundException',
      status: 404,
      message: 'The resource you requested does not exist.',
    });
  });

  it('sends the error type header', async () => {
    const { standIn } = await setUp();

    const response = await fetch(`${standIn.url}/2015-03-31/functions/missing`, {
      headers: {
        authorization:
          'AWS4-HMAC-SHA256 Credential=AKIAGITOPSSTANDIN000/20260615/us-east-1/lambda/aws4_request',
      },
    });

    expect(response.status).toBe(404);
    expect(response.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
    expect(await response.json()).toEqual({
      Type: 'User',
      Message: 'Function not found: arn:aws:lambda:us-east-1:123456789012:function:missing',
    });
  });

  it('keeps 100 executions unreserved', async () => {
    const { lambda, create } = await setUp({ accountConcurrencyLimit: 1000 });
    await create('one');
    await create('two');
    await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'one', ReservedConcurrentExecutions: 800 }),
    );

    const rejected = await failure(
      lambda.send(
        new PutFunctionConcurrencyCommand({
          FunctionName: 'two',
          ReservedConcurrentExecutions: 101,
        }),
      ),
    );
    const accepted = await lambda.send(
      new PutFunctionConcurrencyCommand({ FunctionName: 'two', ReservedConcurrentExecutions: 100 }),
    );

    expect(rejected.name).toBe('InvalidParameterValueException');
    expect(accepted.ReservedConcurrentExecutions).toBe(100);
  });

  it('rejects reserved environment keys', async () => {
    const { lambda, roleArn } = await setUp();

    const rejected = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'fn',
          Role: roleArn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: { ZipFile: zipWithComment('v1') },
          Environment: { Variables: { AWS_REGION: 'eu-west-1' } },
        }),
      ),
    );

    expect(rejected.name).toBe('InvalidParameterValueException');
    expect(rejected.message).toContain('Reserved keys used in this request: AWS_REGION');
  });

  it('rejects a file that is not a zip', async () => {
    const { lambda, roleArn } = await setUp();

    const rejected = await failure(
      lambda.send(
        new CreateFunctionCommand({
          FunctionName: 'fn',
          Role: roleArn,
          Runtime: 'nodejs22.x',
          Handler: 'index.handler',
          Code: { ZipFile: Buffer.from('not a zip') },
        }),
      ),
    );

    expect(rejected.message).toBe(
      'Could not unzip uploaded file. Please check your file, then try to upload again.',
    );
  });
});
