// Unit tests of the stand-in's store: query planning, index keys, update validation, cursors and
// message framing. The driver suites prove the behaviour end to end; these pin the edge cases.
import { Long, ObjectId, serialize } from 'bson';
import type { Document } from 'bson';
import { describe, expect, it } from 'vitest';
import { CursorRegistry } from '../stand-ins/mongo/cursors.ts';
import { Deadline } from '../stand-ins/mongo/deadline.ts';
import { CommandError } from '../stand-ins/mongo/errors.ts';
import { Catalog } from '../stand-ins/mongo/store/catalog.ts';
import { Collection } from '../stand-ins/mongo/store/collection.ts';
import { removeExpired } from '../stand-ins/mongo/store/ttl.ts';
import { applyUpdate, buildUpsertDocument, parseUpdate } from '../stand-ins/mongo/store/update.ts';
import { canonicalKey, formatValue } from '../stand-ins/mongo/store/values.ts';
import { MessageReader } from '../stand-ins/mongo/wire.ts';

function codeOf(run: () => unknown): number | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof CommandError) return error.code;
    throw error;
  }
  return undefined;
}

function collectionWith(documents: Document[], indexes: Document[] = []): Collection {
  const collection = new Collection('db', 'items');
  for (const [position, key] of indexes.entries()) {
    collection.addIndex({ v: 2, key, name: `index_${position}` });
  }
  for (const document of documents) collection.insert(document);
  return collection;
}

describe('planner', () => {
  const documents = Array.from({ length: 10 }, (_, n) => ({ _id: n, a: n % 3, b: `b${n}` }));

  it('uses IDHACK for _id equality', () => {
    const plan = collectionWith(documents).plan({ _id: 4 });
    expect(plan.stage).toBe('IDHACK');
    expect(plan.recordIds).toHaveLength(1);
  });

  it('uses an index for $in and $eq', () => {
    const collection = collectionWith(documents, [{ a: 1 }]);
    expect(collection.plan({ a: { $in: [0, 1] } }).recordIds).toHaveLength(7);
    expect(collection.plan({ a: { $eq: 2 } }).recordIds).toHaveLength(3);
    expect(collection.plan({ $and: [{ a: 2 }, { b: 'b2' }] }).stage).toBe('IXSCAN');
  });

  it('uses a compound index prefix', () => {
    const collection = collectionWith(documents, [{ a: 1, b: 1 }]);
    expect(collection.plan({ a: 1 }).recordIds).toHaveLength(3);
    expect(collection.plan({ a: 1, b: 'b4' }).recordIds).toEqual([5]);
  });

  it('scans for ranges and regular expressions', () => {
    const collection = collectionWith(documents, [{ a: 1 }]);
    expect(collection.plan({ a: { $gt: 1 } }).stage).toBe('COLLSCAN');
    expect(collection.plan({ b: /^b/ }).stage).toBe('COLLSCAN');
  });

  it('skips a sparse index for null', () => {
    const collection = new Collection('db', 'items');
    collection.addIndex({ v: 2, key: { nick: 1 }, name: 'nick_1', sparse: true });
    collection.insert({ _id: 1 });
    expect(collection.plan({ nick: null }).stage).toBe('COLLSCAN');
    expect(collection.plan({ nick: 'x' }).stage).toBe('IXSCAN');
  });

  it('skips a partial index', () => {
    const collection = new Collection('db', 'items');
    collection.addIndex({
      v: 2,
      key: { email: 1 },
      name: 'email_1',
      unique: true,
      partialFilterExpression: { active: true },
    });
    collection.insert({ _id: 1, email: 'a', active: false });
    collection.insert({ _id: 2, email: 'a', active: true });
    expect(collection.plan({ email: 'a' }).stage).toBe('COLLSCAN');
    expect(codeOf(() => collection.insert({ _id: 3, email: 'a', active: true }))).toBe(11000);
  });
});

