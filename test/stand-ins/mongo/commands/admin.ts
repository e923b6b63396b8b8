// Handshake, monitoring and server-level commands.
import { calculateObjectSize } from 'bson';
import type { Document } from 'bson';
import { Query } from 'mingo';
import { CommandError, ErrorCodes } from '../errors.ts';
import type { FailCommandsOptions } from '../faults.ts';
import { sessionKeyOf } from '../sessions.ts';
import { isPlainDocument } from '../store/values.ts';
import { MAX_WIRE_VERSION, SERVER_VERSION } from '../topology.ts';
import { MAX_BSON_SIZE } from '../wire.ts';
import type { Command, CommandContext } from './context.ts';
import { optionalBoolean, optionalDocument, optionalNumber } from './context.ts';

// mongod parses hello leniently: drivers announce new capabilities (such as `backpressure`) as
// fields that older servers must ignore.
const helloFields = 'any';

/**
 * `hello` and `isMaster`. With `maxAwaitTimeMS` and the current `topologyVersion` (the awaitable
 * hello of server monitoring) the reply waits until the topology changes or the time passes.
 */
async function hello(context: CommandContext): Promise<Document> {
  const { topology } = context.server;
  const client = optionalDocument(context, 'client');
  const application: unknown = client?.application;
  if (isPlainDocument(application) && typeof application.name === 'string') {
    context.connection.appName = application.name;
  }
  const maxAwaitTimeMS = optionalNumber(context, 'maxAwaitTimeMS');
  if (maxAwaitTimeMS !== undefined) {
    if (context.body.topologyVersion === undefined) {
      throw new CommandError(
        ErrorCodes.BadValue,
        "A request with a 'maxAwaitTimeMS' must also contain a 'topologyVersion'",
      );
    }
    if (topology.isCurrent(context.body.topologyVersion)) {
      await context.connection.waitForTopologyChange(maxAwaitTimeMS);
    }
  }
  if (topology.shuttingDown) {
    throw new CommandError(
      ErrorCodes.ShutdownInProgress,
      'The server is in quiesce mode and will shut down',
      { topologyVersion: topology.topologyVersion },
    );
  }
  return topology.helloReply({
    legacy: context.name === 'isMaster',
    helloOk: context.body.helloOk === true,
    connectionId: context.connection.id,
  });
}

function buildInfo(): Document {
  const versionArray = [...SERVER_VERSION.split('.').map(Number), 0];
  return {
    version: SERVER_VERSION,
    gitVersion: 'mongodb-stand-in',
    versionArray,
    bits: 64,
    debug: false,
    maxBsonObjectSize: MAX_BSON_SIZE,
    maxWireVersion: MAX_WIRE_VERSION,
    storageEngines: ['inMemory'],
    javascriptEngine: 'none',
    modules: [],
    ok: 1,
  };
}

function endSessions(context: CommandContext): Document {
  const sessions: unknown = context.body.endSessions;
  if (!Array.isArray(sessions)) {
    throw new CommandError(ErrorCodes.TypeMismatch, "BSON field 'endSessions' must be an array");
  }
  const keys = sessions.map(sessionKeyOf).filter((key): key is string => key !== undefined);
  context.server.sessions.end(keys);
  return { ok: 1 };
}

function listDatabases(context: CommandContext): Document {
  const { catalog } = context.server;
  const filter = optionalDocument(context, 'filter');
  const nameOnly = optionalBoolean(context, 'nameOnly') === true;
  let databases = catalog.databaseNames().map((name) => {
    const sizeOnDisk = catalog
      .collections(name)
      .reduce(
        (total, collection) =>
          total +
          [...collection.documents()].reduce(
            (sum, [, document]) => sum + calculateObjectSize(document),
            0,
          ),
        0,
      );
    return { name, sizeOnDisk, empty: false };
  });
  if (filter) {
    const query = new Query(filter, {});
    databases = databases.filter((database) => query.test(database));
  }
  if (nameOnly) return { databases: databases.map(({ name }) => ({ name })), ok: 1 };
  const totalSize = databases.reduce((total, database) => total + database.sizeOnDisk, 0);
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / 1024 / 1024), ok: 1 };
}

function dropDatabase(context: CommandContext): Document {
  const { catalog, cursors } = context.server;
  for (const collection of catalog.collections(context.database)) {
    cursors.killNamespace(collection.namespace);
  }
  catalog.dropDatabase(context.database);
  return { dropped: context.database, ok: 1 };
}

/**
 * mongod's `configureFailPoint` for the `failCommand` fail point, so a test written against a
 * server started with test commands enabled runs unchanged against the stand-in.
 */
function configureFailPoint(context: CommandContext): Document {
  if (context.database !== 'admin') {
    throw new CommandError(
      ErrorCodes.Unauthorized,
      'configureFailPoint may only be run against the admin database.',
    );
  }
  const name: unknown = context.body.configureFailPoint;
  if (name !== 'failCommand') {
    throw new CommandError(
      ErrorCodes.BadValue,
      `The MongoDB stand-in has no fail point named ${JSON.stringify(name)}; it supports failCommand`,
    );
  }
  const { faults } = context.server;
  const mode: unknown = context.body.mode;
  if (mode === 'off') {
    faults.clearFailCommands();
    return { count: 0, ok: 1 };
  }
  let times: number;
  if (mode === 'alwaysOn') times = Infinity;
  else if (isPlainDocument(mode) && typeof mode.times === 'number') times = mode.times;
  else {
    throw new CommandError(
      ErrorCodes.BadValue,
      `configureFailPoint.mode must be 'off', 'alwaysOn' or { times: N } (got ${JSON.stringify(mode)})`,
    );
  }
  const data = optionalDocument(context, 'data') ?? {};
  try {
    faults.failCommands({ ...(data as FailCommandsOptions), times });
  } catch (error) {
    throw new CommandError(ErrorCodes.BadValue, (error as Error).message);
  }
  return { count: 0, ok: 1 };
}

export const adminCommands: readonly Command[] = [
  { name: 'hello', fields: helloFields, run: hello },
  { name: 'isMaster', aliases: ['ismaster'], fields: helloFields, run: hello },
  { name: 'ping', fields: [], run: () => ({ ok: 1 }) },
  { name: 'buildInfo', aliases: ['buildinfo'], fields: [], run: buildInfo },
  { name: 'endSessions', fields: [], run: endSessions },
  {
    name: 'listDatabases',
    fields: ['filter', 'nameOnly', 'authorizedDatabases'],
    run: listDatabases,
  },
  { name: 'dropDatabase', fields: [], kind: 'write', run: dropDatabase },
  { name: 'configureFailPoint', fields: ['mode', 'data'], run: configureFailPoint },
];
