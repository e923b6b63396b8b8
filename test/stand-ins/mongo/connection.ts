// One client connection. Requests are handled one at a time, in order, as mongod does per
// connection. An awaitable hello sent with `exhaustAllowed` starts an exhaust stream: replies with
// the `moreToCome` flag, one per `maxAwaitTimeMS`, without further requests, until the socket
// closes. Drivers drop their connection pool when a server gets that stream wrong.
import type { Socket } from 'node:net';
import type { Document } from 'bson';
import type { ConnectionInfo, ServerState } from './commands/context.ts';
import type { Dispatcher } from './commands/dispatch.ts';
import { ErrorCodes, codeNameOf } from './errors.ts';
import type { WaitOutcome } from './topology.ts';
import { MessageReader, MsgFlags, encodeMsg, encodeReply, parseMessage } from './wire.ts';
import type { MsgRequest, QueryRequest } from './wire.ts';

/** What a connection needs from the server that accepted it. */
export interface ConnectionHost {
  readonly state: ServerState;
  readonly dispatcher: Dispatcher;
  nextRequestId(): number;
  log(message: string): void;
}

const handshakeCommands = new Set(['hello', 'isMaster']);

export class WireConnection implements ConnectionInfo {
  readonly id: number;
  appName: string | undefined;
  readonly #socket: Socket;
  readonly #host: ConnectionHost;
  readonly #reader = new MessageReader();
  readonly #closed = new AbortController();
  #queue: Promise<void> = Promise.resolve();

  constructor(socket: Socket, id: number, host: ConnectionHost) {
    this.id = id;
    this.#socket = socket;
    this.#host = host;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.#receive(chunk));
    socket.on('close', () => this.#closed.abort());
    // A client resetting its socket is normal; the 'close' event does the cleanup.
    socket.on('error', () => {});
  }

  get closed(): boolean {
    return this.#closed.signal.aborted;
  }

  /** Resolves when the socket has closed. */
  whenClosed(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => this.#closed.signal.addEventListener('abort', () => resolve()));
  }

  destroy(): void {
    this.#socket.destroy();
  }

  /**
   * Closes after the replies already written are flushed (`destroy` would discard them); a
   * client that does not close its side within `graceMS` is cut off.
   */
  end(graceMS: number): void {
    this.#socket.end();
    setTimeout(() => this.#socket.destroy(), graceMS).unref();
  }

  waitForTopologyChange(ms: number): Promise<WaitOutcome> {
    return this.#host.state.topology.wait(ms, this.#closed.signal);
  }

  #receive(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.#reader.push(chunk);
    } catch (error) {
      // A frame that cannot be read leaves the stream out of step: mongod closes the connection.
      this.#fail(error);
      return;
    }
    for (const message of messages) {
      this.#queue = this.#queue
        .then(() => this.#handle(message))
        .catch((error: unknown) => this.#fail(error));
    }
  }

  #fail(error: unknown): void {
    const reason = error instanceof Error ? error.message : String(error);
    this.#host.log(`closed connection ${this.id}: ${reason}`);
    this.destroy();
  }

  async #handle(message: Buffer): Promise<void> {
    await this.#host.state.faults.whenRunning();
    if (this.closed) return;
    const request = parseMessage(message);
    switch (request.kind) {
      case 'msg':
        return this.#handleMsg(request);
      case 'query':
        return this.#handleQuery(request);
      case 'unsupported':
        // OP_COMPRESSED never arrives because hello advertises no compressors, and the legacy
        // opcodes were removed in MongoDB 6.0. mongod closes the connection for both.
        this.#fail(`opCode ${request.header.opCode} is not supported`);
    }
  }

  async #handleQuery(request: QueryRequest): Promise<void> {
    const dot = request.fullCollectionName.indexOf('.');
    const database = request.fullCollectionName.slice(0, dot);
    const collection = request.fullCollectionName.slice(dot + 1);
    const wrapped = request.query.$query as Document | undefined;
    const body: Document = wrapped ?? request.query;
    const name = this.#host.dispatcher.canonicalName(body);
    let reply: Document;
    if (collection !== '$cmd' || name === undefined || !handshakeCommands.has(name)) {
      const requested = Object.keys(body)[0] ?? '';
      reply = {
        ok: 0,
        errmsg: `Unsupported OP_QUERY command: ${requested}. The client driver may require an upgrade. For more details see https://dochub.mongodb.org/core/legacy-opcode-removal`,
        code: ErrorCodes.UnsupportedOpQueryCommand,
        codeName: codeNameOf(ErrorCodes.UnsupportedOpQueryCommand),
      };
    } else {
      const result = await this.#host.dispatcher.dispatch({
        body,
        database,
        connection: this,
        signal: this.#closed.signal,
      });
      if (result.closeConnection) return this.destroy();
      reply = result.reply;
    }
    const requestId = this.#host.nextRequestId();
    await this.#send(encodeReply(requestId, request.header.requestId, reply));
  }

  async #handleMsg(request: MsgRequest): Promise<void> {
    const { body } = request;
    const database = typeof body.$db === 'string' ? body.$db : undefined;
    const dispatch = (command: Document) =>
      this.#host.dispatcher.dispatch({
        body: command,
        database,
        connection: this,
        signal: this.#closed.signal,
      });

    let result = await dispatch(body);
    if (result.closeConnection) return this.destroy();
    // moreToCome on a request (an unacknowledged write) means the client reads no reply.
    if (request.flags & MsgFlags.moreToCome) return;

    const exhaust =
      (request.flags & MsgFlags.exhaustAllowed) !== 0 &&
      handshakeCommands.has(this.#host.dispatcher.canonicalName(body) ?? '') &&
      body.maxAwaitTimeMS !== undefined;
    let responseTo = request.header.requestId;
    for (;;) {
      const requestId = this.#host.nextRequestId();
      const more = exhaust && result.reply.ok === 1;
      await this.#send(
        encodeMsg(requestId, responseTo, result.reply, more ? MsgFlags.moreToCome : 0),
      );
      if (!more || this.closed) return;
      // Each streamed reply sets responseTo to the previous reply and waits on the version it sent.
      responseTo = requestId;
      const announced: unknown = result.reply.topologyVersion;
      result = await dispatch({ ...body, topologyVersion: announced });
      if (result.closeConnection) return this.destroy();
      if (this.closed) return;
    }
  }

  async #send(buffer: Buffer): Promise<void> {
    await this.#host.state.faults.whenRunning();
    if (!this.closed) this.#socket.write(buffer);
  }
}