describe('index keys', () => {
  it('multikey unique compares elements', () => {
    const collection = collectionWith([], []);
    collection.addIndex({ v: 2, key: { tags: 1 }, name: 'tags_1', unique: true });
    collection.insert({ _id: 1, tags: ['a', 'b', 'b'] });
    expect(codeOf(() => collection.insert({ _id: 2, tags: ['c', 'a'] }))).toBe(11000);
    expect(codeOf(() => collection.insert({ _id: 3, tags: ['c'] }))).toBeUndefined();
  });

  it('parallel arrays cannot be indexed', () => {
    const collection = collectionWith([], [{ a: 1, b: 1 }]);
    expect(codeOf(() => collection.insert({ _id: 1, a: [1], b: [2] }))).toBe(171);
  });

  it('numbers compare across types', () => {
    expect(canonicalKey(1)).toBe(canonicalKey(Long.fromNumber(1)));
    expect(canonicalKey(1)).not.toBe(canonicalKey('1'));
    expect(canonicalKey(null)).toBe(canonicalKey(undefined));
    expect(canonicalKey({ a: 1, b: 2 })).not.toBe(canonicalKey({ b: 2, a: 1 }));
  });

  it('formats values like mongod', () => {
    const id = new ObjectId('64b7f0c2a1b2c3d4e5f60718');
    expect(formatValue(id)).toBe("ObjectId('64b7f0c2a1b2c3d4e5f60718')");
    expect(formatValue(new Date(5))).toBe('new Date(5)');
    expect(formatValue({ a: 'x', b: [1, 2] })).toBe('{ a: "x", b: [ 1, 2 ] }');
  });

  it('replace checks unique keys first', () => {
    const collection = collectionWith([], [{ email: 1 }]);
    collection.addIndex({ v: 2, key: { code: 1 }, name: 'code_1', unique: true });
    collection.insert({ _id: 1, code: 'a' });
    collection.insert({ _id: 2, code: 'b' });
    expect(codeOf(() => collection.replace(2, { _id: 2, code: 'a' }))).toBe(11000);
    expect(collection.get(2)).toEqual({ _id: 2, code: 'b' });
  });
});

describe('updates', () => {
  const filter = {};

  it('parseUpdate rejects malformed updates', () => {
    expect(codeOf(() => parseUpdate({ $nope: { a: 1 } }))).toBe(9);
    expect(codeOf(() => parseUpdate({ $set: 1 }))).toBe(9);
    expect(codeOf(() => parseUpdate({ a: 1, $set: { b: 1 } }))).toBe(52);
    expect(codeOf(() => parseUpdate([{ $match: {} }]))).toBe(72);
    expect(codeOf(() => parseUpdate('text'))).toBe(9);
    expect(codeOf(() => parseUpdate({ $rename: { a: 'b' }, $set: { b: 1 } }))).toBe(40);
  });

  it('applyUpdate checks types and paths', () => {
    const document = { _id: 1, text: 'x', n: 5, list: [1] };
    const apply = (update: Document) =>
      applyUpdate(document, parseUpdate(update), { filter, inserting: false });
    expect(codeOf(() => apply({ $push: { text: 1 } }))).toBe(2);
    expect(codeOf(() => apply({ $addToSet: { n: 1 } }))).toBe(2);
    expect(codeOf(() => apply({ $inc: { n: 'one' } }))).toBe(14);
    expect(codeOf(() => apply({ $set: { 'n.deep': 1 } }))).toBe(28);
    expect(codeOf(() => apply({ $set: { _id: 2 } }))).toBe(66);
    expect(apply({ $set: { _id: 1, n: 6 } })).toEqual({ _id: 1, text: 'x', n: 6, list: [1] });
    expect(document.n).toBe(5);
  });

  it('applyUpdate supports the positional operator', () => {
    const document = {
      _id: 1,
      items: [
        { sku: 'a', qty: 1 },
        { sku: 'b', qty: 1 },
      ],
    };
    const updated = applyUpdate(document, parseUpdate({ $inc: { 'items.$.qty': 2 } }), {
      filter: { 'items.sku': 'b' },
      inserting: false,
    });
    expect(updated.items).toEqual([
      { sku: 'a', qty: 1 },
      { sku: 'b', qty: 3 },
    ]);
  });

  it('pipeline update sets computed fields', () => {
    const updated = applyUpdate(
      { _id: 1, a: 2 },
      parseUpdate([{ $set: { b: { $multiply: ['$a', 10] } } }]),
      { filter, inserting: false },
    );
    expect(updated).toEqual({ _id: 1, a: 2, b: 20 });
  });

  it('upsert document takes filter equalities', () => {
    const document = buildUpsertDocument(
      { $and: [{ team: 'core' }, { 'owner.name': { $eq: 'ada' } }], age: { $gt: 3 } },
      parseUpdate({ $set: { state: 'new' }, $setOnInsert: { _id: 'fixed' } }),
      { filter },
    );
    expect(document).toEqual({
      _id: 'fixed',
      team: 'core',
      owner: { name: 'ada' },
      state: 'new',
    });
    expect(Object.keys(document)[0]).toBe('_id');
  });
});

