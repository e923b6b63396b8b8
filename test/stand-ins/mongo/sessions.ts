// Retryable writes: the reply of the latest write per session and `txnNumber`. When the driver
// retries a write (after a network error, say) with the same `lsid` and `txnNumber`, the recorded
// reply is returned and the write is not applied twice.
import { Binary } from 'bson';
import type { Document } from 'bson';
import { CommandError, ErrorCodes } from './errors.ts';

interface Record {
  readonly txnNumber: number;
  readonly reply: Document;
}

/** Sessions whose latest write is remembered; the oldest are forgotten beyond this. */
const MAX_SESSIONS = 10_000;

export class SessionTable {
  readonly #latest = new Map<string, Record>();

  /**
   * Returns the recorded reply for a retry of the same write, `undefined` for a new write, or
   * raises TransactionTooOld (225) for a `txnNumber` older than the session's latest.
   */
  lookup(sessionKey: string, txnNumber: number): Document | undefined {
    const record = this.#latest.get(sessionKey);
    if (!record) return undefined;
    if (txnNumber === record.txnNumber) return record.reply;
    if (txnNumber < record.txnNumber) {
      throw new CommandError(
        ErrorCodes.TransactionTooOld,
        `Retryable write with txnNumber ${txnNumber} is prohibited on session ${sessionKey} because a newer retryable write with txnNumber ${record.txnNumber} has already started on this session.`,
      );
    }
    return undefined;
  }

  record(sessionKey: string, txnNumber: number, reply: Document): void {
    this.#latest.delete(sessionKey);
    this.#latest.set(sessionKey, { txnNumber, reply });
    if (this.#latest.size > MAX_SESSIONS) {
      const oldest = this.#latest.keys().next().value;
      if (oldest !== undefined) this.#latest.delete(oldest);
    }
  }

  end(sessionKeys: readonly string[]): void {
    for (const key of sessionKeys) this.#latest.delete(key);
  }
}

/** Returns the key of a session from its `lsid` (`{ id: UUID }`), or `undefined` without one. */
export function sessionKeyOf(lsid: unknown): string | undefined {
  if (typeof lsid !== 'object' || lsid === null) return undefined;
  const id: unknown = (lsid as { id?: unknown }).id;
  if (id instanceof Binary) return Buffer.from(id.buffer).toString('hex');
  return undefined;
}
