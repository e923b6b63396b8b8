// The message store through the real driver, against the wire stand-in or, with
// MONGODB_TEST_URI set, a real MongoDB server: the same tests run unchanged on both.
import { MongoClient, ObjectId } from 'mongodb';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { MongoSettings } from '../../../service/src/config.ts';
import type { CursorPosition } from '../../../service/src/db/cursor.ts';
import { createDatabase } from '../../../service/src/db/database.ts';
import { DatabaseUnavailableError } from '../../../service/src/db/errors.ts';
import type { Message } from '../../../service/src/db/messages.ts';
import { MessageStore } from '../../../service/src/db/messages.ts';
import { silentLogger } from '../../../service/src/log.ts';
import type { MongoTarget } from '../helpers/mongo.ts';
import {
  freshDatabase,
  requireStandIn,
  startMongoTarget,
  testMongoSettings,
} from '../helpers/mongo.ts';

let target: MongoTarget;

beforeAll(async () => {
  target = await startMongoTarget();
});

/** Returns a clock that moves one millisecond per reading, from a fixed start. */
function steppingClock(start = Date.parse('2026-01-15T10:00:00Z')) {
  let next = start;
  return () => new Date(next++);
}

async function openStore(
  now: () => Date = steppingClock(),
  overrides: Partial<MongoSettings> = {},
) {
  const databaseName = await freshDatabase(target, 'store');
  const database = createDatabase({
    settings: { ...testMongoSettings(target.uri, databaseName), ...overrides },
    logger: silentLogger,
  });
  onTestFinished(() => database.close());
  return { database, databaseName, store: new MessageStore(database, now) };
}

async function readAllPages(store: MessageStore, limit: number, author?: string) {
  const pages: Message[][] = [];
  let after: CursorPosition | undefined;
  do {
    const page = await store.list({ limit, author, after });
    pages.push(page.items);
    after = page.next;
  } while (after !== undefined);
  return pages;
}

