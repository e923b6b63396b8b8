// The official driver against the stand-in (or a real server when MONGODB_TEST_URI is set):
// CRUD, cursors, updates, aggregation, indexes and server monitoring.
import { Decimal128, MongoBulkWriteError, MongoClient, MongoServerError, ObjectId } from 'mongodb';
import type { CommandStartedEvent, Db, Document } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireStandIn, startTarget, uniqueDatabaseName } from './target.ts';
import type { Target } from './target.ts';

let target: Target;
let client: MongoClient;
let db: Db;
const started: CommandStartedEvent[] = [];

beforeAll(async () => {
  target = await startTarget();
  client = new MongoClient(target.uri, { monitorCommands: true, serverSelectionTimeoutMS: 5000 });
  client.on('commandStarted', (event) => started.push(event));
  await client.connect();
  db = client.db(uniqueDatabaseName('driver'));
});

afterAll(async () => {
  await db?.dropDatabase();
  await client?.close();
});

/** A document whose `_id` may have any type, as the tests use numbers and strings. */
interface AnyDocument extends Document {
  _id?: number | string | ObjectId;
}

function collection(name: string) {
  return db.collection<AnyDocument>(name);
}

/** Commands named `name` sent since `from` (an index into `started`). */
function sentSince(from: number, name: string): CommandStartedEvent[] {
  return started.slice(from).filter((event) => event.commandName === name);
}

async function expectServerError(promise: Promise<unknown>): Promise<MongoServerError> {
  const error: unknown = await promise.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(MongoServerError);
  return error as MongoServerError;
}

describe('crud', () => {
  it('insertOne and findOne round trip', async () => {
    const messages = collection('roundTrip');
    const document = {
      _id: new ObjectId(),
      text: 'hello',
      createdAt: new Date(Date.UTC(2025, 0, 2, 3, 4, 5)),
      tags: ['a', 'b'],
      author: { name: 'Ada', verified: true },
      score: 1.5,
      amount: Decimal128.fromString('10.25'),
      missing: null,
    };
    const result = await messages.insertOne(document);
    expect(result.insertedId).toEqual(document._id);
    expect(await messages.findOne({ _id: document._id })).toEqual(document);
  });

  it('insertOne adds an _id', async () => {
    const messages = collection('generatedId');
    const { insertedId } = await messages.insertOne({ text: 'x' });
    const stored = await messages.findOne({ text: 'x' });
    expect(stored?._id).toEqual(insertedId);
    expect(Object.keys(stored ?? {})[0]).toBe('_id');
  });

  it('find returns many batches', async () => {
    const items = collection('batches');
    await items.insertMany(Array.from({ length: 1000 }, (_, n) => ({ n })));
    const from = started.length;
    const found = await items.find({}, { batchSize: 100 }).toArray();
    expect(found).toHaveLength(1000);
    expect(found.map(({ n }) => n as number)).toEqual(Array.from({ length: 1000 }, (_, n) => n));
    const getMores = sentSince(from, 'getMore');
    expect(getMores.length).toBeGreaterThanOrEqual(9);
    expect(getMores.length).toBeLessThanOrEqual(10);
  });

  it('find applies sort, skip, limit and projection', async () => {
    const items = collection('sortSkipLimit');
    await items.insertMany(
      Array.from({ length: 20 }, (_, n) => ({ n, parity: n % 2, label: `item ${n}` })),
    );
    const found = await items
      .find({ parity: 0 })
      .sort({ n: -1 })
      .skip(2)
      .limit(3)
      .project({ _id: 0, n: 1 })
      .toArray();
    expect(found).toEqual([{ n: 14 }, { n: 12 }, { n: 10 }]);
  });

  it('find with exclusion projection', async () => {
    const items = collection('exclusion');
    await items.insertOne({ _id: 1, a: 1, b: 2, c: { d: 3, e: 4 } });
    expect(await items.findOne({}, { projection: { b: 0, 'c.d': 0 } })).toEqual({
      _id: 1,
      a: 1,
      c: { e: 4 },
    });
  });

  it('find matches query operators', async () => {
    const items = collection('operators');
    await items.insertMany([
      { _id: 1, n: 5, tags: ['x'], text: 'apple' },
      { _id: 2, n: 10, tags: ['y', 'z'], text: 'banana' },
      { _id: 3, n: 15, text: 'cherry' },
    ]);
    const ids = async (filter: Document) =>
      (await items.find(filter).sort({ _id: 1 }).toArray()).map(({ _id }) => _id as number);
    expect(await ids({ n: { $gt: 5, $lte: 15 } })).toEqual([2, 3]);
    expect(await ids({ tags: 'z' })).toEqual([2]);
    expect(await ids({ tags: { $exists: false } })).toEqual([3]);
    expect(await ids({ $or: [{ n: 5 }, { text: /^ch/ }] })).toEqual([1, 3]);
    expect(await ids({ _id: { $in: [1, 3, 4] } })).toEqual([1, 3]);
  });

  it('killCursors ends an open cursor', async () => {
    const items = collection('killed');
    await items.insertMany(Array.from({ length: 50 }, (_, n) => ({ n })));
    const first = await db.command({ find: 'killed', batchSize: 10 });
    const cursorId: unknown = (first.cursor as { id: unknown }).id;
    const killed = await db.command({ killCursors: 'killed', cursors: [cursorId] });
    expect(killed.cursorsKilled).toEqual([cursorId]);
    const error = await expectServerError(db.command({ getMore: cursorId, collection: 'killed' }));
    expect(error.code).toBe(43);
    expect(error.codeName).toBe('CursorNotFound');
  });

  it('deleteOne and deleteMany', async () => {
    const items = collection('deletes');
    await items.insertMany(Array.from({ length: 6 }, (_, n) => ({ n, group: n % 3 })));
    expect((await items.deleteOne({ group: 0 })).deletedCount).toBe(1);
    expect((await items.deleteMany({ group: 1 })).deletedCount).toBe(2);
    expect(await items.countDocuments()).toBe(3);
  });
});

