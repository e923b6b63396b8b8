// Page cursors for keyset pagination on (createdAt, _id), newest first. A cursor names the last
// message of a page and the author filter it was issued for; clients treat it as opaque text.
import { ObjectId } from 'mongodb';

/** The last message of a page. */
export interface CursorPosition {
  createdAt: Date;
  id: ObjectId;
  /** The author filter of the listing, or null for all authors. */
  author: string | null;
}

interface CursorPayload {
  v: 1;
  t: number;
  i: string;
  a: string | null;
}

/** Raised when a cursor was not produced by `encodeCursor`. */
export class InvalidCursorError extends Error {
  readonly code = 'ERR_INVALID_CURSOR';

  constructor(reason: string) {
    super(reason);
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(position: CursorPosition): string {
  const payload: CursorPayload = {
    v: 1,
    t: position.createdAt.getTime(),
    i: position.id.toHexString(),
    a: position.author,
  };
  return Buffer.from(JSON.stringify(payload)).toString('base64url');
}

/** Decodes `cursor`. Throws `InvalidCursorError` for anything `encodeCursor` did not produce. */
export function decodeCursor(cursor: string): CursorPosition {
  if (!/^[A-Za-z0-9_-]{1,512}$/.test(cursor)) {
    throw new InvalidCursorError('the cursor is not base64url text of at most 512 characters');
  }
  let payload: unknown;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('the cursor does not decode to JSON');
  }
  if (!isPayload(payload)) {
    throw new InvalidCursorError('the cursor does not contain a page position');
  }
  return {
    createdAt: new Date(payload.t),
    id: ObjectId.createFromHexString(payload.i),
    author: payload.a,
  };
}

function isPayload(value: unknown): value is CursorPayload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return false;
  }
  const fields = value as Record<string, unknown>;
  return (
    Object.keys(fields).length === 4 &&
    fields.v === 1 &&
    Number.isSafeInteger(fields.t) &&
    (fields.t as number) >= 0 &&
    // The largest time a JavaScript Date holds.
    (fields.t as number) <= 8.64e15 &&
    typeof fields.i === 'string' &&
    /^[0-9a-f]{24}$/.test(fields.i) &&
    (fields.a === null || (typeof fields.a === 'string' && fields.a.length <= 1024))
  );
}