describe('message store', () => {
  it('creates and reads a message', async () => {
    const { store } = await openStore(() => new Date('2026-01-15T10:00:00Z'));

    const created = await store.create('ada@example.com', 'Hello');
    const read = await store.get(ObjectId.createFromHexString(created.id));

    expect(created.id).toMatch(/^[0-9a-f]{24}$/);
    expect(read).toEqual({
      id: created.id,
      text: 'Hello',
      author: 'ada@example.com',
      createdAt: new Date('2026-01-15T10:00:00Z'),
    });
  });

  it('returns undefined for a missing id', async () => {
    const { store } = await openStore();

    expect(await store.get(new ObjectId())).toBeUndefined();
  });

  it('lists newest first', async () => {
    const { store } = await openStore();
    for (const text of ['first', 'second', 'third']) {
      await store.create('ada@example.com', text);
    }

    const page = await store.list({ limit: 10, author: undefined, after: undefined });

    expect(page.items.map((message) => message.text)).toEqual(['third', 'second', 'first']);
    expect(page.next).toBeUndefined();
  });

  it('pages without duplicates or gaps', async () => {
    const { store } = await openStore();
    const created: string[] = [];
    for (let index = 0; index < 23; index += 1) {
      created.push((await store.create('ada@example.com', `message ${index}`)).id);
    }

    const pages = await readAllPages(store, 5);

    expect(pages.map((page) => page.length)).toEqual([5, 5, 5, 5, 3]);
    expect(pages.flat().map((message) => message.id)).toEqual(created.reverse());
  });

  it('pages equal timestamps by id', async () => {
    // Every message gets the same createdAt, so only the _id tie-break orders them.
    const { store } = await openStore(() => new Date('2026-01-15T10:00:00Z'));
    const created: string[] = [];
    for (let index = 0; index < 12; index += 1) {
      created.push((await store.create('ada@example.com', `message ${index}`)).id);
    }

    const pages = await readAllPages(store, 5);

    const ids = pages.flat().map((message) => message.id);
    expect(new Set(ids).size).toBe(12);
    expect(ids).toEqual([...created].sort().reverse());
  });

  it('pages stably under concurrent inserts', async () => {
    const { store } = await openStore();
    const before: string[] = [];
    for (let index = 0; index < 30; index += 1) {
      before.push((await store.create('ada@example.com', `old ${index}`)).id);
    }

    // Each page read races with new inserts; the new messages are newer than the first page.
    const seen: string[] = [];
    let after: CursorPosition | undefined;
    let inserted = 0;
    do {
      const [page] = await Promise.all([
        store.list({ limit: 4, author: undefined, after }),
        store.create('bob@example.com', `new ${inserted++}`),
        store.create('bob@example.com', `new ${inserted++}`),
      ]);
      seen.push(...page.items.map((message) => message.id));
      after = page.next;
    } while (after !== undefined);

    const old = seen.filter((id) => before.includes(id));
    expect(old).toEqual([...before].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by author', async () => {
    const { store } = await openStore();
    await store.create('ada@example.com', 'from ada');
    await store.create('bob@example.com', 'from bob');
    await store.create('ada@example.com', 'ada again');

    const pages = await readAllPages(store, 1, 'ada@example.com');

    expect(pages.flat().map((message) => message.text)).toEqual(['ada again', 'from ada']);
    expect(pages.flat().every((message) => message.author === 'ada@example.com')).toBe(true);
  });

  it('updates text for the author', async () => {
    const { store } = await openStore();
    const created = await store.create('ada@example.com', 'draft');
    const id = ObjectId.createFromHexString(created.id);

    const change = await store.updateText(id, 'ada@example.com', 'final');

    expect(change.outcome).toBe('done');
    const updated = change.outcome === 'done' ? change.value : undefined;
    expect(updated?.text).toBe('final');
    expect(updated?.updatedAt?.getTime()).toBeGreaterThan(created.createdAt.getTime());
    expect((await store.get(id))?.text).toBe('final');
  });

  it('refuses another author an update', async () => {
    const { store } = await openStore();
    const created = await store.create('ada@example.com', 'mine');
    const id = ObjectId.createFromHexString(created.id);

    const change = await store.updateText(id, 'eve@example.com', 'stolen');

    expect(change).toEqual({ outcome: 'not-author' });
    expect((await store.get(id))?.text).toBe('mine');
  });

  it('reports a missing message on update', async () => {
    const { store } = await openStore();

    expect(await store.updateText(new ObjectId(), 'ada@example.com', 'x')).toEqual({
      outcome: 'not-found',
    });
  });

  it('deletes for the author only', async () => {
    const { store } = await openStore();
    const created = await store.create('ada@example.com', 'short-lived');
    const id = ObjectId.createFromHexString(created.id);

    expect(await store.delete(id, 'eve@example.com')).toEqual({ outcome: 'not-author' });
    expect(await store.get(id)).toBeDefined();
    expect(await store.delete(id, 'ada@example.com')).toEqual({
      outcome: 'done',
      value: undefined,
    });
    expect(await store.get(id)).toBeUndefined();
    expect(await store.delete(id, 'ada@example.com')).toEqual({ outcome: 'not-found' });
  });

  it('creates the indexes idempotently', async () => {
    const { store, databaseName, database } = await openStore();
    await store.create('ada@example.com', 'first connect creates the indexes');
    await database.close();

    // A second process connecting to the same database creates them again without error.
    const second = createDatabase({
      settings: testMongoSettings(target.uri, databaseName),
      logger: silentLogger,
    });
    onTestFinished(() => second.close());
    await new MessageStore(second).create('bob@example.com', 'second connect');

    const client = new MongoClient(target.uri);
    onTestFinished(() => client.close());
    const indexes = (await client
      .db(databaseName)
      .collection('message')
      .listIndexes()
      .toArray()) as { name: string; key: Record<string, number> }[];
    expect(indexes.map((index) => [index.name, index.key]).sort()).toEqual(
      [
        ['_id_', { _id: 1 }],
        ['author_1_createdAt_-1__id_-1', { author: 1, createdAt: -1, _id: -1 }],
        ['createdAt_-1__id_-1', { createdAt: -1, _id: -1 }],
      ].sort(),
    );
  });
});

describe('database failures', () => {
  it('reports MaxTimeMSExpired as unavailable', async (context) => {
    const standIn = requireStandIn(target, context);
    const { store } = await openStore();
    await store.create('ada@example.com', 'warm-up connects and creates the indexes');
    standIn.faults.failCommands({ failCommands: ['find'], errorCode: 50, times: 1 });
    onTestFinished(() => standIn.faults.reset());

    const error = await store
      .list({ limit: 5, author: undefined, after: undefined })
      .catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(DatabaseUnavailableError);
    expect((error as DatabaseUnavailableError).retryAfterSeconds).toBe(1);
  });

  it('reports a hung server as unavailable', async (context) => {
    const standIn = requireStandIn(target, context);
    const { store } = await openStore(steppingClock(), {
      socketTimeoutMS: 300,
      maxTimeMS: 200,
      serverSelectionTimeoutMS: 300,
      connectTimeoutMS: 300,
    });
    await store.create('ada@example.com', 'warm-up');
    standIn.faults.hang();
    onTestFinished(() => standIn.faults.reset());

    const error = await store
      .list({ limit: 5, author: undefined, after: undefined })
      .catch((caught: unknown) => caught);

    // socketTimeoutMS ends the read and serverSelectionTimeoutMS the driver's retry.
    expect(error).toBeInstanceOf(DatabaseUnavailableError);
  });

  it('passes other server errors on', async (context) => {
    const standIn = requireStandIn(target, context);
    const { store } = await openStore();
    await store.create('ada@example.com', 'warm-up');
    standIn.faults.failCommands({ failCommands: ['insert'], errorCode: 2, times: 1 });
    onTestFinished(() => standIn.faults.reset());

    const error = await store.create('ada@example.com', 'x').catch((caught: unknown) => caught);

    expect(error).not.toBeInstanceOf(DatabaseUnavailableError);
    expect((error as Error).message).toBe('insert message failed');
    expect(((error as Error).cause as { code?: number }).code).toBe(2);
  });
});
