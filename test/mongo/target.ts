// The server the driver suites run against: the stand-in, or a real MongoDB when
// MONGODB_TEST_URI is set (then tests that need the stand-in's fault switches are skipped).
import { afterAll } from 'vitest';
import type { TestContext } from 'vitest';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';
import type { MongoStandIn } from '../stand-ins/mongo/index.ts';

export interface Target {
  readonly uri: string;
  /** The stand-in, or `undefined` against a real server. */
  readonly standIn: MongoStandIn | undefined;
}

const realUri = process.env.MONGODB_TEST_URI;

/** Starts the stand-in for the calling test file (stopped when the file ends), or uses the URI. */
export async function startTarget(): Promise<Target> {
  if (realUri) return { uri: realUri, standIn: undefined };
  const standIn = await startMongoStandIn();
  afterAll(() => standIn.close());
  return { uri: standIn.uri, standIn };
}

/** Returns the stand-in, or skips the test with a message when running against a real server. */
export function requireStandIn(target: Target, context: TestContext): MongoStandIn {
  if (!target.standIn) {
    return context.skip(
      'needs the stand-in fault switches; MONGODB_TEST_URI points at a real server',
    );
  }
  return target.standIn;
}

let counter = 0;

/** Returns a database name unique to this run, so a suite touches only data it created. */
export function uniqueDatabaseName(suite: string): string {
  counter += 1;
  return `standin_${suite}_${process.pid}_${counter}`;
}
