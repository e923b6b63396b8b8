import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import { stripCredentials, toProviderError } from '../../actions/providers/aws/errors.ts';
import { ManualClock, devSection, startTestStandIn, testContext, testProvider } from './helpers.ts';

const roleResource: DesiredResource = {
  address: 'aws.roles.lambda',
  kind: 'aws:iam:Role',
  name: 'example-backend-dev',
  spec: {
    roleName: 'example-backend-dev',
    assumeRolePolicyDocument: { Version: '2012-10-17', Statement: [] },
  },
};

async function caught(promise: Promise<unknown> | undefined): Promise<ProviderError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProviderError) {
      return error;
    }
    throw error;
  }
  throw new Error('expected a ProviderError');
}

describe('aws account guard', () => {
  it('rejects credentials of another account', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock, { accountId: '999999999999' });
    const provider = testProvider(standIn);
    provider.resources(devSection());

    const error = await caught(
      provider.handlers['aws:iam:Role']?.observe(testContext(clock), roleResource),
    );

    expect(error.code).toBe('FORBIDDEN');
    expect(error.vendorCode).toBe('AccountMismatch');
    expect(error.message).toContain('belong to account 999999999999');
    expect(error.message).toContain('aws.accountId in the config is 123456789012');
    expect(standIn.requests.operations()).toEqual(['sts:GetCallerIdentity']);
  });

  it('guards list as well', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock, { accountId: '999999999999' });
    const provider = testProvider(standIn);
    provider.resources(devSection());

    const error = await caught(
      provider.handlers['aws:lambda:Function']?.list?.(testContext(clock)),
    );

    expect(error.code).toBe('FORBIDDEN');
    expect(standIn.requests.operations()).toEqual(['sts:GetCallerIdentity']);
  });

  it('checks the account once', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock);
    const provider = testProvider(standIn);
    provider.resources(devSection());
    const handler = provider.handlers['aws:iam:Role'];

    await handler?.observe(testContext(clock), roleResource);
    await handler?.observe(testContext(clock), roleResource);

    expect(standIn.requests.count('sts', 'GetCallerIdentity')).toBe(1);
  });

  it('rejects a region other than the config', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock);
    const provider = testProvider(standIn, { region: 'eu-west-1' });
    provider.resources(devSection());

    const error = await caught(
      provider.handlers['aws:iam:Role']?.observe(testContext(clock), roleResource),
    );

    expect(error.code).toBe('INVALID');
    expect(error.message).toContain('region eu-west-1, but aws.region in the config is us-east-1');
    expect(standIn.requests.entries).toEqual([]);
  });
});

