import {
  CreateOpenIDConnectProviderCommand,
  GetOpenIDConnectProviderCommand,
  IAMClient,
} from '@aws-sdk/client-iam';
import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import {
  ManualClock,
  driftedFields,
  startTestStandIn,
  testContext,
  testProvider,
} from './helpers.ts';

const arn = 'arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com';

function providerResource(spec: Record<string, unknown> = {}): DesiredResource {
  return {
    address: 'aws.oidcProviders.github',
    kind: 'aws:iam:OpenIDConnectProvider',
    name: 'token.actions.githubusercontent.com',
    spec: {
      url: 'https://token.actions.githubusercontent.com',
      clientIDList: ['sts.amazonaws.com'],
      ...spec,
    },
  };
}

async function setUp() {
  const clock = new ManualClock();
  const standIn = await startTestStandIn(clock);
  const provider = testProvider(standIn);
  provider.resources({ accountId: '123456789012', region: 'us-east-1' });
  const handler = provider.handlers['aws:iam:OpenIDConnectProvider'];
  if (handler === undefined) {
    throw new Error('no OIDC provider handler');
  }
  return {
    clock,
    standIn,
    provider,
    handler,
    context: testContext(clock),
    iam: new IAMClient({ ...standIn.clientConfig(), maxAttempts: 1 }),
  };
}

describe('aws:iam:OpenIDConnectProvider', () => {
  it('creates and observes without drift', async () => {
    const { standIn, provider, handler, context } = await setUp();

    const created = await handler.create(context, providerResource());
    standIn.requests.clear();
    const observed = await handler.observe(context, providerResource());

    expect(created.outputs).toEqual({ arn, url: 'https://token.actions.githubusercontent.com' });
    expect(
      observed === undefined ? 'missing' : driftedFields(provider, providerResource(), observed),
    ).toEqual([]);
    expect(observed?.ownership).toBe('owned');
    expect(standIn.requests.writes()).toEqual([]);
  });

  it('converges client ids and thumbprints', async () => {
    const { standIn, provider, handler, context, iam } = await setUp();
    await handler.create(
      context,
      providerResource({ clientIDList: ['sts.amazonaws.com', 'legacy'] }),
    );
    const desired = providerResource({
      thumbprintList: ['6938fd4d98bab03faadb97b34396831e3780aea1'],
    });

    const observed = await handler.observe(context, desired);
    standIn.requests.clear();
    const updated =
      observed === undefined ? undefined : await handler.update(context, desired, observed, []);
    const current = await iam.send(
      new GetOpenIDConnectProviderCommand({ OpenIDConnectProviderArn: arn }),
    );

    expect(observed === undefined ? 'missing' : driftedFields(provider, desired, observed)).toEqual(
      ['clientIDList', 'thumbprintList'],
    );
    expect(standIn.requests.writes().map((entry) => entry.operation)).toEqual([
      'UpdateOpenIDConnectProviderThumbprint',
      'RemoveClientIDFromOpenIDConnectProvider',
    ]);
    expect(current.ClientIDList).toEqual(['sts.amazonaws.com']);
    expect(updated === undefined ? 'missing' : driftedFields(provider, desired, updated)).toEqual(
      [],
    );
  });

  it('rejects a create over an unmarked provider', async () => {
    const { handler, context, iam } = await setUp();
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://token.actions.githubusercontent.com',
        ClientIDList: ['sts.amazonaws.com'],
      }),
    );

    const error = await handler.create(context, providerResource()).then(
      () => undefined,
      (caught: unknown) => caught,
    );

    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect(error).toBeInstanceOf(ProviderError);
  });

  it('deletes and lists owned providers', async () => {
    const { handler, context, iam } = await setUp();
    const created = await handler.create(context, providerResource());
    await iam.send(
      new CreateOpenIDConnectProviderCommand({
        Url: 'https://issuer.example.com',
        ClientIDList: ['x'],
      }),
    );

    const listed = await handler.list?.(context);
    await handler.delete(context, created);
    await handler.delete(context, created);
    const after = await handler.list?.(context);

    expect(listed?.map((item) => [item.address, item.id])).toEqual([
      ['aws.oidcProviders.github', arn],
    ]);
    expect(after).toEqual([]);
  });
});