describe('ttl', () => {
  it('removes expired documents only', () => {
    const catalog = new Catalog();
    const collection = catalog.create('db', 'sessions');
    collection.addIndex({ v: 2, key: { seenAt: 1 }, name: 'seenAt_1', expireAfterSeconds: 60 });
    const now = Date.UTC(2025, 0, 1, 12, 0, 0);
    collection.insert({ _id: 'old', seenAt: new Date(now - 61_000) });
    collection.insert({ _id: 'fresh', seenAt: new Date(now - 59_000) });
    collection.insert({ _id: 'array', seenAt: [new Date(now), new Date(now - 120_000)] });
    collection.insert({ _id: 'text', seenAt: 'yesterday' });
    collection.insert({ _id: 'missing' });
    expect(removeExpired(catalog, now)).toBe(2);
    const left = [...collection.documents()].map(([, document]) => document._id as string);
    expect(left).toEqual(['fresh', 'text', 'missing']);
  });

  it('respects a partial filter', () => {
    const catalog = new Catalog();
    const collection = catalog.create('db', 'tokens');
    collection.addIndex({
      v: 2,
      key: { at: 1 },
      name: 'at_1',
      expireAfterSeconds: 0,
      partialFilterExpression: { kind: 'temporary' },
    });
    collection.insert({ _id: 1, at: new Date(0), kind: 'temporary' });
    collection.insert({ _id: 2, at: new Date(0), kind: 'permanent' });
    expect(removeExpired(catalog, 1_000)).toBe(1);
    expect(collection.get(2)).toEqual({ _id: 2, at: new Date(0), kind: 'permanent' });
  });
});

describe('cursors', () => {
  it('idle cursors time out', () => {
    let now = 0;
    const cursors = new CursorRegistry({ idleTimeoutMS: 1000, now: () => now });
    const documents = Array.from({ length: 5 }, (_, n) => ({ n }));
    const first = cursors.open('db.items', documents, { batchSize: 2 });
    const id = Number(first.id);
    expect(cursors.getMore(id, 'db.items', 2).nextBatch).toEqual([{ n: 2 }, { n: 3 }]);
    now = 5000;
    expect(codeOf(() => cursors.getMore(id, 'db.items', 2))).toBe(43);
  });

  it('getMore checks the namespace', () => {
    const cursors = new CursorRegistry();
    const first = cursors.open('db.items', [{}, {}, {}], { batchSize: 1 });
    expect(codeOf(() => cursors.getMore(Number(first.id), 'db.other', 1))).toBe(13);
  });

  it('singleBatch closes the cursor', () => {
    const cursors = new CursorRegistry();
    const first = cursors.open('db.items', [{}, {}, {}], { batchSize: 1, singleBatch: true });
    expect(Number(first.id)).toBe(0);
    expect(cursors.openCount).toBe(0);
  });

  it('scan stops at the deadline', async () => {
    const collection = collectionWith(Array.from({ length: 600 }, (_, n) => ({ _id: n })));
    const deadline = new Deadline(1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(codeOf(() => collection.read(collection.plan({}), deadline))).toBe(50);
    expect(collection.read(collection.plan({}), Deadline.none()).examined).toBe(600);
  });

  it('deadline without maxTimeMS never expires', () => {
    expect(Deadline.none().remaining()).toBe(Infinity);
    expect(codeOf(() => new Deadline(0).check())).toBeUndefined();
  });
});

describe('MessageReader', () => {
  it('joins and splits chunks', () => {
    const message = (id: number) => {
      const body = Buffer.from(serialize({ ping: id }));
      const header = Buffer.alloc(21);
      header.writeInt32LE(21 + body.length, 0);
      header.writeInt32LE(id, 4);
      header.writeInt32LE(2013, 12);
      return Buffer.concat([header, body]);
    };
    const stream = Buffer.concat([message(1), message(2)]);
    const reader = new MessageReader();
    const first = reader.push(stream.subarray(0, 3));
    const rest = reader.push(stream.subarray(3));
    expect(first).toEqual([]);
    expect(rest.map((buffer) => buffer.readInt32LE(4))).toEqual([1, 2]);
  });

  it('rejects an oversized length', () => {
    const header = Buffer.alloc(16);
    header.writeInt32LE(64 * 1024 * 1024, 0);
    expect(() => new MessageReader().push(header)).toThrow(/messageLength/);
  });
});