describe('aws errors', () => {
  it.each([
    [
      { name: 'Throttling', Code: 'Throttling', $metadata: { httpStatusCode: 400 } },
      'iam:GetRole',
      'THROTTLED',
      'Throttling',
      undefined,
    ],
    [
      {
        name: 'TooManyRequestsException',
        retryAfterSeconds: '2',
        $metadata: { httpStatusCode: 429 },
      },
      'lambda:GetFunction',
      'THROTTLED',
      'TooManyRequestsException',
      2000,
    ],
    [
      { name: 'LimitExceededException', $metadata: { httpStatusCode: 400 } },
      'ce:GetCostAndUsage',
      'THROTTLED',
      'LimitExceededException',
      undefined,
    ],
    [
      { name: 'LimitExceededException', Code: 'LimitExceeded', $metadata: { httpStatusCode: 409 } },
      'iam:AttachRolePolicy',
      'INVALID',
      'LimitExceeded',
      undefined,
    ],
    [
      { name: 'ServiceException', $fault: 'server', $metadata: { httpStatusCode: 500 } },
      'lambda:GetFunction',
      'UNAVAILABLE',
      'ServiceException',
      undefined,
    ],
    [
      { name: 'ResourceConflictException', $metadata: { httpStatusCode: 409 } },
      'lambda:UpdateFunctionCode',
      'CONFLICT',
      'ResourceConflictException',
      undefined,
    ],
    [
      { name: 'NoSuchEntityException', Code: 'NoSuchEntity', $metadata: { httpStatusCode: 404 } },
      'iam:GetRole',
      'NOT_FOUND',
      'NoSuchEntity',
      undefined,
    ],
    [
      { name: 'AccessDeniedException', $metadata: { httpStatusCode: 403 } },
      'lambda:GetFunction',
      'FORBIDDEN',
      'AccessDeniedException',
      undefined,
    ],
    [
      { name: 'ExpiredToken', Code: 'ExpiredToken', $metadata: { httpStatusCode: 400 } },
      'iam:GetRole',
      'UNAUTHORIZED',
      'ExpiredToken',
      undefined,
    ],
    [
      {
        name: 'MalformedPolicyDocumentException',
        Code: 'MalformedPolicyDocument',
        $metadata: { httpStatusCode: 400 },
      },
      'iam:PutRolePolicy',
      'INVALID',
      'MalformedPolicyDocument',
      undefined,
    ],
    [
      Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
      'iam:CreateRole',
      'UNAVAILABLE',
      'ECONNRESET',
      undefined,
    ],
    [
      { name: 'TimeoutError', message: 'Connection timed out after 5000 ms' },
      'iam:GetRole',
      'TIMEOUT',
      'TimeoutError',
      undefined,
    ],
  ])('maps %o from %s', (error, operation, code, vendorCode, retryAfterMs) => {
    const mapped = toProviderError(error, operation, 'the target');

    expect(mapped.code).toBe(code);
    expect(mapped.vendorCode).toBe(vendorCode);
    expect(mapped.retryAfterMs).toBe(retryAfterMs);
    expect(mapped.message.startsWith(`${operation} on the target failed: ${vendorCode}`)).toBe(
      true,
    );
  });

  it('strips credentials from texts', () => {
    const text =
      'Credential=AKIAIOSFODNN7EXAMPLE/20260615/us-east-1/iam/aws4_request, Signature=0123abcd x-amz-security-token:FwoGZXIvYXdzEXAMPLETOKEN secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY thumbprint 6938fd4d98bab03faadb97b34396831e3780aea1';

    const stripped = stripCredentials(text, ['FwoGZXIvYXdzEXAMPLETOKEN']);

    expect(stripped).not.toContain('IOSFODNN7EXAMPLE');
    expect(stripped).not.toContain('0123abcd');
    expect(stripped).not.toContain('FwoGZXIvYXdzEXAMPLETOKEN');
    expect(stripped).not.toContain('wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY');
    expect(stripped).toContain('6938fd4d98bab03faadb97b34396831e3780aea1');
  });

  it('keeps credentials out of provider errors', async () => {
    const clock = new ManualClock();
    const standIn = await startTestStandIn(clock);
    const credentials = {
      accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
      secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      sessionToken: 'IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKENVALUE',
    };
    const provider = testProvider(standIn, { credentials });
    provider.resources(devSection());
    standIn.faults.signatureMismatch({ service: 'sts' });

    const error = await caught(
      provider.handlers['aws:iam:Role']?.observe(testContext(clock), roleResource),
    );
    const rendered = [
      error.message,
      inspect(error, { depth: 5 }),
      JSON.stringify(error),
      String(error.cause),
    ].join('\n');

    expect(error.code).toBe('UNAUTHORIZED');
    expect(error.vendorCode).toBe('SignatureDoesNotMatch');
    expect(standIn.requests.entries[0]?.errorCode).toBe('SignatureDoesNotMatch');
    expect(rendered).toContain('The Canonical String for this request should have been');
    for (const secret of [...Object.values(credentials), 'IOSFODNN7EXAMPLE']) {
      expect(rendered).not.toContain(secret);
    }
  });
});
