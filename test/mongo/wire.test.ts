// The stand-in at the wire level: handshake opcodes, the exhaust stream of the awaitable hello,
// requests without replies, malformed messages and retried writes.
import { Binary, Long, ObjectId } from 'bson';
import type { Document } from 'bson';
import { beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { startMongoStandIn } from '../stand-ins/mongo/index.ts';
import type { MongoStandIn } from '../stand-ins/mongo/index.ts';
import { EXHAUST_ALLOWED, MORE_TO_COME, OP_MSG, OP_REPLY, WireClient } from './wire-client.ts';

let standIn: MongoStandIn;
const logged: string[] = [];

beforeAll(async () => {
  standIn = await startMongoStandIn({ log: (message) => logged.push(message) });
  return () => standIn.close();
});

const session = { id: new Binary(Buffer.alloc(16, 7), 4) };

describe('handshake', () => {
  it('OP_QUERY isMaster gets an OP_REPLY', async () => {
    const client = await WireClient.open(standIn.port);
    client.sendQuery('admin.$cmd', { isMaster: 1, helloOk: true, client: {}, compression: [] });
    const reply = await client.nextReply();
    expect(reply.opCode).toBe(OP_REPLY);
    expect(reply.body.ok).toBe(1);
    expect(reply.body.ismaster).toBe(true);
    expect(reply.body.helloOk).toBe(true);
    expect(reply.body.setName).toBe('rs0');
    expect(reply.body.maxWireVersion).toBe(21);
    expect(reply.body.compression).toBeUndefined();
    expect((reply.body.topologyVersion as Document).processId).toBeInstanceOf(ObjectId);
  });

  it('OP_QUERY for other commands is rejected', async () => {
    const client = await WireClient.open(standIn.port);
    client.sendQuery('app.$cmd', { find: 'messages' });
    const reply = await client.nextReply();
    expect(reply.body.ok).toBe(0);
    expect(reply.body.code).toBe(352);
    expect(reply.body.codeName).toBe('UnsupportedOpQueryCommand');
  });

  it('hello reports a writable primary', async () => {
    const client = await WireClient.open(standIn.port);
    const reply = await client.command({ hello: 1, $db: 'admin' });
    expect(reply.opCode).toBe(OP_MSG);
    expect(reply.body.isWritablePrimary).toBe(true);
    expect(reply.body.logicalSessionTimeoutMinutes).toBe(30);
    expect(reply.body.hosts).toEqual([`127.0.0.1:${standIn.port}`]);
  });
});

describe('awaitable hello', () => {
  async function currentTopologyVersion(client: WireClient): Promise<Document> {
    const reply = await client.command({ hello: 1, $db: 'admin' });
    return reply.body.topologyVersion as Document;
  }

  it('streams replies with moreToCome under exhaust', async () => {
    const client = await WireClient.open(standIn.port);
    const topologyVersion = await currentTopologyVersion(client);
    const requestId = client.sendMsg(
      { hello: 1, topologyVersion, maxAwaitTimeMS: 50, $db: 'admin' },
      EXHAUST_ALLOWED,
    );
    const replies = [await client.nextReply(), await client.nextReply(), await client.nextReply()];
    for (const reply of replies) {
      expect(reply.flags & MORE_TO_COME).toBe(MORE_TO_COME);
      expect(reply.body.ok).toBe(1);
      expect(reply.body.isWritablePrimary).toBe(true);
    }
    expect(replies[0]?.responseTo).toBe(requestId);
    expect(replies[1]?.responseTo).toBe(replies[0]?.requestId);
    expect(replies[2]?.responseTo).toBe(replies[1]?.requestId);
  });

  it('stream ends when the client closes', async () => {
    const own = await startMongoStandIn();
    onTestFinished(() => own.close());
    const client = await WireClient.open(own.port);
    const topologyVersion = await currentTopologyVersion(client);
    client.sendMsg(
      { hello: 1, topologyVersion, maxAwaitTimeMS: 20, $db: 'admin' },
      EXHAUST_ALLOWED,
    );
    expect((await client.nextReply()).flags & MORE_TO_COME).toBe(MORE_TO_COME);
    client.close();
    // The server notices the close on a later event loop turn; poll a bounded number of times.
    for (let attempt = 0; attempt < 50 && own.openConnections > 0; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(own.openConnections).toBe(0);
  });

  it('replies once without exhaustAllowed', async () => {
    const client = await WireClient.open(standIn.port);
    const topologyVersion = await currentTopologyVersion(client);
    client.sendMsg({ hello: 1, topologyVersion, maxAwaitTimeMS: 20, $db: 'admin' });
    const reply = await client.nextReply();
    expect(reply.flags & MORE_TO_COME).toBe(0);
    const ping = await client.command({ ping: 1, $db: 'admin' });
    expect(ping.body.ok).toBe(1);
  });

  it('replies at once to an old topologyVersion', async () => {
    const client = await WireClient.open(standIn.port);
    const stale = { processId: new ObjectId(), counter: Long.fromNumber(0) };
    // A wait of a minute would outlast the test timeout: the reply must not wait.
    client.sendMsg({ hello: 1, topologyVersion: stale, maxAwaitTimeMS: 60_000, $db: 'admin' });
    const reply = await client.nextReply();
    expect(reply.body.ok).toBe(1);
    expect((reply.body.topologyVersion as Document).processId).not.toEqual(stale.processId);
  });

  it('requires topologyVersion with maxAwaitTimeMS', async () => {
    const client = await WireClient.open(standIn.port);
    const reply = await client.command({ hello: 1, maxAwaitTimeMS: 10, $db: 'admin' });
    expect(reply.body.ok).toBe(0);
    expect(reply.body.code).toBe(2);
  });

  it('close answers with ShutdownInProgress', async () => {
    const own = await startMongoStandIn();
    onTestFinished(() => own.close());
    const client = await WireClient.open(own.port);
    const topologyVersion = await currentTopologyVersion(client);
    client.sendMsg(
      { hello: 1, topologyVersion, maxAwaitTimeMS: 20, $db: 'admin' },
      EXHAUST_ALLOWED,
    );
    // The first streamed reply shows the server is in the exhaust loop, waiting for the next.
    expect((await client.nextReply()).body.ok).toBe(1);
    await own.close();
    let last = await client.nextReply();
    while (last.flags & MORE_TO_COME) last = await client.nextReply();
    expect(last.body.ok).toBe(0);
    expect(last.body.code).toBe(91);
    expect(last.body.codeName).toBe('ShutdownInProgress');
    await client.waitForEnd();
    expect(client.ended).toBe(true);
  });
});

describe('messages', () => {
  it('moreToCome request gets no reply', async () => {
    const client = await WireClient.open(standIn.port);
    client.sendMsg(
      { insert: 'unacknowledged', documents: [{ _id: 1 }], $db: 'wire', writeConcern: { w: 0 } },
      MORE_TO_COME,
    );
    const pingId = client.sendMsg({ ping: 1, $db: 'admin' });
    const reply = await client.nextReply();
    expect(reply.responseTo).toBe(pingId);
    const found = await client.command({ find: 'unacknowledged', $db: 'wire' });
    expect((found.body.cursor as Document).firstBatch).toEqual([{ _id: 1 }]);
  });

  it('document sequences join the body', async () => {
    const client = await WireClient.open(standIn.port);
    client.sendMsg({ insert: 'sequences', $db: 'wire' }, 0, {
      documents: [{ _id: 'a' }, { _id: 'b' }],
    });
    const reply = await client.nextReply();
    expect(reply.body.n).toBe(2);
  });

  it('missing $db is rejected', async () => {
    const client = await WireClient.open(standIn.port);
    const reply = await client.command({ ping: 1 });
    expect(reply.body.ok).toBe(0);
    expect(reply.body.code).toBe(40571);
  });

  it('unknown command gives CommandNotFound', async () => {
    const client = await WireClient.open(standIn.port);
    const reply = await client.command({ frobnicate: 1, $db: 'admin' });
    expect(reply.body).toMatchObject({
      ok: 0,
      code: 59,
      codeName: 'CommandNotFound',
      errmsg: "no such command: 'frobnicate'",
    });
  });

  it('OP_COMPRESSED closes the connection', async () => {
    const client = await WireClient.open(standIn.port);
    const header = Buffer.alloc(25);
    header.writeInt32LE(25, 0);
    header.writeInt32LE(1, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(2012, 12);
    client.sendRaw(header);
    await client.waitForEnd();
    expect(client.ended).toBe(true);
    expect(logged).toContainEqual(expect.stringMatching(/opCode 2012 is not supported$/));
  });

  it('invalid messageLength closes the connection', async () => {
    const client = await WireClient.open(standIn.port);
    const header = Buffer.alloc(16);
    header.writeInt32LE(8, 0);
    client.sendRaw(header);
    await client.waitForEnd();
    expect(client.ended).toBe(true);
    expect(logged).toContainEqual(expect.stringMatching(/invalid messageLength 8/));
  });

  it('unknown required flag bit closes the connection', async () => {
    const client = await WireClient.open(standIn.port);
    client.sendMsg({ ping: 1, $db: 'admin' }, 1 << 5);
    await client.waitForEnd();
    expect(client.ended).toBe(true);
    expect(logged).toContainEqual(expect.stringMatching(/unknown required flag bits 0x20/));
  });

  it('transactions are rejected', async () => {
    const client = await WireClient.open(standIn.port);
    const reply = await client.command({
      insert: 'transactions',
      documents: [{}],
      lsid: session,
      txnNumber: Long.fromNumber(1),
      autocommit: false,
      startTransaction: true,
      $db: 'wire',
    });
    expect(reply.body.code).toBe(20);
  });
});

describe('retryable writes', () => {
  const insert = (txnNumber: number, lsid: Document) => ({
    insert: 'retries',
    documents: [{ _id: 'only' }],
    lsid,
    txnNumber: Long.fromNumber(txnNumber),
    $db: 'wire',
  });

  it('a retry returns the recorded reply', async () => {
    const lsid = { id: new Binary(Buffer.alloc(16, 1), 4) };
    const client = await WireClient.open(standIn.port);
    const first = await client.command(insert(1, lsid));
    expect(first.body.n).toBe(1);
    const retry = await client.command(insert(1, lsid));
    expect(retry.body.n).toBe(1);
    expect(retry.body.writeErrors).toBeUndefined();
    const next = await client.command(insert(2, lsid));
    expect((next.body.writeErrors as Document[])[0]?.code).toBe(11000);
  });

  it('an older txnNumber is TransactionTooOld', async () => {
    const lsid = { id: new Binary(Buffer.alloc(16, 2), 4) };
    const client = await WireClient.open(standIn.port);
    await client.command({ ...insert(5, lsid), documents: [{ _id: 'five' }] });
    const old = await client.command({ ...insert(4, lsid), documents: [{ _id: 'four' }] });
    expect(old.body.code).toBe(225);
  });
});
