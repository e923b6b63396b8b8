// The MongoDB wire protocol framing: a 16-byte header (messageLength, requestID, responseTo,
// opCode, all little-endian int32) followed by an opcode-specific body. The stand-in reads OP_MSG
// (every command) and OP_QUERY (only the first handshake, sent before a driver learns that the
// server speaks OP_MSG), and writes OP_MSG and OP_REPLY.
import { deserialize, serialize } from 'bson';
import type { Document } from 'bson';

export const OP_REPLY = 1;
export const OP_QUERY = 2004;
export const OP_COMPRESSED = 2012;
export const OP_MSG = 2013;

/** OP_MSG flag bits. Bits 0-15 are required: an unknown one must fail the message. */
export const MsgFlags = {
  checksumPresent: 1 << 0,
  moreToCome: 1 << 1,
  exhaustAllowed: 1 << 16,
} as const;

const knownRequiredFlags = MsgFlags.checksumPresent | MsgFlags.moreToCome;

const HEADER_SIZE = 16;

/** Largest message the server accepts, the `maxMessageSizeBytes` that `hello` advertises. */
export const MAX_MESSAGE_SIZE = 48_000_000;

/** Largest BSON document, the `maxBsonObjectSize` that `hello` advertises. */
export const MAX_BSON_SIZE = 16 * 1024 * 1024;

export interface MessageHeader {
  readonly messageLength: number;
  readonly requestId: number;
  readonly responseTo: number;
  readonly opCode: number;
}

/** An OP_MSG request with its document sequences (kind 1 sections) merged into the body. */
export interface MsgRequest {
  readonly kind: 'msg';
  readonly header: MessageHeader;
  readonly flags: number;
  readonly body: Document;
}

/** An OP_QUERY request; only `{db}.$cmd` handshakes are served. */
export interface QueryRequest {
  readonly kind: 'query';
  readonly header: MessageHeader;
  readonly fullCollectionName: string;
  readonly query: Document;
}

/** A message with an opcode the stand-in does not serve (OP_COMPRESSED, removed legacy ops). */
export interface UnsupportedRequest {
  readonly kind: 'unsupported';
  readonly header: MessageHeader;
}

export type WireRequest = MsgRequest | QueryRequest | UnsupportedRequest;

/** A message that cannot be parsed; the connection that sent it is closed. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

// mingo compares plain JavaScript values, so numbers are promoted. NOTE: that drops the int, long
// and double distinction: a whole double is stored and returned as an int.
const requestBsonOptions = { promoteLongs: true, promoteValues: true, bsonRegExp: false } as const;

/**
 * Splits a byte stream into whole messages. Feed it chunks as they arrive; each call returns the
 * messages completed so far and keeps the remainder.
 */
export class MessageReader {
  #pending: Buffer[] = [];
  #pendingLength = 0;

  push(chunk: Buffer): Buffer[] {
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    const messages: Buffer[] = [];
    while (this.#pendingLength >= 4) {
      const buffer = this.#flatten();
      const length = buffer.readInt32LE(0);
      if (length < HEADER_SIZE || length > MAX_MESSAGE_SIZE) {
        throw new ProtocolError(
          `invalid messageLength ${length}: must be between ${HEADER_SIZE} and ${MAX_MESSAGE_SIZE}`,
        );
      }
      if (buffer.length < length) break;
      messages.push(buffer.subarray(0, length));
      const rest = buffer.subarray(length);
      this.#pending = rest.length > 0 ? [rest] : [];
      this.#pendingLength = rest.length;
    }
    return messages;
  }

  #flatten(): Buffer {
    if (this.#pending.length > 1) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0] ?? Buffer.alloc(0);
  }
}

/** Parses one whole message as returned by `MessageReader`. */
export function parseMessage(message: Buffer): WireRequest {
  const header: MessageHeader = {
    messageLength: message.readInt32LE(0),
    requestId: message.readInt32LE(4),
    responseTo: message.readInt32LE(8),
    opCode: message.readInt32LE(12),
  };
  switch (header.opCode) {
    case OP_MSG:
      return parseMsg(header, message);
    case OP_QUERY:
      return parseQuery(header, message);
    default:
      return { kind: 'unsupported', header };
  }
}