describe('updates', () => {
  it('updateOne applies $set, $unset, $inc and $push', async () => {
    const items = db.collection<{
      _id: number;
      name: string;
      old?: boolean;
      count: number;
      fresh?: number;
      tags: string[];
      nested: { level?: number };
    }>('operatorsUpdate');
    await items.insertOne({ _id: 1, name: 'a', old: true, count: 1, tags: ['x'], nested: {} });
    const result = await items.updateOne(
      { _id: 1 },
      {
        $set: { name: 'b', 'nested.level': 2 },
        $unset: { old: '' },
        $inc: { count: 2, fresh: 1 },
        $push: { tags: { $each: ['y', 'z'] } },
      },
    );
    expect(result.matchedCount).toBe(1);
    expect(result.modifiedCount).toBe(1);
    expect(await items.findOne({ _id: 1 })).toEqual({
      _id: 1,
      name: 'b',
      count: 3,
      tags: ['x', 'y', 'z'],
      nested: { level: 2 },
      fresh: 1,
    });
  });

  it('updateMany counts matched and modified', async () => {
    const items = collection('updateMany');
    await items.insertMany([
      { _id: 1, state: 'new' },
      { _id: 2, state: 'new' },
      { _id: 3, state: 'done' },
    ]);
    const result = await items.updateMany({ _id: { $in: [1, 2, 3] } }, { $set: { state: 'done' } });
    expect(result.matchedCount).toBe(3);
    expect(result.modifiedCount).toBe(2);
  });

  it('replaceOne keeps the _id', async () => {
    const items = collection('replace');
    await items.insertOne({ _id: 7, a: 1, b: 2 });
    await items.replaceOne({ _id: 7 }, { c: 3 });
    expect(await items.findOne({ _id: 7 })).toEqual({ _id: 7, c: 3 });
  });

  it('upsert applies $setOnInsert once', async () => {
    const items = collection('upsert');
    const first = await items.updateOne(
      { email: 'ada@example.com', 'profile.team': 'core' },
      { $set: { seen: 1 }, $setOnInsert: { createdBy: 'upsert' } },
      { upsert: true },
    );
    expect(first.upsertedCount).toBe(1);
    expect(first.upsertedId).toBeInstanceOf(ObjectId);
    const second = await items.updateOne(
      { email: 'ada@example.com' },
      { $set: { seen: 2 }, $setOnInsert: { createdBy: 'again' } },
      { upsert: true },
    );
    expect(second.upsertedCount).toBe(0);
    expect(second.matchedCount).toBe(1);
    expect(await items.findOne({}, { projection: { _id: 0 } })).toEqual({
      email: 'ada@example.com',
      profile: { team: 'core' },
      seen: 2,
      createdBy: 'upsert',
    });
  });

  it('upsert replacement takes the filter _id', async () => {
    const items = collection('upsertReplace');
    const result = await items.replaceOne({ _id: 'fixed' }, { value: 1 }, { upsert: true });
    expect(result.upsertedId).toBe('fixed');
    expect(await items.findOne({ _id: 'fixed' })).toEqual({ _id: 'fixed', value: 1 });
  });

  it('update rejects an _id change', async () => {
    const items = collection('immutableId');
    await items.insertOne({ _id: 1 });
    const error = await expectServerError(items.updateOne({ _id: 1 }, { $set: { _id: 2 } }));
    expect(error.code).toBe(66);
  });

  it('update rejects $inc on a string', async () => {
    const items = collection('typeMismatch');
    await items.insertOne({ _id: 1, count: 'one' });
    const error = await expectServerError(items.updateOne({ _id: 1 }, { $inc: { count: 1 } }));
    expect(error.code).toBe(14);
    expect(await items.findOne({ _id: 1 })).toEqual({ _id: 1, count: 'one' });
  });

  it('update rejects conflicting paths', async () => {
    const items = collection('conflict');
    await items.insertOne({ _id: 1 });
    const error = await expectServerError(
      items.updateOne({ _id: 1 }, { $set: { a: 1 }, $inc: { 'a.b': 1 } }),
    );
    expect(error.code).toBe(40);
  });

  it('findOneAndUpdate returns before or after', async () => {
    const items = collection('findAndModify');
    await items.insertOne({ _id: 1, n: 1 });
    const before = await items.findOneAndUpdate({ _id: 1 }, { $inc: { n: 1 } });
    expect(before).toEqual({ _id: 1, n: 1 });
    const after = await items.findOneAndUpdate(
      { _id: 1 },
      { $inc: { n: 1 } },
      { returnDocument: 'after', projection: { n: 1, _id: 0 } },
    );
    expect(after).toEqual({ n: 3 });
    const missing = await items.findOneAndUpdate({ _id: 2 }, { $set: { n: 0 } });
    expect(missing).toBeNull();
  });

  it('findOneAndUpdate upserts with metadata', async () => {
    const items = collection('findAndModifyUpsert');
    const result = await items.findOneAndUpdate(
      { key: 'k' },
      { $set: { value: 1 } },
      { upsert: true, returnDocument: 'after', includeResultMetadata: true },
    );
    expect(result.value).toMatchObject({ key: 'k', value: 1 });
    expect(result.lastErrorObject?.updatedExisting).toBe(false);
    expect(result.lastErrorObject?.upserted).toBeInstanceOf(ObjectId);
  });

  it('findOneAndDelete removes the first in sort order', async () => {
    const items = collection('findAndRemove');
    await items.insertMany([
      { _id: 1, rank: 2 },
      { _id: 2, rank: 1 },
    ]);
    expect(await items.findOneAndDelete({}, { sort: { rank: 1 } })).toEqual({ _id: 2, rank: 1 });
    expect(await items.countDocuments()).toBe(1);
  });

  it('findOneAndReplace replaces the document', async () => {
    const items = collection('findAndReplace');
    await items.insertOne({ _id: 1, a: 1 });
    const after = await items.findOneAndReplace({ _id: 1 }, { b: 2 }, { returnDocument: 'after' });
    expect(after).toEqual({ _id: 1, b: 2 });
  });
});

