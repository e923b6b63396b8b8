// The stand-in's `mongoUri` option: clusters' `connectionStrings.standard` names a local MongoDB
// server, so the real driver reaches the MongoDB stand-in with the string that Atlas returned.
import { MongoClient } from 'mongodb';
import { describe, expect, it, onTestFinished } from 'vitest';
import { startAtlasStandIn } from '../stand-ins/atlas/index.ts';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';
import { FrozenClock, orgId, providerFor, startStandIn, testContext } from './helpers.ts';

interface ClusterView {
  stateName?: string;
  connectionStrings?: { standard?: string; standardSrv?: string };
}

/** Creates an M0 through the provider and returns the cluster as getCluster returns it. */
async function createAndRead(mongoUri: string | undefined) {
  const clock = new FrozenClock();
  const standIn = await startStandIn(clock, mongoUri === undefined ? {} : { mongoUri });
  const project = standIn.addProject({ name: 'dev', orgId, tags: [] });
  const provider = providerFor(standIn, clock);
  const created = await provider.handlers['atlas:Cluster']!.create(testContext(clock), {
    address: 'atlas.clusters.main',
    kind: 'atlas:Cluster',
    name: 'main',
    spec: {
      projectId: project.id,
      name: 'main',
      providerName: 'TENANT',
      backingProviderName: 'AWS',
      regionName: 'US_EAST_1',
      instanceSizeName: 'M0',
    },
  });
  const cluster = await provider.client.request<ClusterView>({
    operation: 'getCluster',
    method: 'GET',
    path: `/groups/${project.id}/clusters/main`,
  });
  return { created, cluster: cluster! };
}

describe('atlas stand-in connection strings', () => {
  it('names the MongoDB stand-in in standard', async () => {
    const mongo = await startMongoStandIn({ log: () => undefined });
    onTestFinished(() => mongo.close());

    const { created, cluster } = await createAndRead(mongo.uri);

    expect(cluster.stateName).toBe('IDLE');
    expect(cluster.connectionStrings?.standard).toBe(mongo.uri);
    expect(cluster.connectionStrings?.standardSrv).toBe(created.outputs.connectionString);
    expect(created.outputs.srvHost).toMatch(/^main\.\w{5}\.mongodb\.net$/);

    const driver = new MongoClient(cluster.connectionStrings!.standard!, {
      serverSelectionTimeoutMS: 2_000,
    });
    onTestFinished(() => driver.close());
    const messages = driver.db('app').collection<{ text: string }>('messages');
    await messages.insertOne({ text: 'through the Atlas connection string' });
    const found = await messages.findOne({}, { projection: { _id: 0 } });
    expect(found).toEqual({ text: 'through the Atlas connection string' });
  });

  it('names Atlas hosts without mongoUri', async () => {
    const { cluster } = await createAndRead(undefined);

    expect(cluster.connectionStrings?.standard).toMatch(
      /^mongodb:\/\/main-shard-00-00\.\w{5}\.mongodb\.net:27017,/,
    );
  });

  it('rejects a mongoUri that is not mongodb://', async () => {
    const start = startAtlasStandIn({ mongoUri: 'mongodb+srv://cluster0.example.net' });

    await expect(start).rejects.toThrow(
      'Atlas stand-in option mongoUri must be a mongodb:// connection string (got "mongodb+srv://cluster0.example.net")',
    );
  });
});