function parseMsg(header: MessageHeader, message: Buffer): MsgRequest {
  const flags = message.readUInt32LE(HEADER_SIZE);
  const unknownRequired = flags & 0xffff & ~knownRequiredFlags;
  if (unknownRequired !== 0) {
    throw new ProtocolError(
      `OP_MSG has unknown required flag bits 0x${unknownRequired.toString(16)}`,
    );
  }
  // NOTE: a CRC-32C checksum, when present, is skipped without being verified.
  const end = message.length - (flags & MsgFlags.checksumPresent ? 4 : 0);
  let body: Document | undefined;
  const sequences = new Map<string, Document[]>();
  let offset = HEADER_SIZE + 4;
  while (offset < end) {
    const kind = message[offset];
    offset += 1;
    if (kind === 0) {
      if (body !== undefined) throw new ProtocolError('OP_MSG has more than one body section');
      const size = message.readInt32LE(offset);
      body = deserialize(message.subarray(offset, offset + size), requestBsonOptions);
      offset += size;
    } else if (kind === 1) {
      const size = message.readInt32LE(offset);
      const sectionEnd = offset + size;
      const nameEnd = message.indexOf(0, offset + 4);
      const identifier = message.toString('utf8', offset + 4, nameEnd);
      const documents: Document[] = [];
      let position = nameEnd + 1;
      while (position < sectionEnd) {
        const documentSize = message.readInt32LE(position);
        documents.push(
          deserialize(message.subarray(position, position + documentSize), requestBsonOptions),
        );
        position += documentSize;
      }
      sequences.set(identifier, documents);
      offset = sectionEnd;
    } else {
      throw new ProtocolError(`OP_MSG has a section of unknown kind ${String(kind)}`);
    }
  }
  if (body === undefined) throw new ProtocolError('OP_MSG has no body section');
  for (const [identifier, documents] of sequences) {
    if (identifier in body) {
      throw new ProtocolError(`OP_MSG field '${identifier}' is both in the body and a sequence`);
    }
    body[identifier] = documents;
  }
  return { kind: 'msg', header, flags, body };
}

function parseQuery(header: MessageHeader, message: Buffer): QueryRequest {
  let offset = HEADER_SIZE + 4; // flags
  const nameEnd = message.indexOf(0, offset);
  const fullCollectionName = message.toString('utf8', offset, nameEnd);
  offset = nameEnd + 1 + 8; // numberToSkip, numberToReturn
  const size = message.readInt32LE(offset);
  const query = deserialize(message.subarray(offset, offset + size), requestBsonOptions);
  return { kind: 'query', header, fullCollectionName, query };
}

function writeHeader(buffer: Buffer, requestId: number, responseTo: number, opCode: number): void {
  buffer.writeInt32LE(buffer.length, 0);
  buffer.writeInt32LE(requestId, 4);
  buffer.writeInt32LE(responseTo, 8);
  buffer.writeInt32LE(opCode, 12);
}

const replyBsonOptions = { ignoreUndefined: true } as const;

/** Encodes an OP_MSG reply with one body section. */
export function encodeMsg(
  requestId: number,
  responseTo: number,
  document: Document,
  flags = 0,
): Buffer {
  const bson = serialize(document, replyBsonOptions);
  const buffer = Buffer.alloc(HEADER_SIZE + 4 + 1 + bson.length);
  writeHeader(buffer, requestId, responseTo, OP_MSG);
  buffer.writeUInt32LE(flags >>> 0, HEADER_SIZE);
  buffer[HEADER_SIZE + 4] = 0;
  buffer.set(bson, HEADER_SIZE + 5);
  return buffer;
}

/** Encodes an OP_REPLY with one document, the answer to an OP_QUERY handshake. */
export function encodeReply(requestId: number, responseTo: number, document: Document): Buffer {
  const bson = serialize(document, replyBsonOptions);
  const buffer = Buffer.alloc(HEADER_SIZE + 20 + bson.length);
  writeHeader(buffer, requestId, responseTo, OP_REPLY);
  buffer.writeInt32LE(0, HEADER_SIZE); // responseFlags
  buffer.writeBigInt64LE(0n, HEADER_SIZE + 4); // cursorID
  buffer.writeInt32LE(0, HEADER_SIZE + 12); // startingFrom
  buffer.writeInt32LE(1, HEADER_SIZE + 16); // numberReturned
  buffer.set(bson, HEADER_SIZE + 20);
  return buffer;
}