describe('counts and aggregation', () => {
  it('countDocuments, estimatedDocumentCount and distinct', async () => {
    const items = collection('counts');
    await items.insertMany(
      Array.from({ length: 30 }, (_, n) => ({ n, color: ['red', 'green', 'blue'][n % 3] })),
    );
    expect(await items.countDocuments({ color: 'red' })).toBe(10);
    expect(await items.countDocuments({}, { skip: 5, limit: 10 })).toBe(10);
    expect(await items.estimatedDocumentCount()).toBe(30);
    expect((await items.distinct('color')).sort()).toEqual(['blue', 'green', 'red']);
    expect(await collection('noSuchCollection').countDocuments()).toBe(0);
  });

  it('aggregate with $match, $group, $sort, $project', async () => {
    const items = collection('aggregate');
    await items.insertMany([
      { author: 'a', likes: 3 },
      { author: 'b', likes: 5 },
      { author: 'a', likes: 4 },
      { author: 'c', likes: 0 },
    ]);
    const result = await items
      .aggregate([
        { $match: { likes: { $gt: 0 } } },
        { $group: { _id: '$author', total: { $sum: '$likes' }, posts: { $sum: 1 } } },
        { $sort: { total: -1 } },
        { $project: { _id: 0, author: '$_id', total: 1, posts: 1 } },
      ])
      .toArray();
    expect(result).toEqual([
      { total: 7, posts: 2, author: 'a' },
      { total: 5, posts: 1, author: 'b' },
    ]);
  });

  it('aggregate with $skip, $limit and $count', async () => {
    const items = collection('aggregateCount');
    await items.insertMany(Array.from({ length: 12 }, (_, n) => ({ n })));
    const counted = await items
      .aggregate([{ $sort: { n: 1 } }, { $skip: 2 }, { $limit: 5 }, { $count: 'total' }])
      .toArray();
    expect(counted).toEqual([{ total: 5 }]);
  });

  it('aggregate rejects an unknown stage', async () => {
    const items = collection('aggregateUnknown');
    await items.insertOne({ a: 1 });
    const error = await expectServerError(items.aggregate([{ $noSuchStage: {} }]).toArray());
    expect(error.code).toBe(40324);
  });
});

