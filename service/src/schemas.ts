// Request and response shapes. Request bodies are validated with these schemas, and the OpenAPI
// document is generated from them, so the two cannot disagree.
import * as z from 'zod';
import type { ProblemCode } from './problem.ts';
import { problemTypes } from './problem.ts';

export const maxTextLength = 2_000;

/**
 * Message text, trimmed. Its length counts Unicode code points, as JSON Schema's maxLength does,
 * so an emoji counts once.
 */
const messageText = z
  .string()
  .trim()
  .refine((text) => text.length > 0, { message: 'must not be empty or only whitespace' })
  .refine((text) => countCodePoints(text) <= maxTextLength, {
    message: `must be at most ${maxTextLength} characters after trimming`,
  })
  .meta({
    description: `Message text, 1 to ${maxTextLength} characters after trimming leading and trailing whitespace.`,
    minLength: 1,
    maxLength: maxTextLength,
    examples: ['Hello, world'],
  });

export const newMessageSchema = z.strictObject({ text: messageText });

export const messageUpdateSchema = z.strictObject({ text: messageText });

export const messageSchema = z.strictObject({
  id: z
    .string()
    .regex(/^[0-9a-f]{24}$/)
    .meta({ description: 'Message id: 24 hexadecimal characters.' }),
  text: z.string(),
  author: z.string().meta({ description: 'The `sub` claim of the access token that created it.' }),
  createdAt: z.iso.datetime().meta({ description: 'Creation time, UTC.' }),
  updatedAt: z.iso.datetime().optional().meta({ description: 'Time of the last change, UTC.' }),
});

export const messageListSchema = z.strictObject({
  items: z.array(messageSchema).meta({ description: 'Messages, newest first.' }),
  nextCursor: z.string().nullable().meta({
    description: 'Pass as `cursor` to read the next page; null on the last page.',
  }),
});

export const healthSchema = z.strictObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  functionVersion: z.string().optional().meta({
    description: 'The Lambda version that served the request, such as `7`; absent off Lambda.',
  }),
  database: z.enum(['ok', 'unavailable']),
});

const problemCodes = Object.keys(problemTypes) as [ProblemCode, ...ProblemCode[]];

export const problemSchema = z.looseObject({
  type: z.string().meta({ description: 'URI reference of the problem type: /problems/{code}.' }),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.enum(problemCodes).meta({ description: 'Stable problem code.' }),
  requestId: z.string().optional().meta({ description: 'Identifies the log entry.' }),
  errors: z
    .array(z.strictObject({ pointer: z.string(), detail: z.string() }))
    .optional()
    .meta({ description: 'Each invalid field: a JSON Pointer into the body, and the reason.' }),
});

export const problemTypeSchema = z.strictObject({
  type: z.string(),
  code: z.enum(problemCodes),
  status: z.number().int(),
  title: z.string(),
  description: z.string(),
});

export type NewMessage = z.output<typeof newMessageSchema>;

/** One invalid field of a request body. */
export interface FieldError {
  /** JSON Pointer (RFC 6901) into the body. */
  pointer: string;
  detail: string;
}

/** Lists the failures of a zod validation as JSON Pointers with reasons, sorted by pointer. */
export function describeIssues(error: z.ZodError): FieldError[] {
  const fields = error.issues.flatMap((issue) => {
    const pointer = `/${issue.path.map((part) => String(part).replaceAll('~', '~0').replaceAll('/', '~1')).join('/')}`;
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        pointer: `${pointer === '/' ? '' : pointer}/${key}`,
        detail: 'is not a known field',
      }));
    }
    return [{ pointer, detail: issue.message }];
  });
  return fields.sort((a, b) => a.pointer.localeCompare(b.pointer));
}

function countCodePoints(text: string): number {
  let count = 0;
  for (const _ of text) {
    count += 1;
  }
  return count;
}
