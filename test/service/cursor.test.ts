import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor, InvalidCursorError } from '../../service/src/db/cursor.ts';

const position = {
  createdAt: new Date('2026-01-15T10:00:00.123Z'),
  id: ObjectId.createFromHexString('65a4f3c2e1d0c9b8a7f6e5d4'),
  author: 'ada@example.com',
};

function encodeJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

describe('page cursor', () => {
  it('round-trips a position', () => {
    expect(decodeCursor(encodeCursor(position))).toEqual(position);
  });

  it('round-trips no author filter', () => {
    expect(decodeCursor(encodeCursor({ ...position, author: null })).author).toBeNull();
  });

  const invalid: { name: string; cursor: string; reason: string }[] = [
    {
      name: 'empty',
      cursor: '',
      reason: 'the cursor is not base64url text of at most 512 characters',
    },
    {
      name: 'padding',
      cursor: 'abc=',
      reason: 'the cursor is not base64url text of at most 512 characters',
    },
    {
      name: 'not JSON',
      cursor: Buffer.from('hello').toString('base64url'),
      reason: 'the cursor does not decode to JSON',
    },
    {
      name: 'operator id',
      cursor: encodeJson({ v: 1, t: 0, i: { $gt: '' }, a: null }),
      reason: 'the cursor does not contain a page position',
    },
    {
      name: 'negative time',
      cursor: encodeJson({ v: 1, t: -1, i: '65a4f3c2e1d0c9b8a7f6e5d4', a: null }),
      reason: 'the cursor does not contain a page position',
    },
    {
      name: 'extra field',
      cursor: encodeJson({ v: 1, t: 0, i: '65a4f3c2e1d0c9b8a7f6e5d4', a: null, x: 1 }),
      reason: 'the cursor does not contain a page position',
    },
    {
      name: 'other version',
      cursor: encodeJson({ v: 2, t: 0, i: '65a4f3c2e1d0c9b8a7f6e5d4', a: null }),
      reason: 'the cursor does not contain a page position',
    },
  ];

  for (const testCase of invalid) {
    it(`rejects ${testCase.name}`, () => {
      expect(() => decodeCursor(testCase.cursor)).toThrow(InvalidCursorError);
      expect(() => decodeCursor(testCase.cursor)).toThrow(testCase.reason);
    });
  }
});
