// The stand-in's fault switches, seen through the official driver: failed commands (and the
// driver's retry of retryable writes), a hanging server, dropped and refused connections.
import {
  MongoClient,
  MongoNetworkError,
  MongoServerError,
  MongoServerSelectionError,
} from 'mongodb';
import type { CommandStartedEvent, MongoClientOptions } from 'mongodb';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { MongoStandIn } from '../stand-ins/mongo/index.ts';
import { requireStandIn, startTarget, uniqueDatabaseName } from './target.ts';
import type { Target } from './target.ts';

let target: Target;

beforeAll(async () => {
  target = await startTarget();
});

/** Connects a client that is closed, with the faults reset, when the test finishes. */
async function connect(standIn: MongoStandIn, options: MongoClientOptions = {}) {
  const client = new MongoClient(standIn.uri, { serverSelectionTimeoutMS: 2000, ...options });
  const started: CommandStartedEvent[] = [];
  client.on('commandStarted', (event) => started.push(event));
  onTestFinished(async () => {
    standIn.faults.reset();
    await client.close();
  });
  await client.connect();
  const db = client.db(uniqueDatabaseName('faults'));
  return { client, db, started };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('failCommands', () => {
  it('fails the next matching commands', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db } = await connect(standIn);
    const items = db.collection('failNext');
    await items.insertOne({ a: 1 });
    standIn.faults.failCommands({
      failCommands: ['find'],
      errorCode: 2,
      errmsg: 'injected failure',
      times: 2,
    });
    for (const attempt of [1, 2]) {
      const error = await failure(items.findOne({}));
      expect(error, `attempt ${attempt}`).toBeInstanceOf(MongoServerError);
      expect((error as MongoServerError).code).toBe(2);
      expect((error as MongoServerError).message).toBe('injected failure');
    }
    expect(await items.findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
  });

  it('defaults to every command but hello', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db } = await connect(standIn, { heartbeatFrequencyMS: 500 });
    standIn.faults.failCommands({ errorCode: 8 });
    const error = await failure(db.command({ ping: 1 }));
    expect((error as MongoServerError).code).toBe(8);
    expect((await db.command({ ping: 1 })).ok).toBe(1);
  });

  it('retries a write after a retryable error', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db, started } = await connect(standIn, { monitorCommands: true });
    const items = db.collection('retried');
    // HostUnreachable (6) is retryable without marking the server unknown, so no wait follows.
    standIn.faults.failCommands({ failCommands: ['insert'], errorCode: 6 });
    await items.insertOne({ a: 1 });
    const inserts = started.filter((event) => event.commandName === 'insert');
    expect(inserts).toHaveLength(2);
    expect(inserts[1]?.command.txnNumber).toEqual(inserts[0]?.command.txnNumber);
    expect(await items.countDocuments()).toBe(1);
  });

  it('labels a retryable write error', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db } = await connect(standIn);
    const items = db.collection('retriedTwice');
    standIn.faults.failCommands({ failCommands: ['insert'], errorCode: 6, times: 2 });
    const error = await failure(items.insertOne({ a: 1 }));
    expect(error).toBeInstanceOf(MongoServerError);
    expect((error as MongoServerError).code).toBe(6);
    expect((error as MongoServerError).hasErrorLabel('RetryableWriteError')).toBe(true);
    expect(await items.countDocuments()).toBe(0);
  });

  it('closeConnection makes the driver retry', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db, started } = await connect(standIn, { monitorCommands: true });
    const items = db.collection('closedInsert');
    standIn.faults.failCommands({ failCommands: ['insert'], closeConnection: true });
    await items.insertOne({ a: 1 });
    expect(started.filter((event) => event.commandName === 'insert')).toHaveLength(2);
    expect(await items.countDocuments()).toBe(1);
  });

  it('appName limits the failure to one client', async (context) => {
    const standIn = requireStandIn(target, context);
    const victim = await connect(standIn, { appName: 'victim' });
    const bystander = await connect(standIn, { appName: 'bystander' });
    standIn.faults.failCommands({ errorCode: 2, appName: 'victim', times: 5 });
    expect((await bystander.db.command({ ping: 1 })).ok).toBe(1);
    const error = await failure(victim.db.command({ ping: 1 }));
    expect((error as MongoServerError).code).toBe(2);
  });

  it('configureFailPoint sets and clears the rule', async (context) => {
    const standIn = requireStandIn(target, context);
    const { client, db } = await connect(standIn);
    const admin = client.db('admin');
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { failCommands: ['count'], errorCode: 2 },
    });
    for (const attempt of [1, 2, 3]) {
      const error = await failure(db.collection('c').estimatedDocumentCount());
      expect((error as MongoServerError).code, `attempt ${attempt}`).toBe(2);
    }
    await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect(await db.collection('c').estimatedDocumentCount()).toBe(0);
  });

  it('configureFailPoint off escapes a catch-all rule', async (context) => {
    const standIn = requireStandIn(target, context);
    const { client } = await connect(standIn);
    const admin = client.db('admin');
    await admin.command({
      configureFailPoint: 'failCommand',
      mode: 'alwaysOn',
      data: { errorCode: 2 },
    });
    const error = await failure(admin.command({ ping: 1 }));
    expect((error as MongoServerError).code).toBe(2);
    await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
    expect((await admin.command({ ping: 1 })).ok).toBe(1);
  });

  it('rejects a rule without an effect', (context) => {
    const standIn = requireStandIn(target, context);
    expect(() => standIn.faults.failCommands({ failCommands: ['find'] })).toThrow(RangeError);
    expect(() => standIn.faults.failCommands({ errorCode: 2, times: 0 })).toThrow(/times/);
  });
});

