import { describe, expect, it } from 'vitest';
import type { DesiredResource } from '../../actions/engine/provider.ts';
import { ProviderError } from '../../actions/engine/provider.ts';
import { FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';

const resource: DesiredResource = {
  address: 'atlas.projects.dev',
  kind: 'atlas:Project',
  name: 'dev',
  spec: { orgId, name: 'dev', tags: { team: 'backend' } },
};

const markerTags = [
  { key: 'gitops-address', value: 'atlas.projects.dev' },
  { key: 'gitops-environment', value: 'dev' },
  { key: 'gitops-managed-by', value: 'gitops' },
];

describe('atlas:Project', () => {
  it('creates, observes, updates and deletes', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;
    const context = testContext(clock);

    expect(await handler.observe(context, resource)).toBeUndefined();
    const created = await handler.create(context, resource);
    expect(created.ownership).toBe('owned');
    expect(created.outputs).toEqual({ id: created.id, name: 'dev' });
    expect(standIn.state.projects[0]!.tags).toEqual(
      [...markerTags, { key: 'team', value: 'backend' }].sort((a, b) => a.key.localeCompare(b.key)),
    );

    const observed = await handler.observe(context, resource);
    expect(observed).toEqual(created);

    const changed = { ...resource, spec: { ...resource.spec, tags: { team: 'platform' } } };
    const updated = await handler.update(context, changed, observed!, []);
    expect(updated.spec.tags).toEqual({ team: 'platform' });

    await handler.delete(context, updated);
    expect(standIn.state.projects).toEqual([]);
    await handler.delete(context, updated);
  });

  it('observe sends no writes', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.addProject({ name: 'dev', orgId, tags: markerTags });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;

    const observed = await handler.observe(testContext(clock), resource);

    expect(observed?.ownership).toBe('owned');
    expect(standIn.writes()).toEqual([]);
  });

  it('finds the exact name among prefix matches', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.addProject({ name: 'dev-old', orgId, tags: [] });
    standIn.addProject({ name: 'DEV', orgId, tags: [] });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;

    expect(await handler.observe(testContext(clock), resource)).toBeUndefined();
  });

  it('adopts its own project on GROUP_ALREADY_EXISTS', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    const existing = standIn.addProject({ name: 'dev', orgId, tags: markerTags });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;
    const context = testContext(clock);

    const adopted = await handler.create(context, resource);

    expect(adopted.id).toBe(existing.id);
    expect(context.lines.some((line) => line.message.includes('GROUP_ALREADY_EXISTS'))).toBe(true);
  });

  it('refuses a foreign project of the same name', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.addProject({ name: 'dev', orgId, tags: [{ key: 'team', value: 'other' }] });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;

    const observed = await handler.observe(testContext(clock), resource);
    expect(observed?.ownership).toBe('foreign');
    const error = await handler
      .create(testContext(clock), resource)
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('NOT_OWNED');
    expect((error as ProviderError).vendorCode).toBe('GROUP_ALREADY_EXISTS');
    await expect(handler.delete(testContext(clock), observed!)).rejects.toMatchObject({
      code: 'NOT_OWNED',
    });
    expect(standIn.state.projects).toHaveLength(1);
  });

  it('recovers a lost create response', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock, { eventualConsistencyReads: 2 });
    standIn.faults.dropResponseOfNext(1, { match: { operationId: 'createProject' } });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;
    const context = testContext(clock);

    const created = await handler.create(context, resource);

    expect(created.ownership).toBe('owned');
    expect(standIn.state.projects).toHaveLength(1);
    expect(
      standIn.writes().filter((exchange) => exchange.operationId === 'createProject'),
    ).toHaveLength(1);
    expect(context.lines.some((line) => line.message.includes('response was lost'))).toBe(true);
  });

  it('lists only projects of this environment', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock);
    standIn.addProject({ name: 'dev', orgId, tags: markerTags });
    standIn.addProject({
      name: 'prod',
      orgId,
      tags: [
        { key: 'gitops-address', value: 'atlas.projects.prod' },
        { key: 'gitops-environment', value: 'prod' },
        { key: 'gitops-managed-by', value: 'gitops' },
      ],
    });
    standIn.addProject({ name: 'manual', orgId, tags: [] });
    const handler = providerFor(standIn, clock).handlers['atlas:Project']!;

    const listed = await handler.list!(testContext(clock));

    expect(listed.map((item) => [item.address, item.name])).toEqual([
      ['atlas.projects.dev', 'dev'],
    ]);
    expect(standIn.writes()).toEqual([]);
  });
});
