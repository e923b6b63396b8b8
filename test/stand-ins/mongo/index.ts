// A MongoDB stand-in that speaks the wire protocol on 127.0.0.1, so the official driver (and the
// service through it) can be tested without a MongoDB server. It presents itself as the primary
// of a one-member replica set, stores data in memory (optionally in a file), enforces unique
// indexes and has fault switches for failure tests.
import { createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { adminCommands } from './commands/admin.ts';
import { collectionCommands } from './commands/collections.ts';
import type { ServerState } from './commands/context.ts';
import { Dispatcher } from './commands/dispatch.ts';
import { readCommands } from './commands/read.ts';
import { writeCommands } from './commands/write.ts';
import { WireConnection } from './connection.ts';
import { CursorRegistry } from './cursors.ts';
import { FaultState } from './faults.ts';
import type { MongoFaults } from './faults.ts';
import { SessionTable } from './sessions.ts';
import { Catalog } from './store/catalog.ts';
import { CatalogSaver, loadCatalog } from './store/persistence.ts';
import { DEFAULT_TTL_MONITOR_INTERVAL_MS, removeExpired } from './store/ttl.ts';
import { Topology } from './topology.ts';

/** How long `close()` lets a client read its last replies before cutting the connection. */
const CLOSE_GRACE_MS = 200;

export type { FailCommandsOptions, MongoFaults } from './faults.ts';
export { PersistenceError } from './store/persistence.ts';

export interface MongoStandInOptions {
  /**
   * File that keeps the data between runs. It is loaded on start (a missing file is an empty
   * store) and rewritten atomically after each write. Without it, data lives in memory only.
   */
  persistPath?: string;
  /** TCP port on 127.0.0.1; default 0, a free port the system picks. */
  port?: number;
  /**
   * Receives one line per error the stand-in handles itself: a connection closed for a bad
   * frame, a failed save, a defect in a command. Default: standard error.
   */
  log?: (message: string) => void;
  /** How often expired documents of TTL indexes are removed; default 60000, as on mongod. */
  ttlMonitorIntervalMS?: number;
}

export interface MongoStandIn {
  /** Connection string for the driver: `mongodb://127.0.0.1:{port}/?directConnection=true`. */
  readonly uri: string;
  readonly port: number;
  readonly faults: MongoFaults;
  /** Number of client connections open right now (pooled, monitoring and RTT alike). */
  readonly openConnections: number;
  /**
   * Stops the server: awaiting monitors get ShutdownInProgress, connections close, and the last
   * changes are saved to `persistPath`.
   */
  close(): Promise<void>;
}

/** Starts a stand-in listening on 127.0.0.1 only. */
export async function startMongoStandIn(options: MongoStandInOptions = {}): Promise<MongoStandIn> {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RangeError(
      `startMongoStandIn: port must be an integer from 0 to 65535 (got ${port})`,
    );
  }
  const ttlInterval = options.ttlMonitorIntervalMS ?? DEFAULT_TTL_MONITOR_INTERVAL_MS;
  if (!Number.isFinite(ttlInterval) || ttlInterval <= 0) {
    throw new RangeError(
      `startMongoStandIn: ttlMonitorIntervalMS must be a positive number of milliseconds (got ${ttlInterval})`,
    );
  }
  const log =
    options.log ?? ((message: string) => process.stderr.write(`[mongo stand-in] ${message}\n`));
  const catalog = new Catalog();
  if (options.persistPath !== undefined) await loadCatalog(options.persistPath, catalog);
  const saver =
    options.persistPath === undefined
      ? undefined
      : new CatalogSaver(options.persistPath, catalog, log);

  const connections = new Set<WireConnection>();
  const faultState = new FaultState();
  let nextConnectionId = 1;
  let nextRequestId = 1;

  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const boundPort = (server.address() as AddressInfo).port;

  const state: ServerState = {
    catalog,
    cursors: new CursorRegistry(),
    topology: new Topology(`127.0.0.1:${boundPort}`),
    sessions: new SessionTable(),
    faults: faultState,
  };
  const dispatcher = new Dispatcher(
    state,
    [...adminCommands, ...readCommands, ...writeCommands, ...collectionCommands],
    { onWrite: () => saver?.schedule(), log },
  );
  const host = { state, dispatcher, nextRequestId: () => nextRequestId++, log };

  const ttlMonitor = setInterval(() => {
    if (removeExpired(catalog, Date.now()) > 0) saver?.schedule();
  }, ttlInterval);
  ttlMonitor.unref();

  server.on('connection', (socket: Socket) => {
    if (faultState.refusing) {
      socket.destroy();
      return;
    }
    const connection = new WireConnection(socket, nextConnectionId++, host);
    connections.add(connection);
    void connection.whenClosed().then(() => connections.delete(connection));
  });

  const faults: MongoFaults = {
    hang: () => faultState.hang(),
    resume: () => faultState.resume(),
    closeConnections: () => {
      const open = [...connections];
      for (const connection of open) connection.destroy();
      return open.length;
    },
    refuseConnections: (on) => faultState.refuseConnections(on),
    failCommands: (failure) => faultState.failCommands(failure),
    reset: () => faultState.reset(),
  };

  let closing: Promise<void> | undefined;
  const close = async () => {
    clearInterval(ttlMonitor);
    const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
    // Held requests are released so they can see the shutdown instead of waiting forever.
    faultState.reset();
    state.topology.shutdown();
    // One turn of the event loop lets awaiting hellos send their ShutdownInProgress reply.
    await new Promise((resolve) => setImmediate(resolve));
    const open = [...connections];
    for (const connection of open) connection.end(CLOSE_GRACE_MS);
    await Promise.all(open.map((connection) => connection.whenClosed()));
    await stopped;
    state.cursors.clear();
    await saver?.flush();
  };

  return {
    uri: `mongodb://127.0.0.1:${boundPort}/?directConnection=true`,
    port: boundPort,
    faults,
    get openConnections() {
      return connections.size;
    },
    close: () => (closing ??= close()),
  };
}
