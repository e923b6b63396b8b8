import { describe, expect, it } from 'vitest';
import { WaitError, type DesiredResource } from '../../actions/engine/provider.ts';
import { FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';

function m0(projectId: string): DesiredResource {
  return {
    address: 'atlas.clusters.main',
    kind: 'atlas:Cluster',
    name: 'default-free-dev',
    spec: {
      projectId,
      name: 'default-free-dev',
      providerName: 'TENANT',
      backingProviderName: 'AWS',
      regionName: 'US_EAST_1',
      instanceSizeName: 'M0',
    },
  };
}

async function setUp(options: Parameters<typeof startStandIn>[1] = {}) {
  const clock = new FrozenClock();
  const standIn = await startStandIn(clock, options);
  const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
  const handler = providerFor(standIn, clock).handlers['atlas:Cluster']!;
  return { clock, standIn, project, handler, context: testContext(clock) };
}

describe('atlas:Cluster', () => {
  it('creates an M0 and waits for IDLE', async () => {
    const { clock, standIn, project, handler, context } = await setUp({ clusterCreateMs: 45_000 });

    const created = await handler.create(context, m0(project.id));

    const request = standIn.requests.find((exchange) => exchange.operationId === 'createCluster')!;
    expect(request.requestBody).toMatchObject({
      name: 'default-free-dev',
      clusterType: 'REPLICASET',
      replicationSpecs: [
        {
          regionConfigs: [
            {
              providerName: 'TENANT',
              backingProviderName: 'AWS',
              regionName: 'US_EAST_1',
              electableSpecs: { instanceSize: 'M0' },
            },
          ],
        },
      ],
    });
    expect(created.outputs.srvHost).toMatch(/^default-free-dev\.\w{5}\.mongodb\.net$/);
    expect(created.outputs.connectionString).toBe(
      `mongodb+srv://${String(created.outputs.srvHost)}`,
    );
    expect(created.ownership).toBe('owned');
    expect(clock.sleeps).toEqual([10_000, 10_000, 10_000, 10_000, 10_000]);
    const progress = context.lines
      .filter((line) => line.level === 'info')
      .map((line) => line.message);
    expect(progress).toContain(
      'waiting for atlas.clusters.main: cluster default-free-dev to become IDLE: state CREATING, 0 s elapsed',
    );
    expect(progress.at(-1)).toBe(
      'atlas.clusters.main: cluster default-free-dev to become IDLE: done, state IDLE after 50 s',
    );
  });

  it('times out naming the last state', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock, { clusterCreateMs: 3_600_000 });
    const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
    const handler = providerFor(standIn, clock, { clusterTimeoutMs: 60_000 }).handlers[
      'atlas:Cluster'
    ]!;

    const error = await handler
      .create(testContext(clock), m0(project.id))
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(WaitError);
    expect((error as WaitError).code).toBe('ERR_WAIT_TIMEOUT');
    expect((error as WaitError).lastState).toBe('CREATING');
    expect((error as WaitError).message).toContain('last state: CREATING');
  });

  it('waits through a 404 after create', async () => {
    const { project, handler, context } = await setUp({ eventualConsistencyReads: 2 });

    const created = await handler.create(context, m0(project.id));

    expect(created.outputs.srvHost).toBeDefined();
    expect(context.lines.some((line) => line.message.includes('state NOT_FOUND'))).toBe(true);
  });

  it('honours Retry-After while polling', async () => {
    const { clock, standIn, project, handler, context } = await setUp();
    standIn.faults.throttleNext(1, { retryAfterSeconds: 30, match: { operationId: 'getCluster' } });

    await handler.create(context, m0(project.id));

    expect(clock.sleeps[0]).toBe(30_000);
  });

  it('observe sends no writes', async () => {
    const { standIn, project, handler, context } = await setUp();
    await handler.create(context, m0(project.id));
    const before = standIn.writes().length;

    const observed = await handler.observe(context, m0(project.id));

    expect(observed?.spec).toMatchObject(m0(project.id).spec);
    expect(standIn.writes()).toHaveLength(before);
  });

  it('skips observe while the project is unknown', async () => {
    const { standIn, handler, context } = await setUp();
    const resource = {
      ...m0('x'),
      spec: { ...m0('x').spec, projectId: { $unknown: 'atlas.projects.dev.id' } },
    };

    expect(await handler.observe(context, resource)).toBeUndefined();
    expect(standIn.requests).toEqual([]);
  });

  it('updates tags and deletes after waiting', async () => {
    const { standIn, project, handler, context } = await setUp({ clusterDeleteMs: 20_000 });
    const created = await handler.create(context, m0(project.id));
    const tagged = {
      ...m0(project.id),
      spec: { ...m0(project.id).spec, tags: { team: 'backend' } },
    };

    const updated = await handler.update(context, tagged, created, []);
    expect(updated.spec.tags).toEqual({ team: 'backend' });
    expect(standIn.state.clusters[0]!.tags.map((tag) => tag.key)).toEqual([
      'gitops-address',
      'gitops-environment',
      'gitops-managed-by',
      'team',
    ]);

    await handler.delete(context, updated);
    expect(standIn.state.clusters).toEqual([]);
    expect(context.lines.some((line) => line.message.includes('state DELETING'))).toBe(true);
  });

  it('adopts its own cluster on DUPLICATE_CLUSTER_NAME', async () => {
    const { standIn, project, handler, context } = await setUp();
    await handler.create(context, m0(project.id));
    const writes = standIn.writes().length;

    const again = await handler.create(context, m0(project.id));

    expect(again.ownership).toBe('owned');
    expect(standIn.writes()).toHaveLength(writes + 1);
  });

  it('refuses a foreign cluster of the same name', async () => {
    const { clock, project, handler, context } = await setUp();
    await handler.create(testContext(clock, 'prod'), m0(project.id));

    await expect(handler.create(context, m0(project.id))).rejects.toMatchObject({
      code: 'NOT_OWNED',
    });
  });

  it('creates a Flex cluster', async () => {
    const { standIn, project, handler, context } = await setUp();
    const flex: DesiredResource = {
      address: 'atlas.clusters.flex',
      kind: 'atlas:Cluster',
      name: 'flex-dev',
      spec: {
        projectId: project.id,
        name: 'flex-dev',
        providerName: 'FLEX',
        backingProviderName: 'AWS',
        regionName: 'US_EAST_1',
      },
    };

    const created = await handler.create(context, flex);

    expect(
      standIn.requests.find((exchange) => exchange.operationId === 'createFlexCluster')
        ?.requestBody,
    ).toMatchObject({
      name: 'flex-dev',
      providerSettings: { backingProviderName: 'AWS', regionName: 'US_EAST_1' },
    });
    expect(created.spec).toMatchObject(flex.spec);
    expect(created.outputs.srvHost).toMatch(/^flex-dev\./);
  });

  it('lists owned clusters of this environment', async () => {
    const { project, handler, context } = await setUp();
    await handler.create(context, m0(project.id));

    const listed = await handler.list!(context);
    const prod = await handler.list!(testContext(new FrozenClock(), 'prod'));

    expect(listed.map((item) => item.address)).toEqual(['atlas.clusters.main']);
    expect(prod).toEqual([]);
  });
});
