// /messages: create, list (keyset pagination, newest first), read, change and delete messages.
// Every route needs an access token; only a message's author may change or delete it.
import Router from '@koa/router';
import type { Middleware } from 'koa';
import type { ObjectId } from 'mongodb';
import type * as z from 'zod';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../db/cursor.ts';
import type { CursorPosition } from '../db/cursor.ts';
import type { Message, MessageStore } from '../db/messages.ts';
import { parseMessageId } from '../db/messages.ts';
import { readJsonBody } from '../http/body.ts';
import type { ServiceContext, ServiceState } from '../http/state.ts';
import { ProblemError } from '../problem.ts';
import { describeIssues, messageUpdateSchema, newMessageSchema } from '../schemas.ts';

export interface MessageRoutesOptions {
  store: MessageStore;
  authenticate: Middleware<ServiceState>;
  /** Maximum request body size, in bytes. */
  bodyLimitBytes: number;
}

export const defaultPageSize = 20;
export const maxPageSize = 100;
const maxAuthorLength = 1024;

/** Builds the router for /messages and /messages/{id}. */
export function messageRoutes(options: MessageRoutesOptions): Router<ServiceState> {
  const { store, authenticate } = options;
  const router = new Router<ServiceState>();

  router.post('/messages', authenticate, async (ctx) => {
    const { text } = await readBody(ctx, newMessageSchema, options.bodyLimitBytes, [
      'application/json',
    ]);
    const message = await store.create(callerOf(ctx), text);
    ctx.status = 201;
    ctx.set('Location', `/messages/${message.id}`);
    ctx.body = toJson(message);
  });

  router.get('/messages', authenticate, async (ctx) => {
    const query = parseListQuery(ctx.querystring);
    const page = await store.list({ limit: query.limit, author: query.author, after: query.after });
    ctx.body = {
      items: page.items.map(toJson),
      nextCursor: page.next === undefined ? null : encodeCursor(page.next),
    };
  });

  router.get('/messages/:id', authenticate, async (ctx) => {
    const id = requireId(ctx.params.id);
    const message = await store.get(id);
    if (message === undefined) {
      throw notFound(id);
    }
    ctx.body = toJson(message);
  });

  router.patch('/messages/:id', authenticate, async (ctx) => {
    const id = requireId(ctx.params.id);
    const { text } = await readBody(ctx, messageUpdateSchema, options.bodyLimitBytes, [
      'application/json',
      'application/merge-patch+json',
    ]);
    const change = await store.updateText(id, callerOf(ctx), text);
    if (change.outcome === 'not-found') {
      throw notFound(id);
    }
    if (change.outcome === 'not-author') {
      throw notAuthor(id, 'change');
    }
    ctx.body = toJson(change.value);
  });

  router.delete('/messages/:id', authenticate, async (ctx) => {
    const id = requireId(ctx.params.id);
    const change = await store.delete(id, callerOf(ctx));
    if (change.outcome === 'not-found') {
      throw notFound(id);
    }
    if (change.outcome === 'not-author') {
      throw notAuthor(id, 'delete');
    }
    ctx.status = 204;
  });

  return router;
}

export interface ListQuery {
  limit: number;
  author: string | undefined;
  after: CursorPosition | undefined;
}

/**
 * Parses `limit`, `cursor` and `author` from a raw query string. Unknown and repeated
 * parameters are rejected rather than ignored, so a typo cannot silently change the page.
 */
export function parseListQuery(querystring: string): ListQuery {
  const params = new URLSearchParams(querystring);
  const values = new Map<string, string>();
  for (const [name, value] of params) {
    if (!['limit', 'cursor', 'author'].includes(name)) {
      throw new ProblemError(
        'invalid-query',
        `Query parameter "${name}" is unknown; the parameters are author, cursor and limit.`,
      );
    }
    if (values.has(name)) {
      throw new ProblemError('invalid-query', `Query parameter "${name}" may appear only once.`);
    }
    values.set(name, value);
  }

  const limitText = values.get('limit');
  let limit = defaultPageSize;
  if (limitText !== undefined) {
    limit = /^[0-9]{1,3}$/.test(limitText) ? Number(limitText) : Number.NaN;
    if (!(limit >= 1 && limit <= maxPageSize)) {
      throw new ProblemError(
        'invalid-query',
        `Query parameter "limit" must be an integer from 1 to ${maxPageSize} (got "${limitText}").`,
      );
    }
  }

  const author = values.get('author');
  if (author !== undefined && (author === '' || author.length > maxAuthorLength)) {
    throw new ProblemError(
      'invalid-query',
      `Query parameter "author" must be 1 to ${maxAuthorLength} characters.`,
    );
  }

  const cursor = values.get('cursor');
  let after: CursorPosition | undefined;
  if (cursor !== undefined) {
    after = decodeCursor(cursor);
    if (after.author !== (author ?? null)) {
      throw new InvalidCursorError('it was issued for a different author filter');
    }
  }
  return { limit, author, after };
}

async function readBody<Schema extends z.ZodType>(
  ctx: ServiceContext,
  schema: Schema,
  limit: number,
  mediaTypes: readonly string[],
): Promise<z.output<Schema>> {
  const body = await readJsonBody(ctx, { limit, mediaTypes });
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    const errors = describeIssues(parsed.error);
    throw new ProblemError(
      'invalid-body',
      `The request body is invalid: ${errors.map((error) => `${error.pointer} ${error.detail}`).join('; ')}.`,
      { extensions: { errors } },
    );
  }
  return parsed.data;
}

function requireId(text: string | undefined): ObjectId {
  const id = parseMessageId(text ?? '');
  if (id === undefined) {
    throw new ProblemError(
      'invalid-id',
      `The message id must be 24 hexadecimal characters (got ${JSON.stringify(truncate(text ?? ''))}).`,
    );
  }
  return id;
}

function callerOf(ctx: ServiceContext): string {
  const caller = ctx.state.caller;
  if (caller === undefined) {
    throw new Error('message route reached without an authenticated caller');
  }
  return caller.subject;
}

function notFound(id: ObjectId): ProblemError {
  return new ProblemError('not-found', `Message ${id.toHexString()} does not exist.`);
}

function notAuthor(id: ObjectId, action: 'change' | 'delete'): ProblemError {
  return new ProblemError(
    'not-author',
    `Message ${id.toHexString()} belongs to another author; only its author may ${action} it.`,
  );
}

function truncate(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}...` : text;
}

function toJson(message: Message): Record<string, string> {
  return {
    id: message.id,
    text: message.text,
    author: message.author,
    createdAt: message.createdAt.toISOString(),
    ...(message.updatedAt === undefined ? {} : { updatedAt: message.updatedAt.toISOString() }),
  };
}