describe('unique indexes', () => {
  it('insertOne duplicate gives 11000', async () => {
    const users = collection('uniqueInsert');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'ada@example.com' });
    const error = await expectServerError(users.insertOne({ email: 'ada@example.com' }));
    expect(error.code).toBe(11000);
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'ada@example.com' });
    expect(error.message).toBe(
      `E11000 duplicate key error collection: ${db.databaseName}.uniqueInsert index: email_1 dup key: { email: "ada@example.com" }`,
    );
    expect(await users.countDocuments()).toBe(1);
  });

  it('duplicate _id gives 11000', async () => {
    const items = collection('uniqueId');
    await items.insertOne({ _id: 5 });
    const error = await expectServerError(items.insertOne({ _id: 5 }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ _id: 5 });
  });

  it('insertMany unordered reports each duplicate', async () => {
    const users = collection('uniqueMany');
    await users.createIndex({ email: 1 }, { unique: true });
    const error: unknown = await users
      .insertMany(
        [{ email: 'a' }, { email: 'a' }, { email: 'b' }, { email: 'b' }, { email: 'c' }],
        { ordered: false },
      )
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    const bulk = error as MongoBulkWriteError;
    expect(bulk.insertedCount).toBe(3);
    expect(bulk.writeErrors).toHaveLength(2);
    const writeErrors = [bulk.writeErrors].flat() as { index: number; code: number }[];
    expect(writeErrors.map((writeError) => writeError.index)).toEqual([1, 3]);
    expect(writeErrors.map((writeError) => writeError.code)).toEqual([11000, 11000]);
  });

  it('insertMany ordered stops at the duplicate', async () => {
    const users = collection('uniqueOrdered');
    await users.createIndex({ email: 1 }, { unique: true });
    const error: unknown = await users
      .insertMany([{ email: 'a' }, { email: 'a' }, { email: 'b' }])
      .catch((failure: unknown) => failure);
    expect(error).toBeInstanceOf(MongoBulkWriteError);
    expect((error as MongoBulkWriteError).insertedCount).toBe(1);
    expect(await users.countDocuments()).toBe(1);
  });

  it('updateOne into a duplicate gives 11000', async () => {
    const users = collection('uniqueUpdate');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertMany([
      { _id: 1, email: 'a' },
      { _id: 2, email: 'b' },
    ]);
    const error = await expectServerError(users.updateOne({ _id: 2 }, { $set: { email: 'a' } }));
    expect(error.code).toBe(11000);
    expect(error.keyValue).toEqual({ email: 'a' });
    expect(await users.findOne({ _id: 2 })).toEqual({ _id: 2, email: 'b' });
  });

  it('upsert into a duplicate gives 11000', async () => {
    const users = collection('uniqueUpsert');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertOne({ email: 'a', name: 'first' });
    const error = await expectServerError(
      users.updateOne({ name: 'second' }, { $set: { email: 'a' } }, { upsert: true }),
    );
    expect(error.code).toBe(11000);
    expect(await users.countDocuments()).toBe(1);
  });

  it('findOneAndUpdate duplicate is a command error', async () => {
    const users = collection('uniqueFindAndModify');
    await users.createIndex({ email: 1 }, { unique: true });
    await users.insertMany([
      { _id: 1, email: 'a' },
      { _id: 2, email: 'b' },
    ]);
    const error = await expectServerError(
      users.findOneAndUpdate({ _id: 2 }, { $set: { email: 'a' } }),
    );
    expect(error.code).toBe(11000);
    expect(error.codeName).toBe('DuplicateKey');
    expect(error.keyPattern).toEqual({ email: 1 });
    expect(error.keyValue).toEqual({ email: 'a' });
  });

  it('compound unique index compares both fields', async () => {
    const members = collection('uniqueCompound');
    await members.createIndex({ team: 1, user: 1 }, { unique: true });
    await members.insertMany([
      { team: 't1', user: 'u1' },
      { team: 't1', user: 'u2' },
      { team: 't2', user: 'u1' },
    ]);
    const error = await expectServerError(members.insertOne({ team: 't1', user: 'u2' }));
    expect(error.keyPattern).toEqual({ team: 1, user: 1 });
    expect(error.keyValue).toEqual({ team: 't1', user: 'u2' });
  });

  it('sparse unique index skips missing fields', async () => {
    const users = collection('uniqueSparse');
    await users.createIndex({ nickname: 1 }, { unique: true, sparse: true });
    await users.insertMany([{ name: 'a' }, { name: 'b' }, { nickname: 'x' }]);
    const error = await expectServerError(users.insertOne({ nickname: 'x' }));
    expect(error.code).toBe(11000);
  });

  it('unique index treats missing as null', async () => {
    const users = collection('uniqueMissing');
    await users.createIndex({ nickname: 1 }, { unique: true });
    await users.insertOne({ name: 'a' });
    const error = await expectServerError(users.insertOne({ name: 'b' }));
    expect(error.keyValue).toEqual({ nickname: null });
  });

  it('createIndex over duplicates fails', async () => {
    const users = collection('uniqueLate');
    await users.insertMany([{ email: 'a' }, { email: 'a' }]);
    const error = await expectServerError(users.createIndex({ email: 1 }, { unique: true }));
    expect(error.code).toBe(11000);
    expect((await users.indexes()).map(({ name }) => name)).toEqual(['_id_']);
  });
});