describe('connections', () => {
  it('hang times out operations until resume', async (context) => {
    const standIn = requireStandIn(target, context);
    // The driver's own timeouts end the wait: the socket timeout for the request in flight, the
    // connect timeout for the connection its retry opens.
    const { db } = await connect(standIn, {
      socketTimeoutMS: 300,
      connectTimeoutMS: 300,
      serverSelectionTimeoutMS: 500,
    });
    const items = db.collection('hang');
    await items.insertOne({ a: 1 });
    standIn.faults.hang();
    const error = await failure(items.findOne({}));
    expect(error).toBeInstanceOf(MongoNetworkError);
    standIn.faults.resume();
    expect(await items.findOne({}, { projection: { _id: 0 } })).toEqual({ a: 1 });
  });

  it('hang blocks new connections', async (context) => {
    const standIn = requireStandIn(target, context);
    standIn.faults.hang();
    const client = new MongoClient(standIn.uri, {
      serverSelectionTimeoutMS: 300,
      connectTimeoutMS: 300,
    });
    onTestFinished(async () => {
      standIn.faults.reset();
      await client.close();
    });
    const error = await failure(client.db('admin').command({ ping: 1 }));
    expect(error).toBeInstanceOf(MongoServerSelectionError);
  });

  it('closeConnections drops every socket', async (context) => {
    const standIn = requireStandIn(target, context);
    const { db } = await connect(standIn);
    await db.collection('dropped').insertOne({ a: 1 });
    const open = standIn.openConnections;
    expect(open).toBeGreaterThanOrEqual(2);
    expect(standIn.faults.closeConnections()).toBe(open);
    expect(await db.collection('dropped').countDocuments()).toBe(1);
  });

  it('refuseConnections fails server selection', async (context) => {
    const standIn = requireStandIn(target, context);
    standIn.faults.refuseConnections(true);
    const client = new MongoClient(standIn.uri, { serverSelectionTimeoutMS: 300 });
    onTestFinished(async () => {
      standIn.faults.reset();
      await client.close();
    });
    const error = await failure(client.db('admin').command({ ping: 1 }));
    expect(error).toBeInstanceOf(MongoServerSelectionError);
    standIn.faults.refuseConnections(false);
    const next = new MongoClient(standIn.uri, { serverSelectionTimeoutMS: 2000 });
    onTestFinished(() => next.close());
    expect((await next.db('admin').command({ ping: 1 })).ok).toBe(1);
  });
});
