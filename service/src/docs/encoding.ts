// Content negotiation for the docs assets. Koa's `acceptsEncodings` breaks ties between equally
// weighted codings by the client's order, and browsers list gzip before br, so it would never
// pick brotli for them. This picks by weight, then by the server's preference.

export type ContentEncoding = 'br' | 'gzip' | 'identity';

const SERVER_PREFERENCE: readonly ContentEncoding[] = ['br', 'gzip', 'identity'];

/**
 * Chooses the coding for a response from the `Accept-Encoding` header (RFC 9110 section 12.5.3).
 * Returns `identity` when the header is absent and `false` when the client rejects all three.
 */
export function negotiateEncoding(header: string | undefined): ContentEncoding | false {
  if (header === undefined) return 'identity';

  const weights = new Map<string, number>();
  for (const entry of header.split(',')) {
    const [name = '', ...parameters] = entry.split(';').map((part) => part.trim().toLowerCase());
    if (name === '') continue;
    const q = parameters.find((parameter) => parameter.startsWith('q='));
    const weight = q === undefined ? 1 : Number(q.slice(2));
    weights.set(name, Number.isFinite(weight) ? Math.min(Math.max(weight, 0), 1) : 0);
  }

  let best: ContentEncoding | false = false;
  let bestWeight = 0;
  for (const coding of SERVER_PREFERENCE) {
    const weight = weightOf(coding, weights);
    if (weight > bestWeight) {
      best = coding;
      bestWeight = weight;
    }
  }
  return best;
}

function weightOf(coding: ContentEncoding, weights: ReadonlyMap<string, number>): number {
  const listed = weights.get(coding) ?? (coding === 'gzip' ? weights.get('x-gzip') : undefined);
  if (listed !== undefined) return listed;
  const wildcard = weights.get('*');
  if (wildcard !== undefined)
    return coding === 'identity' ? Math.min(wildcard, Number.EPSILON) : wildcard;
  // identity is acceptable unless the header excludes it, but only as the last choice.
  return coding === 'identity' ? Number.EPSILON : 0;
}
