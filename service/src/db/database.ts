// One MongoClient per process, connected on first use. Concurrent first requests share the
// connect; a failed connect is forgotten after `reconnectDelayMs`, so the next request tries again.
import type { Collection, Db } from 'mongodb';
import { MongoClient } from 'mongodb';
import type { MongoSettings } from '../config.ts';
import type { Logger } from '../log.ts';
import { DatabaseUnavailableError, isUnavailable } from './errors.ts';
import type { MessageDocument } from './messages.ts';
import { ensureMessageIndexes } from './messages.ts';

export interface Database {
  /** Returns the `message` collection, connecting first if needed. */
  messages(): Promise<Collection<MessageDocument>>;
  /** Sends `ping` and returns whether the database responded within `timeoutMs`. Never rejects. */
  ping(timeoutMs: number): Promise<boolean>;
  /** Connects ahead of the first request. Never rejects: a failure is logged and retried later. */
  prime(): Promise<void>;
  /** Server-side time limit for each operation, in ms. */
  readonly maxTimeMS: number;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  settings: MongoSettings;
  logger: Logger;
  /** Name reported to the server in the handshake, visible in Atlas metrics. */
  appName?: string;
  now?: () => number;
}

/** Creates the process's database handle. Nothing connects until the first use or `prime`. */
export function createDatabase(options: DatabaseOptions): Database {
  const { settings, logger } = options;
  const now = options.now ?? Date.now;
  let connected: Promise<Db> | undefined;
  let failure: { at: number; error: unknown } | undefined;
  let client: MongoClient | undefined;
  let closed = false;

  const connect = async (): Promise<Db> => {
    const started = now();
    const next = new MongoClient(settings.uri, {
      appName: options.appName ?? 'message-service',
      maxPoolSize: settings.maxPoolSize,
      minPoolSize: 0,
      serverSelectionTimeoutMS: settings.serverSelectionTimeoutMS,
      connectTimeoutMS: settings.connectTimeoutMS,
      socketTimeoutMS: settings.socketTimeoutMS,
      retryReads: true,
      retryWrites: true,
    });
    // Kept before the connect so that close() can end a connect still in progress.
    client = next;
    try {
      await next.connect();
    } catch (error) {
      await next.close().catch(() => undefined);
      if (client === next) {
        client = undefined;
      }
      throw error;
    }
    const db = next.db(settings.databaseName);
    logger.info('database connected', { database: settings.databaseName, ms: now() - started });

    try {
      await ensureMessageIndexes(db.collection<MessageDocument>('message'), settings.maxTimeMS);
    } catch (error) {
      // Queries still work without the indexes, only slower; the next cold start tries again.
      logger.warn('database index creation failed', { error });
    }
    return db;
  };

  const database = async (): Promise<Db> => {
    if (closed) {
      throw new DatabaseUnavailableError(
        'the database handle is closed',
        settings.reconnectDelayMs,
      );
    }
    if (connected === undefined && failure !== undefined) {
      const remaining = failure.at + settings.reconnectDelayMs - now();
      if (remaining > 0) {
        throw new DatabaseUnavailableError('the last database connect failed', remaining, {
          cause: failure.error,
        });
      }
    }
    connected ??= connect().catch((error: unknown) => {
      connected = undefined;
      failure = { at: now(), error };
      if (!closed) {
        logger.error('database connect failed', { error });
      }
      throw new DatabaseUnavailableError('database connect failed', settings.reconnectDelayMs, {
        cause: error,
      });
    });
    return connected;
  };

  return {
    maxTimeMS: settings.maxTimeMS,

    async messages() {
      return (await database()).collection<MessageDocument>('message');
    },

    async ping(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<false>((resolve) => {
        timer = setTimeout(() => resolve(false), timeoutMs);
      });
      const attempt = database()
        .then((db) => db.command({ ping: 1 }, { timeoutMS: timeoutMs }))
        .then(
          () => true,
          (error: unknown) => {
            if (!isUnavailable(error)) {
              logger.warn('database ping failed', { error });
            }
            return false;
          },
        );
      try {
        return await Promise.race([attempt, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },

    async prime() {
      await database().then(
        () => undefined,
        () => undefined,
      );
    },

    async close() {
      closed = true;
      const open = client;
      const pending = connected;
      client = undefined;
      connected = undefined;
      await open?.close();
      await pending?.catch(() => undefined);
    },
  };
}
