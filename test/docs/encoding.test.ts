import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from '../../service/src/docs/encoding.ts';

describe('negotiateEncoding', () => {
  it.each([
    // Browsers list gzip first; brotli still wins because the weights tie.
    ['gzip, deflate, br, zstd', 'br'],
    ['gzip, deflate, br', 'br'],
    ['gzip', 'gzip'],
    ['x-gzip', 'gzip'],
    ['BR', 'br'],
    ['br;q=0.5, gzip', 'gzip'],
    ['gzip, br;q=0', 'gzip'],
    ['*', 'br'],
    ['*;q=0, identity', 'identity'],
    // No header: any coding is acceptable, and identity needs no work from the client.
    [undefined, 'identity'],
    // An empty header means identity only.
    ['', 'identity'],
    ['deflate', 'identity'],
    // An unreadable weight counts as zero.
    ['br;q=high', 'identity'],
    ['identity;q=0', false],
    ['*;q=0', false],
  ] as const)('%s gives %s', (header, expected) => {
    expect(negotiateEncoding(header)).toBe(expected);
  });
});
