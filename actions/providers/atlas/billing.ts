// The organisation's charges so far this billing period, for the billing check. Atlas reports
// them on the pending invoice, in cents (hundredths of a US dollar).
import type { Logger } from '../../engine/provider.ts';
import { segment, type AtlasClient } from './client.ts';

/** The fields of `BillingInvoice` that the billing check reads. */
interface AtlasInvoice {
  id: string;
  statusName?: string;
  startDate?: string;
  endDate?: string;
  amountBilledCents?: number;
  subtotalCents?: number;
  creditsCents?: number;
  salesTaxCents?: number;
}

/** What the organisation owes for the current period, summed over its pending invoices. */
export interface PendingCharges {
  readonly orgId: string;
  /** Ids of the pending invoices, sorted. Usually one; none for a new organisation. */
  readonly invoiceIds: readonly string[];
  /** Charges billed so far, after credits, in cents. */
  readonly amountBilledCents: number;
  /** Charges before credits and tax, in cents. */
  readonly subtotalCents: number;
  readonly creditsCents: number;
  readonly salesTaxCents: number;
  /** `amountBilledCents` in US dollars, for comparison with a budget limit. */
  readonly amountBilledUsd: number;
  /** Start of the earliest pending period (ISO 8601), or undefined without invoices. */
  readonly periodStart: string | undefined;
  readonly periodEnd: string | undefined;
}

/** Reads the pending invoices of `orgId` (`GET /orgs/{orgId}/invoices/pending`) and sums them. */
export async function readPendingCharges(
  client: AtlasClient,
  orgId: string,
  log?: Logger,
): Promise<PendingCharges> {
  const invoices = await client.listAll<AtlasInvoice>({
    operation: 'listPendingInvoices',
    path: `/orgs/${segment(orgId)}/invoices/pending`,
    ...(log && { log }),
  });
  const sum = (field: keyof AtlasInvoice) =>
    invoices.reduce((total, invoice) => total + (Number(invoice[field]) || 0), 0);
  const starts = invoices.map((invoice) => invoice.startDate).filter((date) => date !== undefined);
  const ends = invoices.map((invoice) => invoice.endDate).filter((date) => date !== undefined);
  const amountBilledCents = sum('amountBilledCents');
  return {
    orgId,
    invoiceIds: invoices.map((invoice) => invoice.id).sort(),
    amountBilledCents,
    subtotalCents: sum('subtotalCents'),
    creditsCents: sum('creditsCents'),
    salesTaxCents: sum('salesTaxCents'),
    amountBilledUsd: amountBilledCents / 100,
    periodStart: starts.sort()[0],
    periodEnd: ends.sort().at(-1),
  };
}
