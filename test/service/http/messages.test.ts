// The message API over real HTTP, through the real driver to the MongoDB stand-in (or the server
// at MONGODB_TEST_URI), with tokens from a loopback JWKS.
import { MongoClient } from 'mongodb';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { messageListSchema, messageSchema, problemSchema } from '../../../service/src/schemas.ts';
import type { SigningKey, TestIdentityProvider } from '../helpers/identity-provider.ts';
import { generateSigningKey, startIdentityProvider } from '../helpers/identity-provider.ts';
import type { MongoTarget } from '../helpers/mongo.ts';
import { freshDatabase, requireStandIn, startMongoTarget } from '../helpers/mongo.ts';
import type { TestService } from '../helpers/service.ts';
import { startTestService } from '../helpers/service.ts';

const frozen = new Date('2026-01-15T10:00:00Z');
let key: SigningKey;
let target: MongoTarget;

beforeAll(async () => {
  [key, target] = await Promise.all([generateSigningKey('key-1'), startMongoTarget()]);
});

interface Api {
  idp: TestIdentityProvider;
  service: TestService;
  databaseName: string;
  /** Sends a request as `subject` (default ada@example.com), JSON-encoding `body`. */
  call(method: string, path: string, body?: unknown, subject?: string): Promise<Response>;
  countStored(): Promise<number>;
}

