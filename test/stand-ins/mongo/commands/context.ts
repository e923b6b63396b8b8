// What every command handler receives, and the argument readers that raise mongod's own
// messages for a field of the wrong type.
import type { Document } from 'bson';
import type { CursorRegistry } from '../cursors.ts';
import type { Deadline } from '../deadline.ts';
import { CommandError, ErrorCodes, bsonTypeName, wrongType } from '../errors.ts';
import type { FaultState } from '../faults.ts';
import type { SessionTable } from '../sessions.ts';
import type { Catalog } from '../store/catalog.ts';
import { checkCollectionName } from '../store/catalog.ts';
import { isPlainDocument } from '../store/values.ts';
import type { Topology, WaitOutcome } from '../topology.ts';

/** State shared by every connection of one stand-in. */
export interface ServerState {
  readonly catalog: Catalog;
  readonly cursors: CursorRegistry;
  readonly topology: Topology;
  readonly sessions: SessionTable;
  readonly faults: FaultState;
}

/** The connection a command arrived on. */
export interface ConnectionInfo {
  readonly id: number;
  /** `client.application.name` from the handshake, when the driver sent one. */
  appName: string | undefined;
  /** Waits up to `ms` for a topology change; ends early when the connection closes. */
  waitForTopologyChange(ms: number): Promise<WaitOutcome>;
}

export interface CommandContext {
  readonly server: ServerState;
  readonly connection: ConnectionInfo;
  /** The command's canonical name (`isMaster` for `ismaster`). */
  readonly name: string;
  /** `$db` of the request. */
  readonly database: string;
  readonly body: Document;
  readonly deadline: Deadline;
}

export interface Command {
  readonly name: string;
  /** Other spellings mongod accepts, such as `ismaster`. */
  readonly aliases?: readonly string[];
  /**
   * Fields the command accepts besides its name and the generic ones (`lsid`, `$db`, …). `any`
   * marks commands mongod parses leniently, such as `hello`, where drivers add new fields.
   */
  readonly fields: readonly string[] | 'any';
  /** `retryable`: a write whose reply is recorded per `txnNumber`; `write`: changes data. */
  readonly kind?: 'read' | 'write' | 'retryable';
  run(context: CommandContext): Document | Promise<Document>;
}

/** Returns the collection named by the command field, checked like mongod does. */
export function collectionArgument(context: CommandContext): string {
  const value: unknown = context.body[context.name];
  if (typeof value !== 'string') {
    throw new CommandError(
      ErrorCodes.InvalidNamespace,
      `collection name has invalid type ${bsonTypeName(value)}`,
    );
  }
  checkCollectionName(context.database, value);
  return value;
}

export function optionalDocument(context: CommandContext, field: string): Document | undefined {
  const value: unknown = context.body[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainDocument(value)) throw wrongType(`${context.name}.${field}`, value, 'object');
  return value;
}

export function optionalNumber(context: CommandContext, field: string): number | undefined {
  const value: unknown = context.body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw wrongType(`${context.name}.${field}`, value, 'long');
  return value;
}

/** Reads a non-negative integer field such as `limit`, `skip` or `batchSize`. */
export function optionalCount(context: CommandContext, field: string): number | undefined {
  const value = optionalNumber(context, field);
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0) {
    throw new CommandError(
      ErrorCodes.BadValue,
      `BSON field '${field}' value must be >= 0, actual value '${value}'`,
    );
  }
  return value;
}

export function optionalBoolean(context: CommandContext, field: string): boolean | undefined {
  const value: unknown = context.body[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  throw wrongType(`${context.name}.${field}`, value, 'bool');
}

export function requiredArray(context: CommandContext, field: string): unknown[] {
  const value: unknown = context.body[field];
  if (value === undefined) {
    throw new CommandError(
      ErrorCodes.FailedToParse,
      `BSON field '${context.name}.${field}' is missing but a required field`,
    );
  }
  if (!Array.isArray(value)) throw wrongType(`${context.name}.${field}`, value, 'array');
  return value;
}

/** Returns each element of an array field as a document, or raises for the first that is not. */
export function documentsOf(context: CommandContext, field: string): Document[] {
  return requiredArray(context, field).map((element, index) => {
    if (!isPlainDocument(element)) {
      throw wrongType(`${context.name}.${field}.${index}`, element, 'object');
    }
    return element;
  });
}

export function namespaceOf(context: CommandContext, collection: string): string {
  return `${context.database}.${collection}`;
}
