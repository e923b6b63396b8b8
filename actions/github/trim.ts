// Fits Markdown under a size limit (GitHub's comment and job summary limits), cutting at a line
// break, closing a code fence the cut left open, and ending with a note that it was trimmed.

/** Measures text in the unit of a limit: characters or UTF-8 bytes. */
export type Measure = (text: string) => number;

/**
 * UTF-16 code units. GitHub counts a comment's 65,536-character limit in Unicode characters, and
 * a string never has more characters than code units, so staying under this stays under that.
 */
export const characters: Measure = (text) => text.length;

export const utf8Bytes: Measure = (text) => Buffer.byteLength(text, 'utf8');

export interface TrimResult {
  readonly text: string;
  readonly trimmed: boolean;
}

/** Returns the ``` or ~~~ fence that a cut after `text` leaves open, if any. */
function openFence(text: string): string | undefined {
  let open: string | undefined;
  for (const line of text.split('\n')) {
    const fence = /^\s{0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined) continue;
    if (open === undefined) open = fence;
    else if (fence.startsWith(open[0] ?? '') && fence.length >= open.length) open = undefined;
  }
  return open;
}

/** Returns the first `length` code units of `text`, cut back to the last line break if any. */
function cutAtLine(text: string, length: number): string {
  let prefix = text.slice(0, length);
  // Never split a surrogate pair: half an emoji is not valid UTF-8.
  if (/[\uD800-\uDBFF]$/.test(prefix)) prefix = prefix.slice(0, -1);
  const lineBreak = prefix.lastIndexOf('\n');
  return lineBreak > 0 ? prefix.slice(0, lineBreak) : prefix;
}

function assemble(head: string, note: string): string {
  const fence = openFence(head);
  return `${head}${fence === undefined ? '' : `\n${fence}`}\n\n${note}`;
}

/**
 * Returns `text` unchanged when `measure(text) <= limit`. Otherwise returns a prefix, cut at a
 * line break, that fits together with `note(omitted)`, where `omitted` is the number of characters
 * left out. Throws when even the note alone does not fit.
 */
export function trimMarkdown(
  text: string,
  limit: number,
  note: (omitted: number) => string,
  measure: Measure = characters,
): TrimResult {
  if (measure(text) <= limit) return { text, trimmed: false };

  const fits = (length: number): boolean => {
    const head = cutAtLine(text, length);
    return measure(assemble(head, note(text.length - head.length))) <= limit;
  };
  if (!fits(0)) {
    throw new RangeError(`The trim note alone is longer than the limit of ${limit}.`);
  }
  // Binary search for a long prefix that fits. `low` only moves to lengths that fit, so the result
  // always fits. It can fall a line short of the longest, because the fence a cut closes makes
  // `fits` not quite monotonic.
  let low = 0;
  let high = text.length;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (fits(middle)) low = middle;
    else high = middle - 1;
  }
  const head = cutAtLine(text, low);
  return { text: assemble(head, note(text.length - head.length)), trimmed: true };
}
