// Reads JSON request bodies with a size limit, before schema validation. Keys that MongoDB
// would read as operators or field paths are rejected here, so no such key can reach a query.
import { ProblemError } from '../problem.ts';
import type { ServiceContext } from './state.ts';

export interface JsonBodyOptions {
  /** Maximum body size in bytes. */
  limit: number;
  /** Accepted media types, such as `application/json`. */
  mediaTypes: readonly string[];
}

/**
 * Reads and parses the JSON body of the request. Throws a `ProblemError`: 415 for another media
 * type, charset or content encoding, 413 past `limit`, 400 for a missing body, invalid UTF-8,
 * invalid JSON, or a key that starts with "$" or contains ".".
 */
export async function readJsonBody(
  ctx: ServiceContext,
  options: JsonBodyOptions,
): Promise<unknown> {
  checkContentHeaders(ctx, options);

  const declared = ctx.request.length;
  if (declared !== undefined && declared > options.limit) {
    throw tooLarge(options.limit, `${declared} bytes`);
  }
  const bytes = await readLimited(ctx, options.limit);
  if (bytes.length === 0) {
    throw new ProblemError('invalid-body', 'The request body is empty; send a JSON object.');
  }

  const body = parseJson(bytes);
  const key = findOperatorKey(body);
  if (key !== undefined) {
    throw new ProblemError(
      'invalid-body',
      `The key ${JSON.stringify(key.key)} at ${key.path} is not allowed: keys must not start with "$" or contain ".".`,
    );
  }
  return body;
}

function checkContentHeaders(ctx: ServiceContext, options: JsonBodyOptions): void {
  const type = ctx.request.type;
  const accepted = options.mediaTypes.join(' or ');
  if (type === '') {
    throw new ProblemError(
      'unsupported-media-type',
      `The Content-Type header is missing; send the body as ${accepted}.`,
    );
  }
  if (!options.mediaTypes.includes(type)) {
    throw new ProblemError(
      'unsupported-media-type',
      `Content-Type "${type}" is not supported; send the body as ${accepted}.`,
    );
  }
  const charset = ctx.request.charset.toLowerCase();
  if (charset !== '' && charset !== 'utf-8' && charset !== 'utf8') {
    throw new ProblemError(
      'unsupported-media-type',
      `Charset "${charset}" is not supported; send the body in UTF-8.`,
    );
  }
  const encoding = ctx.get('content-encoding').trim().toLowerCase();
  if (encoding !== '' && encoding !== 'identity') {
    throw new ProblemError(
      'unsupported-media-type',
      `Content-Encoding "${encoding}" is not supported; send the body uncompressed.`,
    );
  }
}

async function readLimited(ctx: ServiceContext, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer | string>) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buffer.length;
    if (size > limit) {
      throw tooLarge(limit, `more than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, size);
}

function tooLarge(limit: number, received: string): ProblemError {
  return new ProblemError(
    'body-too-large',
    `The request body may be at most ${limit} bytes (got ${received}).`,
    { extensions: { limit } },
  );
}

const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

function parseJson(bytes: Buffer): unknown {
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new ProblemError('invalid-body', 'The request body is not valid UTF-8.');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const reason = error instanceof SyntaxError ? error.message : 'parse error';
    throw new ProblemError('invalid-body', `The request body is not valid JSON: ${reason}.`);
  }
}

/** Returns the first key, in document order, that starts with "$" or contains ".". */
function findOperatorKey(value: unknown): { key: string; path: string } | undefined {
  // Iterative, so deeply nested input cannot exhaust the stack.
  const stack: { value: unknown; path: string }[] = [{ value, path: '$' }];
  while (stack.length > 0) {
    const item = stack.pop()!;
    if (Array.isArray(item.value)) {
      for (let index = item.value.length - 1; index >= 0; index -= 1) {
        stack.push({ value: item.value[index], path: `${item.path}[${index}]` });
      }
    } else if (typeof item.value === 'object' && item.value !== null) {
      const entries = Object.entries(item.value as Record<string, unknown>);
      for (const [key] of entries) {
        if (key.startsWith('$') || key.includes('.')) {
          return { key, path: item.path };
        }
      }
      for (let index = entries.length - 1; index >= 0; index -= 1) {
        const [key, child] = entries[index]!;
        stack.push({ value: child, path: `${item.path}.${key}` });
      }
    }
  }
  return undefined;
}
