// The process's database handle: a lazy, shared connect that is not cached when it fails, and a
// ping that never waits longer than its timeout.
import { MongoClient } from 'mongodb';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { createDatabase } from '../../../service/src/db/database.ts';
import { DatabaseUnavailableError } from '../../../service/src/db/errors.ts';
import { createJsonLogger, silentLogger } from '../../../service/src/log.ts';
import { startMongoStandIn } from '../../stand-ins/mongo/index.ts';
import { testMongoSettings } from '../helpers/mongo.ts';
import { closedPortUri } from '../helpers/service.ts';

async function standInForTest() {
  const standIn = await startMongoStandIn();
  onTestFinished(() => standIn.close());
  return standIn;
}

function open(
  uri: string,
  overrides: Partial<ReturnType<typeof testMongoSettings>> = {},
  now?: () => number,
) {
  const database = createDatabase({
    settings: { ...testMongoSettings(uri, 'service_database'), ...overrides },
    logger: silentLogger,
    now,
  });
  onTestFinished(() => database.close());
  return database;
}

describe('database handle', () => {
  it('shares one connect between first callers', async () => {
    const standIn = await standInForTest();
    const connect = vi.spyOn(MongoClient.prototype, 'connect');
    const database = open(standIn.uri);

    const collections = await Promise.all(Array.from({ length: 10 }, () => database.messages()));

    expect(connect).toHaveBeenCalledTimes(1);
    expect(new Set(collections.map((collection) => collection.collectionName))).toEqual(
      new Set(['message']),
    );
  });

  it('fails fast with the server down', async () => {
    const database = open(await closedPortUri(), { serverSelectionTimeoutMS: 200 });

    const error = await database.messages().catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).message).toBe('database connect failed');
  });

  it('connects after the server comes back', async () => {
    const uri = await closedPortUri();
    const port = Number(new URL(uri).port);
    const database = open(uri, { serverSelectionTimeoutMS: 200 });
    await expect(database.messages()).rejects.toBeInstanceOf(DatabaseUnavailableError);

    const standIn = await startMongoStandIn({ port });
    onTestFinished(() => standIn.close());
    const collection = await database.messages();

    expect(await collection.countDocuments()).toBe(0);
  });

  it('waits the reconnect delay', async () => {
    let clock = 1_000_000;
    const uri = await closedPortUri();
    const port = Number(new URL(uri).port);
    const database = open(
      uri,
      { serverSelectionTimeoutMS: 200, reconnectDelayMs: 5_000 },
      () => clock,
    );
    await expect(database.messages()).rejects.toBeInstanceOf(DatabaseUnavailableError);
    const standIn = await startMongoStandIn({ port });
    onTestFinished(() => standIn.close());
    const connect = vi.spyOn(MongoClient.prototype, 'connect');

    clock += 4_000;
    const early = await database.messages().catch((caught: unknown) => caught);
    clock += 1_000;
    const later = await database.messages();

    expect(early).toBeInstanceOf(DatabaseUnavailableError);
    expect((early as DatabaseUnavailableError).message).toBe('the last database connect failed');
    expect((early as DatabaseUnavailableError).retryAfterSeconds).toBe(1);
    expect(later.collectionName).toBe('message');
    expect(connect).toHaveBeenCalledTimes(1);
  });

  it('pings within its timeout when hung', async () => {
    const standIn = await standInForTest();
    const database = open(standIn.uri);
    expect(await database.ping(500)).toBe(true);
    standIn.faults.hang();
    onTestFinished(() => standIn.faults.reset());

    expect(await database.ping(200)).toBe(false);
  });

  it('primes without throwing', async () => {
    const lines: string[] = [];
    const database = createDatabase({
      settings: testMongoSettings(await closedPortUri(), 'service_database'),
      logger: createJsonLogger({ write: (line) => lines.push(line) }),
    });
    onTestFinished(() => database.close());

    await expect(database.prime()).resolves.toBeUndefined();

    expect(lines.map((line) => (JSON.parse(line) as { message: string }).message)).toEqual([
      'database connect failed',
    ]);
  });
});
