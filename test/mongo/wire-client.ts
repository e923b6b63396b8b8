// A bare wire-protocol client for tests that must see the bytes the driver hides: flag bits,
// responseTo chains, OP_QUERY handshakes and requests that get no reply.
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import { onTestFinished } from 'vitest';

export interface WireReply {
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
  /** OP_MSG flag bits (0 for OP_REPLY). */
  readonly flags: number;
  readonly body: Document;
}

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_MSG = 2013;
export const MORE_TO_COME = 1 << 1;
export const EXHAUST_ALLOWED = 1 << 16;

export class WireClient {
  readonly #socket: Socket;
  #buffer = Buffer.alloc(0);
  readonly #replies: WireReply[] = [];
  #waiter: (() => void) | undefined;
  #nextRequestId = 1;
  #ended = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => {
      this.#ended = true;
      this.#waiter?.();
    });
    socket.on('error', () => {});
  }

  /** Connects to 127.0.0.1:`port`; the socket is destroyed when the test finishes. */
  static async open(port: number): Promise<WireClient> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const client = new WireClient(socket);
    onTestFinished(() => client.close());
    return client;
  }

  get ended(): boolean {
    return this.#ended;
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Sends raw bytes, for malformed messages. */
  sendRaw(bytes: Buffer): void {
    this.#socket.write(bytes);
  }

  /** Sends an OP_MSG; `sequences` become kind 1 sections. Returns the request id. */
  sendMsg(body: Document, flags = 0, sequences: Record<string, Document[]> = {}): number {
    const parts: Buffer[] = [Buffer.from([0]), Buffer.from(serialize(body))];
    for (const [identifier, documents] of Object.entries(sequences)) {
      const payload = Buffer.concat([
        Buffer.from(`${identifier}\0`, 'utf8'),
        ...documents.map((document) => Buffer.from(serialize(document))),
      ]);
      const size = Buffer.alloc(4);
      size.writeInt32LE(payload.length + 4);
      parts.push(Buffer.from([1]), size, payload);
    }
    const flagBytes = Buffer.alloc(4);
    flagBytes.writeUInt32LE(flags >>> 0);
    return this.#send(OP_MSG, Buffer.concat([flagBytes, ...parts]));
  }

  /** Sends an OP_QUERY to `{database}.$cmd` (or another collection name). */
  sendQuery(fullCollectionName: string, query: Document): number {
    const head = Buffer.alloc(4);
    const name = Buffer.from(`${fullCollectionName}\0`, 'utf8');
    const counts = Buffer.alloc(8);
    counts.writeInt32LE(0, 0);
    counts.writeInt32LE(-1, 4);
    return this.#send(OP_QUERY, Buffer.concat([head, name, counts, Buffer.from(serialize(query))]));
  }

  /** Sends an OP_MSG and returns its (single) reply. */
  async command(body: Document): Promise<WireReply> {
    this.sendMsg(body);
    return this.nextReply();
  }

  /** Returns the next reply, waiting for it; raises when the socket closes first. */
  async nextReply(): Promise<WireReply> {
    while (this.#replies.length === 0) {
      if (this.#ended) throw new Error('connection closed before a reply arrived');
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
    return this.#replies.shift() as WireReply;
  }

  /** Resolves when the server has closed the connection. */
  async waitForEnd(): Promise<void> {
    while (!this.#ended) {
      await new Promise<void>((resolve) => (this.#waiter = resolve));
      this.#waiter = undefined;
    }
  }

  #send(opCode: number, body: Buffer): number {
    const requestId = this.#nextRequestId++;
    const header = Buffer.alloc(16);
    header.writeInt32LE(16 + body.length, 0);
    header.writeInt32LE(requestId, 4);
    header.writeInt32LE(0, 8);
    header.writeInt32LE(opCode, 12);
    this.#socket.write(Buffer.concat([header, body]));
    return requestId;
  }

  #receive(chunk: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, chunk]);
    while (this.#buffer.length >= 4 && this.#buffer.length >= this.#buffer.readInt32LE(0)) {
      const length = this.#buffer.readInt32LE(0);
      const message = this.#buffer.subarray(0, length);
      this.#buffer = this.#buffer.subarray(length);
      this.#replies.push(parseReply(message));
    }
    this.#waiter?.();
  }
}

function parseReply(message: Buffer): WireReply {
  const requestId = message.readInt32LE(4);
  const responseTo = message.readInt32LE(8);
  const opCode = message.readInt32LE(12);
  if (opCode === OP_REPLY) {
    const offset = 16 + 20;
    const size = message.readInt32LE(offset);
    const body = deserialize(message.subarray(offset, offset + size));
    return { requestId, responseTo, opCode, flags: 0, body };
  }
  const flags = message.readUInt32LE(16);
  const size = message.readInt32LE(21);
  const body = deserialize(message.subarray(21, 21 + size));
  return { requestId, responseTo, opCode, flags, body };
}