describe('indexes', () => {
  it('createIndex, listIndexes and dropIndex', async () => {
    const items = collection('indexList');
    await items.createIndex({ a: 1 });
    await items.createIndex({ b: -1, c: 1 }, { name: 'b_c', unique: true });
    const indexes = await items.indexes();
    expect(indexes.map(({ name, key, unique }) => ({ name, key, unique }))).toEqual([
      { name: '_id_', key: { _id: 1 }, unique: undefined },
      { name: 'a_1', key: { a: 1 }, unique: undefined },
      { name: 'b_c', key: { b: -1, c: 1 }, unique: true },
    ]);
    await items.dropIndex('a_1');
    expect((await items.indexes()).map(({ name }) => name)).toEqual(['_id_', 'b_c']);
    await items.dropIndexes();
    expect((await items.indexes()).map(({ name }) => name)).toEqual(['_id_']);
  });

  it('createIndex twice is a no-op', async () => {
    const items = collection('indexTwice');
    expect(await items.createIndex({ a: 1 })).toBe('a_1');
    expect(await items.createIndex({ a: 1 })).toBe('a_1');
    expect(await items.indexes()).toHaveLength(2);
  });

  it('dropIndex rejects _id_ and unknown names', async () => {
    const items = collection('indexDrop');
    await items.insertOne({ a: 1 });
    expect((await expectServerError(items.dropIndex('_id_'))).code).toBe(72);
    expect((await expectServerError(items.dropIndex('nope_1'))).code).toBe(27);
  });

  it('listIndexes of a missing collection', async () => {
    const error = await expectServerError(db.command({ listIndexes: 'neverCreated' }));
    expect(error.code).toBe(26);
  });

  it('lookups examine only matching documents', async () => {
    const items = collection('indexLookup');
    await items.createIndex({ email: 1 }, { unique: true });
    await items.insertMany(
      Array.from({ length: 200 }, (_, n) => ({ _id: n, email: `u${n}@x`, plain: n })),
    );
    const stats = async (filter: Document) =>
      (await items.find(filter).explain('executionStats')).executionStats as {
        totalDocsExamined: number;
        nReturned: number;
      };
    expect((await stats({ _id: 42 })).totalDocsExamined).toBe(1);
    expect((await stats({ email: 'u7@x' })).totalDocsExamined).toBe(1);
    expect((await stats({ email: { $in: ['u1@x', 'u2@x'] } })).totalDocsExamined).toBe(2);
    expect((await stats({ plain: 7 })).totalDocsExamined).toBe(200);
    expect((await stats({ plain: 7 })).nReturned).toBe(1);
  });
});

