// The `atlas.budget` field of the Atlas provider's schema: a positive limit in US dollars.
import { describe, expect, it } from 'vitest';
import { atlasSchema } from '../../actions/providers/atlas/schema.ts';

const orgId = '000000000000000000000000';

function problems(budget: unknown) {
  const result = atlasSchema.safeParse({ orgId, budget });
  return result.success
    ? []
    : result.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('atlas.budget', () => {
  it('accepts a limit in USD', () => {
    expect(problems({ limitAmount: 25, unit: 'USD' })).toEqual([]);
  });

  it('is optional', () => {
    expect(atlasSchema.safeParse({ orgId }).success).toBe(true);
  });

  it('rejects another currency', () => {
    expect(problems({ limitAmount: 25, unit: 'EUR' })).toEqual([
      'budget.unit: unit must be USD: Atlas invoices in US dollars',
    ]);
  });

  it('rejects a limit of zero', () => {
    expect(problems({ limitAmount: 0, unit: 'USD' })).toEqual([
      'budget.limitAmount: limitAmount must be more than 0 US dollars',
    ]);
  });

  it('rejects a limit as text', () => {
    expect(problems({ limitAmount: '25', unit: 'USD' })).toEqual([
      'budget.limitAmount: limitAmount must be a number of US dollars, such as 25',
    ]);
  });

  it('rejects unknown keys', () => {
    expect(problems({ limitAmount: 25, unit: 'USD', thresholds: [80] })).toHaveLength(1);
  });
});
