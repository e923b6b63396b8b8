// The TTL monitor through the driver: a TTL index removes expired documents on its next pass.
import { MongoClient } from 'mongodb';
import { expect, it, onTestFinished } from 'vitest';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';

it('TTL monitor removes expired documents', async () => {
  const standIn = await startMongoStandIn({ ttlMonitorIntervalMS: 20 });
  onTestFinished(() => standIn.close());
  const client = new MongoClient(standIn.uri);
  onTestFinished(() => client.close());
  const sessions = client.db('app').collection<{ _id: string; expiresAt: Date }>('sessions');
  await sessions.createIndex({ expiresAt: 1 }, { expireAfterSeconds: 0 });
  await sessions.insertMany([
    { _id: 'expired', expiresAt: new Date(Date.now() - 60_000) },
    { _id: 'current', expiresAt: new Date(Date.now() + 3_600_000) },
  ]);

  // The monitor runs every 20 ms; poll a bounded number of times for its first pass.
  for (let attempt = 0; attempt < 100; attempt += 1) {
    if ((await sessions.countDocuments()) === 1) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect(await sessions.distinct('_id')).toEqual(['current']);
});

it('rejects a non-positive TTL interval', async () => {
  await expect(startMongoStandIn({ ttlMonitorIntervalMS: 0 })).rejects.toThrow(
    /ttlMonitorIntervalMS must be a positive number/,
  );
});