describe('commands', () => {
  it('ping, buildInfo and hello', async () => {
    const admin = db.admin();
    expect((await admin.ping()).ok).toBe(1);
    const info = await admin.buildInfo();
    expect(typeof info.version).toBe('string');
    const hello = await admin.command({ hello: 1 });
    expect(hello.isWritablePrimary).toBe(true);
    expect(hello.logicalSessionTimeoutMinutes).toBeGreaterThan(0);
    expect(hello.maxWireVersion).toBeGreaterThanOrEqual(17);
  });

  it('unknown command gives CommandNotFound', async () => {
    const error = await expectServerError(db.command({ noSuchCommand: 1 }));
    expect(error.code).toBe(59);
    expect(error.codeName).toBe('CommandNotFound');
  });

  it('unknown field is rejected', async () => {
    const error = await expectServerError(db.command({ find: 'x', noSuchOption: 1 }));
    expect(error.code).toBe(40415);
  });

  it('maxTimeMS on a fast query succeeds', async () => {
    const items = collection('maxTimeFast');
    await items.insertOne({ a: 1 });
    expect(await items.find({}).maxTimeMS(5000).toArray()).toHaveLength(1);
  });

  it('maxTimeMS expires during a slow command', async (context) => {
    const standIn = requireStandIn(target, context);
    const items = collection('maxTimeSlow');
    await items.insertOne({ a: 1 });
    standIn.faults.failCommands({
      failCommands: ['find'],
      blockConnection: true,
      blockTimeMS: 10_000,
    });
    const error = await expectServerError(items.find({}).maxTimeMS(20).toArray());
    expect(error.code).toBe(50);
    expect(error.codeName).toBe('MaxTimeMSExpired');
  });

  it('collections are created, listed and dropped', async () => {
    await db.createCollection('listedA');
    await db.createCollection('listedA');
    await collection('listedB').insertOne({});
    const names = (await db.listCollections({}, { nameOnly: true }).toArray()).map(
      ({ name }) => name,
    );
    expect(names).toEqual(expect.arrayContaining(['listedA', 'listedB']));
    const filtered = await db.listCollections({ name: 'listedB' }).toArray();
    expect(filtered.map(({ name }) => name)).toEqual(['listedB']);
    expect(await collection('listedA').drop()).toBe(true);
    const after = (await db.listCollections().toArray()).map(({ name }) => name);
    expect(after).not.toContain('listedA');
  });

  it('listDatabases and dropDatabase', async () => {
    const other = client.db(uniqueDatabaseName('dropped'));
    await other.collection('c').insertOne({ a: 1 });
    const listed = await client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(listed.databases.map(({ name }) => name)).toContain(other.databaseName);
    await other.dropDatabase();
    const after = await client.db('admin').admin().listDatabases({ nameOnly: true });
    expect(after.databases.map(({ name }) => name)).not.toContain(other.databaseName);
  });

  it('session writes carry txnNumber', async () => {
    const from = started.length;
    await collection('retryable').insertOne({ a: 1 });
    const [insert] = sentSince(from, 'insert');
    expect(insert?.command.lsid).toBeDefined();
    expect(insert?.command.txnNumber).toBeDefined();
  });
});

describe('monitoring', () => {
  it('idle client keeps its pool', async () => {
    const monitored = new MongoClient(target.uri, { heartbeatFrequencyMS: 500 });
    const cleared: unknown[] = [];
    const failed: unknown[] = [];
    const awaited: boolean[] = [];
    monitored.on('connectionPoolCleared', (event) => cleared.push(event));
    monitored.on('serverHeartbeatFailed', (event) => failed.push(event.failure));
    monitored.on('serverHeartbeatSucceeded', (event) => awaited.push(event.awaited));
    try {
      await monitored.db('admin').command({ ping: 1 });
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      await monitored.db('admin').command({ ping: 1 });
    } finally {
      await monitored.close();
    }
    expect(failed).toEqual([]);
    expect(cleared).toEqual([]);
    expect(awaited.filter(Boolean).length).toBeGreaterThanOrEqual(4);
  });
});