async function startApi(env: Record<string, string> = {}): Promise<Api> {
  let clock = frozen.getTime();
  const now = () => new Date(clock++);
  const idp = await startIdentityProvider({ now: () => frozen, keys: [key] });
  const databaseName = await freshDatabase(target, 'http');
  const service = await startTestService({
    idp,
    mongoUri: target.uri,
    env: { MONGODB_DATABASE: databaseName, ...env },
    now,
  });
  return {
    idp,
    service,
    databaseName,
    async call(method, path, body, subject = 'ada@example.com') {
      const token = await idp.sign({ sub: subject });
      return fetch(`${service.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    },
    async countStored() {
      const client = new MongoClient(target.uri);
      onTestFinished(() => client.close());
      return client.db(databaseName).collection('message').countDocuments();
    },
  };
}

async function created(response: Response) {
  expect(response.status).toBe(201);
  return messageSchema.parse(await response.json());
}

describe('POST /messages', () => {
  it('creates a message as the caller', async () => {
    const api = await startApi();

    const response = await api.call('POST', '/messages', { text: '  Hello, world  ' });

    const message = await created(response);
    expect(message).toEqual({
      id: message.id,
      text: 'Hello, world',
      author: 'ada@example.com',
      createdAt: message.createdAt,
    });
    // The test clock starts at 10:00:00.000 and moves 1 ms per reading.
    expect(message.createdAt).toMatch(/^2026-01-15T10:00:00\.0\d\dZ$/);
    expect(response.headers.get('location')).toBe(`/messages/${message.id}`);
    const read = await api.call('GET', `/messages/${message.id}`);
    expect(messageSchema.parse(await read.json())).toEqual(message);
  });

  it('counts characters as code points', async () => {
    const api = await startApi();
    const emoji = '\u{1F600}';

    const accepted = await api.call('POST', '/messages', { text: emoji.repeat(2000) });
    const rejected = await api.call('POST', '/messages', { text: emoji.repeat(2001) });

    expect((await created(accepted)).text).toHaveLength(4000);
    expect(rejected.status).toBe(400);
    expect(await api.countStored()).toBe(1);
  });

  it('stores nothing for operator input', async () => {
    const api = await startApi();
    const attempts = [
      { text: { $gt: '' } },
      { text: 'hi', $where: 'true' },
      { text: 'hi', 'author.name': 'eve' },
      { text: { $regex: '.*' } },
    ];

    for (const body of attempts) {
      expect((await api.call('POST', '/messages', body)).status).toBe(400);
    }
    expect(await api.countStored()).toBe(0);
  });
});

describe('GET /messages', () => {
  it('pages newest first', async () => {
    const api = await startApi();
    const ids: string[] = [];
    for (let index = 0; index < 7; index += 1) {
      ids.push((await created(await api.call('POST', '/messages', { text: `m${index}` }))).id);
    }

    const first = messageListSchema.parse(
      await (await api.call('GET', '/messages?limit=3')).json(),
    );
    const second = messageListSchema.parse(
      await (await api.call('GET', `/messages?limit=3&cursor=${first.nextCursor}`)).json(),
    );
    const third = messageListSchema.parse(
      await (await api.call('GET', `/messages?limit=3&cursor=${second.nextCursor}`)).json(),
    );

    expect([first, second, third].flatMap((page) => page.items.map((item) => item.id))).toEqual(
      [...ids].reverse(),
    );
    expect(third.nextCursor).toBeNull();
  });

  it('defaults to 20 per page', async () => {
    const api = await startApi();
    for (let index = 0; index < 21; index += 1) {
      await created(await api.call('POST', '/messages', { text: `m${index}` }));
    }

    const page = messageListSchema.parse(await (await api.call('GET', '/messages')).json());

    expect(page.items).toHaveLength(20);
    expect(page.nextCursor).not.toBeNull();
  });

  it('pages stably under concurrent inserts', async () => {
    const api = await startApi();
    const before: string[] = [];
    for (let index = 0; index < 25; index += 1) {
      before.push(
        (await created(await api.call('POST', '/messages', { text: `old ${index}` }))).id,
      );
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    let round = 0;
    do {
      const query: string = cursor === null ? 'limit=4' : `limit=4&cursor=${cursor}`;
      const [response] = await Promise.all([
        api.call('GET', `/messages?${query}`),
        api.call('POST', '/messages', { text: `new ${round}a` }, 'bob@example.com'),
        api.call('POST', '/messages', { text: `new ${round}b` }, 'bob@example.com'),
      ]);
      const page = messageListSchema.parse(await response.json());
      seen.push(...page.items.map((item) => item.id));
      cursor = page.nextCursor;
      round += 1;
    } while (cursor !== null);

    expect(seen.filter((id) => before.includes(id))).toEqual([...before].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('filters by author', async () => {
    const api = await startApi();
    await api.call('POST', '/messages', { text: 'from ada' });
    await api.call('POST', '/messages', { text: 'from bob' }, 'bob@example.com');

    const page = messageListSchema.parse(
      await (await api.call('GET', '/messages?author=bob%40example.com')).json(),
    );

    expect(page.items.map((item) => item.text)).toEqual(['from bob']);
  });

  it('rejects a cursor for another author filter', async () => {
    const api = await startApi();
    for (let index = 0; index < 3; index += 1) {
      await api.call('POST', '/messages', { text: `m${index}` });
    }
    const first = messageListSchema.parse(
      await (await api.call('GET', '/messages?limit=1')).json(),
    );

    const response = await api.call(
      'GET',
      `/messages?limit=1&author=ada%40example.com&cursor=${first.nextCursor}`,
    );

    expect(response.status).toBe(400);
    expect(problemSchema.parse(await response.json()).code).toBe('invalid-cursor');
  });
});

describe('author-only changes', () => {
  it('lets the author change the text', async () => {
    const api = await startApi();
    const message = await created(await api.call('POST', '/messages', { text: 'draft' }));

    const response = await api.call('PATCH', `/messages/${message.id}`, { text: 'final' });

    expect(response.status).toBe(200);
    const changed = messageSchema.parse(await response.json());
    expect(changed.text).toBe('final');
    expect(changed.updatedAt).toBeDefined();
  });

  it('forbids another author a change', async () => {
    const api = await startApi();
    const message = await created(await api.call('POST', '/messages', { text: 'mine' }));

    const response = await api.call(
      'PATCH',
      `/messages/${message.id}`,
      { text: 'x' },
      'eve@example.com',
    );

    expect(response.status).toBe(403);
    expect(problemSchema.parse(await response.json()).code).toBe('not-author');
    const read = messageSchema.parse(
      await (await api.call('GET', `/messages/${message.id}`)).json(),
    );
    expect(read.text).toBe('mine');
  });

  it('lets the author delete', async () => {
    const api = await startApi();
    const message = await created(await api.call('POST', '/messages', { text: 'bye' }));

    const response = await api.call('DELETE', `/messages/${message.id}`);

    expect(response.status).toBe(204);
    expect(await response.text()).toBe('');
    expect((await api.call('GET', `/messages/${message.id}`)).status).toBe(404);
  });

  it('forbids another author a delete', async () => {
    const api = await startApi();
    const message = await created(await api.call('POST', '/messages', { text: 'keep' }));

    const response = await api.call(
      'DELETE',
      `/messages/${message.id}`,
      undefined,
      'eve@example.com',
    );

    expect(response.status).toBe(403);
    expect(problemSchema.parse(await response.json()).code).toBe('not-author');
    expect(await api.countStored()).toBe(1);
  });

  it('returns 404 for a missing message', async () => {
    const api = await startApi();
    const missing = '0123456789abcdef01234567';

    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { text: 'x' }],
      ['DELETE', undefined],
    ] as const) {
      const response = await api.call(method, `/messages/${missing}`, body);
      expect(response.status).toBe(404);
      expect(problemSchema.parse(await response.json()).detail).toBe(
        `Message ${missing} does not exist.`,
      );
    }
  });
});

describe('database trouble', () => {
  it('returns 503 when the server hangs', async (context) => {
    const standIn = requireStandIn(target, context);
    const api = await startApi({
      MONGODB_SOCKET_TIMEOUT_MS: '300',
      MONGODB_MAX_TIME_MS: '200',
    });
    await created(await api.call('POST', '/messages', { text: 'warm-up' }));
    standIn.faults.hang();
    onTestFinished(() => standIn.faults.reset());

    const response = await api.call('GET', '/messages');

    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(problemSchema.parse(await response.json()).code).toBe('database-unavailable');
  });

  it('returns a shaped 500 for a server error', async (context) => {
    const standIn = requireStandIn(target, context);
    const api = await startApi();
    await created(await api.call('POST', '/messages', { text: 'warm-up' }));
    standIn.faults.failCommands({
      failCommands: ['find'],
      errorCode: 2,
      errmsg: 'BadValue: $where is not allowed in this atlas tier',
    });
    onTestFinished(() => standIn.faults.reset());

    const response = await api.call('GET', '/messages');

    expect(response.status).toBe(500);
    const problem = problemSchema.parse(await response.json());
    expect(problem.code).toBe('internal-error');
    expect(problem.requestId).toMatch(/^req-\d+$/);
    expect(JSON.stringify(problem)).not.toContain('BadValue');
    const errors = api.service.logs.filter((record) => record.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ message: 'request failed', requestId: problem.requestId });
    expect(JSON.stringify(errors[0])).toContain('BadValue');
  });

  it('reports health ok when connected', async () => {
    const api = await startApi();

    const response = await fetch(`${api.service.url}/health`);

    expect(await response.json()).toEqual({ status: 'ok', version: '1.2.3-test', database: 'ok' });
  });
});
