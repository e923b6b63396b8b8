// The stand-in's optional persistence. Data, indexes and BSON types survive a restart, and a
// file that cannot be loaded fails the start with its path in the message.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MongoClient, ObjectId } from 'mongodb';
import type { MongoServerError } from 'mongodb';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PersistenceError, startMongoStandIn } from '../stand-ins/mongo/index.ts';

let directory: string;

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'mongo-stand-in-'));
});

afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

async function withClient<T>(uri: string, work: (client: MongoClient) => Promise<T>): Promise<T> {
  const client = new MongoClient(uri);
  try {
    return await work(client);
  } finally {
    await client.close();
  }
}

async function startFailure(persistPath: string): Promise<PersistenceError> {
  const error: unknown = await startMongoStandIn({ persistPath }).then(
    async (standIn) => {
      await standIn.close();
      return undefined;
    },
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(PersistenceError);
  return error as PersistenceError;
}

describe('persistence', () => {
  it('data survives a restart', async () => {
    const persistPath = join(directory, 'data', 'mongo.json');
    const id = new ObjectId();
    const createdAt = new Date(Date.UTC(2025, 5, 1));
    const first = await startMongoStandIn({ persistPath });
    await withClient(first.uri, async (client) => {
      const messages = client.db('app').collection('messages');
      await messages.createIndex({ slug: 1 }, { unique: true });
      await messages.insertOne({ _id: id, slug: 'hello', createdAt, tags: ['a'], n: 2.5 });
    });
    await first.close();

    const second = await startMongoStandIn({ persistPath });
    try {
      await withClient(second.uri, async (client) => {
        const messages = client.db('app').collection('messages');
        expect(await messages.findOne({ _id: id })).toEqual({
          _id: id,
          slug: 'hello',
          createdAt,
          tags: ['a'],
          n: 2.5,
        });
        expect((await messages.indexes()).map(({ name }) => name)).toEqual(['_id_', 'slug_1']);
        const error: unknown = await messages.insertOne({ slug: 'hello' }).catch((e: unknown) => e);
        expect((error as MongoServerError).code).toBe(11000);
      });
    } finally {
      await second.close();
    }
  });

  it('a missing file starts empty', async () => {
    const standIn = await startMongoStandIn({ persistPath: join(directory, 'none.json') });
    try {
      const databases = await withClient(standIn.uri, (client) =>
        client.db('admin').admin().listDatabases({ nameOnly: true }),
      );
      expect(databases.databases).toEqual([]);
    } finally {
      await standIn.close();
    }
  });

  it('saves leave no temporary file', async () => {
    const persistPath = join(directory, 'mongo.json');
    const standIn = await startMongoStandIn({ persistPath });
    await withClient(standIn.uri, async (client) => {
      const items = client.db('app').collection('items');
      for (let n = 0; n < 20; n += 1) await items.insertOne({ n });
    });
    await standIn.close();
    expect(await readdir(directory)).toEqual(['mongo.json']);
  });

  it('a failed save is logged and raised', async () => {
    const blocker = join(directory, 'data');
    const logged: string[] = [];
    const standIn = await startMongoStandIn({
      persistPath: join(blocker, 'mongo.json'),
      log: (message) => logged.push(message),
    });
    // A file where the data directory should be makes every save fail.
    await writeFile(blocker, 'not a directory');
    await withClient(standIn.uri, (client) => client.db('app').collection('c').insertOne({}));
    await expect(standIn.close()).rejects.toThrow(/Cannot save MongoDB stand-in data/);
    expect(logged).toContainEqual(expect.stringContaining(join(blocker, 'mongo.json')));
  });

  it('a corrupt file names the path', async () => {
    const persistPath = join(directory, 'corrupt.json');
    await writeFile(persistPath, '{"format": "mongodb-stand-in", "version": 1, "databa');
    const error = await startFailure(persistPath);
    expect(error.code).toBe('ERR_MONGO_STAND_IN_PERSISTENCE');
    expect(error.path).toBe(persistPath);
    expect(error.message).toContain(persistPath);
    expect(error.message).toContain('not valid Extended JSON');
  });

  it('a foreign file is rejected', async () => {
    const persistPath = join(directory, 'foreign.json');
    await writeFile(persistPath, JSON.stringify({ hello: 'world' }));
    const error = await startFailure(persistPath);
    expect(error.message).toContain('format "mongodb-stand-in"');
  });

  it('a malformed collection is named', async () => {
    const persistPath = join(directory, 'malformed.json');
    await writeFile(
      persistPath,
      JSON.stringify({
        format: 'mongodb-stand-in',
        version: 1,
        databases: { app: { items: { indexes: [], documents: [{ noId: true }] } } },
      }),
    );
    const error = await startFailure(persistPath);
    expect(error.message).toContain('databases.app.items.documents[0]');
  });

  it('duplicate keys in the file are rejected', async () => {
    const persistPath = join(directory, 'duplicates.json');
    await writeFile(
      persistPath,
      JSON.stringify({
        format: 'mongodb-stand-in',
        version: 1,
        databases: { app: { items: { indexes: [], documents: [{ _id: 1 }, { _id: 1 }] } } },
      }),
    );
    const error = await startFailure(persistPath);
    expect(error.message).toContain('E11000');
  });
});
