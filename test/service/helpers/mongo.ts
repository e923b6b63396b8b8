// The MongoDB server the data-layer suites run against: the wire stand-in, or a real server when
// MONGODB_TEST_URI is set. Each suite uses its own database, dropped before use.
import { MongoClient } from 'mongodb';
import type { TestContext } from 'vitest';
import { afterAll } from 'vitest';
import type { MongoSettings } from '../../../service/src/config.ts';
import type { MongoStandIn } from '../../stand-ins/mongo/index.ts';
import { startMongoStandIn } from '../../stand-ins/mongo/index.ts';

export interface MongoTarget {
  uri: string;
  /** The stand-in, or undefined against a real server. */
  standIn: MongoStandIn | undefined;
}

const realUri = process.env.MONGODB_TEST_URI;

/** Starts the stand-in for the calling file (stopped when the file ends), or uses the real URI. */
export async function startMongoTarget(): Promise<MongoTarget> {
  if (realUri !== undefined && realUri !== '') {
    return { uri: realUri, standIn: undefined };
  }
  const standIn = await startMongoStandIn();
  afterAll(() => standIn.close());
  return { uri: standIn.uri, standIn };
}

/** Returns the stand-in, or skips the test with a message against a real server. */
export function requireStandIn(target: MongoTarget, context: TestContext): MongoStandIn {
  if (target.standIn === undefined) {
    return context.skip('needs the stand-in fault switches; MONGODB_TEST_URI is a real server');
  }
  return target.standIn;
}

let counter = 0;

/** Returns a database name no other suite or test uses, after dropping any leftover copy. */
export async function freshDatabase(target: MongoTarget, suite: string): Promise<string> {
  counter += 1;
  const name = `service_${suite}_${process.pid}_${counter}`;
  const client = new MongoClient(target.uri, { serverSelectionTimeoutMS: 2_000 });
  try {
    await client.db(name).dropDatabase();
  } finally {
    await client.close();
  }
  return name;
}

/** Driver settings with short timeouts, so a failing test fails in about a second. */
export function testMongoSettings(uri: string, databaseName: string): MongoSettings {
  return {
    uri,
    databaseName,
    maxPoolSize: 5,
    serverSelectionTimeoutMS: 1_000,
    connectTimeoutMS: 1_000,
    socketTimeoutMS: 2_000,
    maxTimeMS: 1_000,
    reconnectDelayMs: 0,
  };
}
