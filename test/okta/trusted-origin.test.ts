// okta:TrustedOrigin through the real Okta SDK against the stand-in.
import { describe, expect, it } from 'vitest';
import { diffSpec } from '../../actions/engine/compare.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import { recordedContext, setUp, startStandIn, withSpec, writesOf } from './helpers.ts';

describe('okta:TrustedOrigin', () => {
  it('creates, observes, updates and deletes', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context, lines } = recordedContext();

    expect(await setup.originHandler.observe(context, setup.trustedOrigin)).toBeUndefined();
    const created = await setup.originHandler.create(context, setup.trustedOrigin);

    expect(created.id).toMatch(/^tos[0-9A-Za-z]{17}$/);
    expect(created.spec).toEqual({
      name: 'example-backend-dev docs',
      origin: 'https://abc123.lambda-url.us-east-1.on.aws',
      scopes: ['CORS'],
      status: 'ACTIVE',
    });
    expect(standIn.trustedOrigins()[0]?.name).toBe('example-backend-dev docs [gitops:dev:docs]');
    expect(lines).toContain(
      `info okta: created trusted origin "example-backend-dev docs" (okta.trustedOrigins.docs), id ${created.id}`,
    );

    const observed = await setup.originHandler.observe(context, setup.trustedOrigin);
    expect(observed).toEqual(created);

    const wider = withSpec(setup.trustedOrigin, { scopes: ['REDIRECT', 'CORS'] });
    const changes = diffSpec(wider.spec, created.spec, { fields: setup.originHandler.fields });
    expect(changes.map((change) => change.path)).toEqual(['scopes']);
    const updated = await setup.originHandler.update(context, wider, created, changes);
    expect(updated.spec.scopes).toEqual(['CORS', 'REDIRECT']);
    expect(diffSpec(wider.spec, updated.spec, { fields: setup.originHandler.fields })).toEqual([]);

    await setup.originHandler.delete(context, updated);
    expect(standIn.trustedOrigins()).toEqual([]);
  });

  it('observe sends no writes', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    await setup.originHandler.create(context, setup.trustedOrigin);
    standIn.requests.length = 0;

    await setup.originHandler.observe(context, setup.trustedOrigin);
    await setup.originHandler.list?.(context);

    expect(standIn.requests.length).toBeGreaterThan(0);
    expect(writesOf(standIn)).toEqual([]);
  });

  it('reports an unmarked origin as foreign', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const response = await fetch(`${standIn.url}/api/v1/trustedOrigins`, {
      method: 'POST',
      headers: { authorization: `SSWS ${standIn.apiToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        name: 'Added by hand',
        origin: 'https://abc123.lambda-url.us-east-1.on.aws',
        scopes: [{ type: 'CORS' }],
      }),
    });
    const foreignId = ((await response.json()) as { id: string }).id;
    standIn.requests.length = 0;

    const observed = await setup.originHandler.observe(context, setup.trustedOrigin);

    expect(observed?.ownership).toBe('foreign');
    expect(observed?.id).toBe(foreignId);
    expect(observed?.spec.name).toBe('Added by hand');
    expect(writesOf(standIn)).toEqual([]);
  });

  it('lists only origins of its environment', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const dev = recordedContext('dev');
    const created = await setup.originHandler.create(dev.context, setup.trustedOrigin);
    const elsewhere = withSpec(setup.trustedOrigin, { origin: 'https://prod.example.com' });
    await setup.originHandler.create(recordedContext('prod').context, elsewhere);

    const listed = (await setup.originHandler.list?.(dev.context)) ?? [];

    expect(listed.map((item) => [item.address, item.id, item.name])).toEqual([
      ['okta.trustedOrigins.docs', created.id, 'example-backend-dev docs'],
    ]);
  });

  it('rejects an unresolved origin before writing', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const pending = withSpec(setup.trustedOrigin, {
      origin: { $unknown: '${aws.functionUrls.api.origin}' },
    });

    const error = await setup.originHandler
      .create(context, pending)
      .catch((caught: unknown) => caught);

    expect((error as ProviderError).code).toBe('INVALID');
    expect((error as ProviderError).message).toContain('origin is not known yet');
    expect(writesOf(standIn)).toEqual([]);
  });

  it('refuses to delete an unmarked origin', async () => {
    const standIn = await startStandIn();
    const setup = setUp(standIn);
    const { context } = recordedContext();
    const created = await setup.originHandler.create(context, setup.trustedOrigin);
    const other = recordedContext('prod');

    const error = await setup.originHandler
      .delete(other.context, created)
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect(standIn.trustedOrigins()).toHaveLength(1);
  });
});
