// Seeding of the Atlas stand-in's invoices, for the billing check: a pending invoice of the
// current month, as Atlas keeps one per organization while the month's charges accrue.
import type { StoredInvoice } from './state.ts';

/** Returns a PENDING invoice of `orgId` for the calendar month of `now`, billed `amountBilledCents`. */
export function pendingInvoice(options: {
  readonly orgId: string;
  readonly amountBilledCents: number;
  readonly now: Date;
  readonly id?: string;
}): StoredInvoice {
  const { now, amountBilledCents } = options;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const end = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() + 1, 1));
  return {
    id: options.id ?? 'a1b2c3d4e5f6a7b8c9d0e1f2',
    orgId: options.orgId,
    statusName: 'PENDING',
    startDate: start.toISOString().replace('.000Z', 'Z'),
    endDate: end.toISOString().replace('.000Z', 'Z'),
    created: start.toISOString().replace('.000Z', 'Z'),
    updated: now.toISOString().replace('.000Z', 'Z'),
    amountBilledCents,
    amountPaidCents: 0,
    creditsCents: 0,
    salesTaxCents: 0,
    startingBalanceCents: 0,
    subtotalCents: amountBilledCents,
    lineItems: [],
  };
}
