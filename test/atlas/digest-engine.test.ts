// The Atlas provider with an API key under the real engine, which runs up to four Atlas calls at
// once. The stand-in hands every challenge the same nonce until it expires, and the nonce expires
// while the engine waits for the cluster, so the run needs a correct shared counter and the
// stale=true retry.
import { describe, expect, it } from 'vitest';
import { createEngine } from '../../actions/engine/engine.ts';
import { atlasSchema } from '../../actions/providers/atlas/index.ts';
import { apiKey, FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';

const cidrBlocks = [
  '10.0.0.0/24',
  '10.0.1.0/24',
  '10.0.2.0/24',
  '10.0.3.0/24',
  '10.0.4.0/24',
  '10.0.5.0/24',
];

function section() {
  const accessList = Object.fromEntries(
    cidrBlocks.map((cidrBlock, index) => [
      `office${index}`,
      { projectId: '${atlas.projects.dev.id}', cidrBlock, comment: `office ${index}` },
    ]),
  );
  const databaseUsers = Object.fromEntries(
    ['alice', 'bob'].map((name) => [
      name,
      {
        projectId: '${atlas.projects.dev.id}',
        username: `arn:aws:iam::123456789012:user/${name}`,
        awsIAMType: 'USER',
        databaseName: '$external',
        roles: [{ roleName: 'readWriteAnyDatabase', databaseName: 'admin' }],
      },
    ]),
  );
  return atlasSchema.parse({
    orgId,
    budget: { limitAmount: 10, unit: 'USD' },
    projects: { dev: { name: 'dev' } },
    clusters: {
      main: {
        projectId: '${atlas.projects.dev.id}',
        name: 'default-free-dev',
        providerName: 'TENANT',
        backingProviderName: 'AWS',
        regionName: 'US_EAST_1',
        instanceSizeName: 'M0',
      },
    },
    accessList,
    databaseUsers,
  });
}

describe('digest under the engine', () => {
  it('applies with four calls at once', async () => {
    const clock = new FrozenClock();
    const standIn = await startStandIn(clock, {
      digestNonceScope: 'period',
      digestNonceLifetimeMs: 20_000,
      clusterCreateMs: 45_000,
    });
    const provider = providerFor(standIn, clock, {
      credentials: { type: 'apiKey', ...apiKey },
    });
    const context = testContext(clock);
    const engine = createEngine([provider], {
      log: context.log,
      now: () => context.now(),
      sleep: clock.sleep,
      random: () => 0,
      concurrency: 4,
    });
    const config = { environment: 'dev', prune: false, sections: { atlas: section() } };

    const plan = await engine.plan(config);
    const result = await engine.apply(plan);

    expect(result.succeeded).toBe(true);
    expect(standIn.state.accessList.map((entry) => entry.cidrBlock).sort()).toEqual(cidrBlocks);
    expect(standIn.state.databaseUsers).toHaveLength(2);
    expect(standIn.state.clusters.map((cluster) => cluster.stateName)).toEqual(['IDLE']);
    const failures = standIn.requests
      .map((exchange) => exchange.authFailure)
      .filter((failure) => failure !== undefined);
    expect(failures).not.toContain('REPLAYED_NONCE_COUNT');
    expect(failures).not.toContain('WRONG_RESPONSE');
    expect(failures).toContain('STALE_NONCE');

    const again = await engine.plan(config);
    expect(again.summary.changes).toBe(false);
  });
});
