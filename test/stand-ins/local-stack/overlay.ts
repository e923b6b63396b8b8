// The local overlay (config/local/overlay.yaml): which environment `npm start` reconciles, the
// stand-ins' credentials, the local function URL and the test account. Parsed once, strictly:
// an unknown key or a bad value stops the start with its file:line.
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import type { Document } from 'yaml';
import { isMap, isNode, isScalar, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';

const credentialNames = [
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'MONGODB_ATLAS_CLIENT_ID',
  'MONGODB_ATLAS_CLIENT_SECRET',
  'OKTA_API_TOKEN',
] as const;

const overlaySchema = z.strictObject({
  environment: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be an environment name such as dev'),
  stateFolder: z.string().min(1),
  functionUrl: z.strictObject({
    key: z.string().min(1),
    port: z.int().min(0).max(65_535),
  }),
  credentials: z.strictObject(
    Object.fromEntries(credentialNames.map((name) => [name, z.string().min(1)])) as Record<
      (typeof credentialNames)[number],
      z.ZodString
    >,
  ),
  testUser: z.strictObject({
    login: z.string().min(1),
    password: z.string().min(1),
    name: z.string().min(1),
  }),
});

/** The validated overlay. */
export type LocalOverlay = z.infer<typeof overlaySchema>;

/** An overlay that could not be read or is invalid; the message lists every problem. */
export class OverlayError extends Error {
  override readonly name = 'OverlayError';
  readonly code = 'ERR_LOCAL_OVERLAY';
}

/**
 * Returns the offset of an unknown key, of the value at `path`, or of the nearest map above a
 * missing value, so every problem points at a line.
 */
function locate(
  document: Document,
  path: readonly string[],
  unknownKey?: string,
): number | undefined {
  if (unknownKey !== undefined) {
    const map = document.getIn(path, true);
    if (isMap(map)) {
      const pair = map.items.find((item) => isScalar(item.key) && item.key.value === unknownKey);
      if (isNode(pair?.key)) {
        return pair.key.range?.[0];
      }
    }
  }
  for (let length = path.length; length >= 0; length -= 1) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node)) {
      return node.range?.[0];
    }
  }
  return undefined;
}

/** Reads and validates the overlay file. */
export async function loadOverlay(path: string, displayRoot: string): Promise<LocalOverlay> {
  const shown = relative(displayRoot, path);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new OverlayError(
      `cannot read the local overlay ${shown}: ${(error as Error).message}. Restore it from git.`,
      { cause: error },
    );
  }
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter });
  if (document.errors.length > 0) {
    const first = document.errors[0]!;
    const { line, col } = lineCounter.linePos(first.pos[0]);
    throw new OverlayError(`${shown}:${line}:${col}: invalid YAML: ${first.message}`);
  }

  const parsed = overlaySchema.safeParse(document.toJS());
  if (parsed.success) {
    return parsed.data;
  }
  const problems = parsed.error.issues.map((issue) => {
    const path = issue.path.map(String);
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [];
    const position = locate(document, path, keys[0]);
    const where = [...path, ...(keys.length > 0 ? [keys.join(', ')] : [])].join('.') || '(root)';
    const missing = issue.code === 'invalid_type' && document.getIn(path) === undefined;
    const message = missing ? 'missing; add it' : issue.message;
    const shownPosition =
      position === undefined
        ? shown
        : `${shown}:${lineCounter.linePos(position).line}:${lineCounter.linePos(position).col}`;
    return `${shownPosition} ${where}: ${message}`;
  });
  throw new OverlayError(
    `the local overlay is invalid:\n  ${problems.join('\n  ')}\nFix these keys; the file's comments describe each one.`,
  );
}
