// The `message` collection: one document per message, listed newest first by (createdAt, _id).
import type { Collection, Filter } from 'mongodb';
import { ObjectId } from 'mongodb';
import type { CursorPosition } from './cursor.ts';
import type { Database } from './database.ts';
import { DatabaseUnavailableError, isUnavailable } from './errors.ts';

/** A message as stored. */
export interface MessageDocument {
  _id: ObjectId;
  text: string;
  /** The `sub` claim of the token that created the message. */
  author: string;
  createdAt: Date;
  updatedAt?: Date;
}

/** A message as the API returns it. */
export interface Message {
  id: string;
  text: string;
  author: string;
  createdAt: Date;
  updatedAt?: Date;
}

export interface MessagePage {
  items: Message[];
  /** Position after the last item, present when more messages may follow. */
  next: CursorPosition | undefined;
}

export interface ListOptions {
  limit: number;
  author: string | undefined;
  after: CursorPosition | undefined;
}

/** Outcome of a change that only the author may make. */
export type AuthorChange<T> =
  { outcome: 'done'; value: T } | { outcome: 'not-found' } | { outcome: 'not-author' };

const idPattern = /^[0-9a-fA-F]{24}$/;

/** Parses a message id from a URL. Returns undefined unless it is 24 hexadecimal characters. */
export function parseMessageId(text: string): ObjectId | undefined {
  return idPattern.test(text) ? ObjectId.createFromHexString(text.toLowerCase()) : undefined;
}

/**
 * Creates the indexes that the listings use. Creating an index that exists with the same keys
 * and name is a no-op, so this runs on every cold start.
 */
export async function ensureMessageIndexes(
  collection: Collection<MessageDocument>,
  maxTimeMS: number,
): Promise<void> {
  await collection.createIndexes(
    [
      { key: { createdAt: -1, _id: -1 }, name: 'createdAt_-1__id_-1' },
      { key: { author: 1, createdAt: -1, _id: -1 }, name: 'author_1_createdAt_-1__id_-1' },
    ],
    { maxTimeMS },
  );
}

/** Reads and writes messages. Driver failures that mean "retry later" become `DatabaseUnavailableError`. */
export class MessageStore {
  constructor(
    private readonly database: Database,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /** Inserts a message by `author` and returns it. */
  async create(author: string, text: string): Promise<Message> {
    const document: MessageDocument = { _id: new ObjectId(), text, author, createdAt: this.now() };
    await this.run('insert message', (collection) =>
      collection.insertOne(document, { maxTimeMS: this.database.maxTimeMS }),
    );
    return toMessage(document);
  }

  /** Returns up to `limit` messages older than `after`, newest first. */
  async list(options: ListOptions): Promise<MessagePage> {
    const filter: Filter<MessageDocument> = {};
    if (options.author !== undefined) {
      filter.author = options.author;
    }
    if (options.after !== undefined) {
      const { createdAt, id } = options.after;
      filter.$or = [{ createdAt: { $lt: createdAt } }, { createdAt, _id: { $lt: id } }];
    }

    // One extra document shows whether another page follows.
    const documents = await this.run('list messages', (collection) =>
      collection
        .find(filter, { maxTimeMS: this.database.maxTimeMS })
        .sort({ createdAt: -1, _id: -1 })
        .limit(options.limit + 1)
        .toArray(),
    );
    const items = documents.slice(0, options.limit);
    const last = items.at(-1);
    const next =
      documents.length > options.limit && last !== undefined
        ? { createdAt: last.createdAt, id: last._id, author: options.author ?? null }
        : undefined;
    return { items: items.map(toMessage), next };
  }

  /** Returns the message with `id`, or undefined. */
  async get(id: ObjectId): Promise<Message | undefined> {
    const document = await this.run('read message', (collection) =>
      collection.findOne({ _id: id }, { maxTimeMS: this.database.maxTimeMS }),
    );
    return document === null ? undefined : toMessage(document);
  }

  /** Replaces the text of message `id` if `author` wrote it. */
  async updateText(id: ObjectId, author: string, text: string): Promise<AuthorChange<Message>> {
    // The author is part of the filter, so a concurrent change of ownership cannot slip through.
    const updated = await this.run('update message', (collection) =>
      collection.findOneAndUpdate(
        { _id: id, author },
        { $set: { text, updatedAt: this.now() } },
        { returnDocument: 'after', maxTimeMS: this.database.maxTimeMS },
      ),
    );
    if (updated !== null) {
      return { outcome: 'done', value: toMessage(updated) };
    }
    return this.explainMiss(id);
  }

  /** Deletes message `id` if `author` wrote it. */
  async delete(id: ObjectId, author: string): Promise<AuthorChange<undefined>> {
    const result = await this.run('delete message', (collection) =>
      collection.deleteOne({ _id: id, author }, { maxTimeMS: this.database.maxTimeMS }),
    );
    if (result.deletedCount === 1) {
      return { outcome: 'done', value: undefined };
    }
    return this.explainMiss(id);
  }

  /** Tells why a change filtered by author matched nothing: the message is gone, or not theirs. */
  private async explainMiss(id: ObjectId): Promise<{ outcome: 'not-found' | 'not-author' }> {
    const existing = await this.get(id);
    return { outcome: existing === undefined ? 'not-found' : 'not-author' };
  }

  private async run<T>(
    operation: string,
    action: (collection: Collection<MessageDocument>) => Promise<T>,
  ): Promise<T> {
    try {
      return await action(await this.database.messages());
    } catch (error) {
      if (error instanceof DatabaseUnavailableError) {
        throw error;
      }
      if (isUnavailable(error)) {
        throw new DatabaseUnavailableError(`${operation} failed: database unavailable`, 1_000, {
          cause: error,
        });
      }
      throw new Error(`${operation} failed`, { cause: error });
    }
  }
}

function toMessage(document: MessageDocument): Message {
  return {
    id: document._id.toHexString(),
    text: document.text,
    author: document.author,
    createdAt: document.createdAt,
    ...(document.updatedAt === undefined ? {} : { updatedAt: document.updatedAt }),
  };
}
