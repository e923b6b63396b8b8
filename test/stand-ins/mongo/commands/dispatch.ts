// Runs one command the way mongod's service entry point does: find the command, reject unknown
// fields, apply `maxTimeMS` and fault switches, replay a retried write, run it, and add the
// replica-set fields (`$clusterTime`, `operationTime`) to the reply.
import type { Document } from 'bson';
import { Deadline, maxTimeExpired } from '../deadline.ts';
import { CommandError, ErrorCodes, retryableWriteCodes } from '../errors.ts';
import { sessionKeyOf } from '../sessions.ts';
import type { Command, CommandContext, ConnectionInfo, ServerState } from './context.ts';

/** Fields any command may carry: session, cluster time, read and write concern, API version. */
const genericFields = new Set([
  '$db',
  'lsid',
  '$clusterTime',
  'txnNumber',
  '$readPreference',
  'readConcern',
  'writeConcern',
  'maxTimeMS',
  'comment',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  'autocommit',
  'startTransaction',
  '$audit',
  '$client',
  'mayBypassWriteBlocking',
  'rawData',
]);

export interface DispatchResult {
  readonly reply: Document;
  /** Close the connection instead of replying (a `closeConnection` fault). */
  readonly closeConnection: boolean;
}

export interface DispatchRequest {
  readonly body: Document;
  /** `$db` for OP_MSG, the database of `{db}.$cmd` for OP_QUERY. */
  readonly database: string | undefined;
  readonly connection: ConnectionInfo;
  /** Aborted when the connection closes, which ends a fault's `blockTimeMS` wait. */
  readonly signal: AbortSignal;
}

export class Dispatcher {
  readonly #commands = new Map<string, Command>();
  readonly #server: ServerState;
  readonly #onWrite: () => void;
  readonly #log: (message: string) => void;

  constructor(
    server: ServerState,
    commands: readonly Command[],
    hooks: { onWrite: () => void; log: (message: string) => void },
  ) {
    this.#server = server;
    this.#onWrite = hooks.onWrite;
    this.#log = hooks.log;
    for (const command of commands) {
      this.#commands.set(command.name, command);
      for (const alias of command.aliases ?? []) this.#commands.set(alias, command);
    }
  }

  /** Returns the canonical name of the command in `body`, or `undefined` when it is unknown. */
  canonicalName(body: Document): string | undefined {
    const name = Object.keys(body)[0];
    return name === undefined ? undefined : this.#commands.get(name)?.name;
  }

  async dispatch(request: DispatchRequest): Promise<DispatchResult> {
    const { body } = request;
    const retryableWrite = typeof body.txnNumber === 'number' && body.autocommit === undefined;
    try {
      return await this.#run(request);
    } catch (error) {
      // Anything but a CommandError is a defect of the stand-in: the client gets InternalError
      // (1), and the log gets the stack.
      if (!(error instanceof CommandError)) {
        const name = Object.keys(body)[0] ?? '';
        this.#log(
          `command ${name} on connection ${request.connection.id} failed: ${(error as Error).stack ?? String(error)}`,
        );
      }
      const failure =
        error instanceof CommandError
          ? error
          : new CommandError(ErrorCodes.InternalError, (error as Error).message);
      const reply = failure.toReply();
      if (
        retryableWrite &&
        retryableWriteCodes.has(failure.code) &&
        failure.extra.errorLabels === undefined
      ) {
        reply.errorLabels = ['RetryableWriteError'];
      }
      return { reply: this.#withClusterTime(reply), closeConnection: false };
    }
  }

  async #run(request: DispatchRequest): Promise<DispatchResult> {
    const { body, connection } = request;
    const requested = Object.keys(body)[0] ?? '';
    const command = this.#commands.get(requested);
    if (!command) {
      throw new CommandError(ErrorCodes.CommandNotFound, `no such command: '${requested}'`);
    }
    const database = request.database;
    if (typeof database !== 'string') {
      throw new CommandError(40571, 'OP_MSG requests require a $db argument');
    }
    for (const field of Object.keys(body).slice(1)) {
      if (command.fields === 'any') break;
      if (!genericFields.has(field) && !command.fields.includes(field)) {
        throw new CommandError(
          ErrorCodes.UnknownBsonField,
          `BSON field '${command.name}.${field}' is an unknown field.`,
        );
      }
    }
    if (body.autocommit !== undefined || body.startTransaction !== undefined) {
      throw new CommandError(
        ErrorCodes.IllegalOperation,
        'Transactions are not supported by the MongoDB stand-in; run the writes without a transaction',
      );
    }
    const deadline = new Deadline(readMaxTimeMS(command.name, body.maxTimeMS));

    const fault = this.#server.faults.actionFor(command.name, connection.appName);
    if (fault.kind === 'fail') {
      if (fault.blockTimeMS > 0) await block(fault.blockTimeMS, deadline, request.signal);
      if (fault.closeConnection) return { reply: {}, closeConnection: true };
      if (fault.error) throw fault.error;
    }

    const sessionKey = sessionKeyOf(body.lsid);
    const txnNumber = typeof body.txnNumber === 'number' ? body.txnNumber : undefined;
    const recordsRetries =
      command.kind === 'retryable' && sessionKey !== undefined && txnNumber !== undefined;
    if (recordsRetries) {
      const recorded = this.#server.sessions.lookup(sessionKey, txnNumber);
      if (recorded)
        return { reply: this.#withClusterTime({ ...recorded }), closeConnection: false };
    }

    const context: CommandContext = {
      server: this.#server,
      connection,
      name: command.name,
      database,
      body,
      deadline,
    };
    deadline.check();
    const reply = await command.run(context);

    if (command.kind === 'write' || command.kind === 'retryable') {
      this.#server.topology.advanceClusterTime();
      this.#onWrite();
    }
    if (recordsRetries) this.#server.sessions.record(sessionKey, txnNumber, reply);
    return { reply: this.#withClusterTime(reply), closeConnection: false };
  }

  #withClusterTime(reply: Document): Document {
    const { topology } = this.#server;
    return { ...reply, $clusterTime: topology.clusterTime, operationTime: topology.operationTime };
  }
}

function readMaxTimeMS(command: string, value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `${command}.maxTimeMS must be a non-negative integer number of milliseconds (got ${JSON.stringify(value)})`,
    );
  }
  return value;
}

// A fault's blocking wait counts against `maxTimeMS`, like any other time the command spends.
async function block(ms: number, deadline: Deadline, signal: AbortSignal): Promise<void> {
  const wait = Math.min(ms, deadline.remaining());
  await new Promise<void>((resolve) => {
    const timer = setTimeout(done, wait);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
  if (wait < ms) throw maxTimeExpired();
}
