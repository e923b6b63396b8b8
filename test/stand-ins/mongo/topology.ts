// What the stand-in tells drivers about itself in `hello`: a single-node replica set whose only
// member is the primary. A replica set (not a standalone) is what makes the driver use sessions
// with retryable writes, the way it does against Atlas.
import { Binary, Long, ObjectId, Timestamp } from 'bson';
import type { Document } from 'bson';
import { MAX_BSON_SIZE, MAX_MESSAGE_SIZE } from './wire.ts';

export const REPLICA_SET_NAME = 'rs0';

/** MongoDB 7.0 speaks wire version 21. */
export const MAX_WIRE_VERSION = 21;

export const SERVER_VERSION = '7.0.0';

export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;

export type WaitOutcome = 'timeout' | 'changed' | 'shutdown' | 'interrupted';

export class Topology {
  /** Identifies this server process in `topologyVersion`; a restart gets a new one. */
  readonly processId = new ObjectId();
  readonly host: string;
  #counter = 0;
  #shuttingDown = false;
  #time = { seconds: Math.floor(Date.now() / 1000), increment: 0 };
  readonly #listeners = new Set<(outcome: WaitOutcome) => void>();

  constructor(host: string) {
    this.host = host;
  }

  get topologyVersion(): Document {
    return { processId: this.processId, counter: Long.fromNumber(this.#counter) };
  }

  get shuttingDown(): boolean {
    return this.#shuttingDown;
  }

  /** Whether a client's `topologyVersion` is the current one, so an awaitable hello may wait. */
  isCurrent(version: unknown): boolean {
    if (typeof version !== 'object' || version === null) return false;
    const { processId, counter } = version as { processId?: unknown; counter?: unknown };
    return (
      processId instanceof ObjectId &&
      processId.equals(this.processId) &&
      Number(counter) === this.#counter
    );
  }

  /** Advances the cluster time, as each write on a primary does. */
  advanceClusterTime(): void {
    const seconds = Math.floor(Date.now() / 1000);
    this.#time =
      seconds > this.#time.seconds
        ? { seconds, increment: 1 }
        : { seconds: this.#time.seconds, increment: this.#time.increment + 1 };
  }

  get operationTime(): Timestamp {
    return new Timestamp({ t: this.#time.seconds, i: this.#time.increment });
  }

  /** The `$clusterTime` a replica set member gossips; the signature is zero without auth. */
  get clusterTime(): Document {
    return {
      clusterTime: this.operationTime,
      signature: { hash: new Binary(Buffer.alloc(20)), keyId: Long.fromNumber(0) },
    };
  }

  /** Marks a topology change (for example a simulated step-down) and wakes awaitable hellos. */
  change(): void {
    this.#counter += 1;
    this.#notify('changed');
  }

  /** Wakes every awaitable hello with `shutdown`, so each can send its last reply. */
  shutdown(): void {
    this.#shuttingDown = true;
    this.#counter += 1;
    this.#notify('shutdown');
  }

  /**
   * Waits up to `ms` for a topology change. `interrupt` ends the wait early, for example when the
   * connection closes.
   */
  wait(ms: number, interrupt: AbortSignal): Promise<WaitOutcome> {
    if (this.#shuttingDown) return Promise.resolve('shutdown');
    if (interrupt.aborted) return Promise.resolve('interrupted');
    return new Promise((resolve) => {
      const finish = (outcome: WaitOutcome) => {
        clearTimeout(timer);
        this.#listeners.delete(finish);
        interrupt.removeEventListener('abort', onAbort);
        resolve(outcome);
      };
      const onAbort = () => finish('interrupted');
      const timer = setTimeout(() => finish('timeout'), ms);
      this.#listeners.add(finish);
      interrupt.addEventListener('abort', onAbort);
    });
  }

  #notify(outcome: WaitOutcome): void {
    for (const listener of [...this.#listeners]) listener(outcome);
  }

  /** The `hello` reply; `legacy` uses the `ismaster` field name of `isMaster`. */
  helloReply(options: { legacy: boolean; helloOk: boolean; connectionId: number }): Document {
    const now = new Date();
    const opTime = { ts: this.operationTime, t: Long.fromNumber(1) };
    return {
      topologyVersion: this.topologyVersion,
      hosts: [this.host],
      setName: REPLICA_SET_NAME,
      setVersion: 1,
      [options.legacy ? 'ismaster' : 'isWritablePrimary']: true,
      secondary: false,
      primary: this.host,
      me: this.host,
      electionId: new ObjectId('7fffffff0000000000000001'),
      lastWrite: {
        opTime,
        lastWriteDate: now,
        majorityOpTime: opTime,
        majorityWriteDate: now,
      },
      maxBsonObjectSize: MAX_BSON_SIZE,
      maxMessageSizeBytes: MAX_MESSAGE_SIZE,
      maxWriteBatchSize: 100_000,
      localTime: now,
      logicalSessionTimeoutMinutes: LOGICAL_SESSION_TIMEOUT_MINUTES,
      connectionId: options.connectionId,
      minWireVersion: 0,
      maxWireVersion: MAX_WIRE_VERSION,
      readOnly: false,
      ...(options.helloOk ? { helloOk: true } : {}),
      ok: 1,
    };
  }
}
