import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../../actions/engine/suggest.ts';

describe('editDistance', () => {
  it('counts a swap as one edit', () => {
    expect(editDistance('prnue', 'prune')).toBe(1);
  });

  it('ignores case', () => {
    expect(editDistance('ARN', 'arn')).toBe(0);
  });

  it('counts insertions and deletions', () => {
    expect(editDistance('lamda', 'lambda')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
  });
});

describe('closestMatch', () => {
  it('suggests a near key', () => {
    expect(closestMatch('roleNmae', ['description', 'roleName'])).toBe('roleName');
  });

  it('suggests nothing for distant keys', () => {
    expect(closestMatch('xyz', ['roleName', 'description'])).toBeUndefined();
  });
});
