import { z } from 'zod';

// Buying credits (Stripe Checkout through the billing module) and payments. The ledger's filters are in
// dashboard.contract.ts (ledgerFilterSchema).

export const checkoutRequestSchema = z.strictObject({ pack: z.string().trim().min(1, 'pick a credit pack').max(32) });
export type CheckoutRequest = z.input<typeof checkoutRequestSchema>;

export interface CreditPackView {
  name: string;
  credits: number;
}
export interface CheckoutResponse {
  sessionId: string;
  /** Stripe Checkout: send the browser there. */
  url: string;
}
export interface PaymentView {
  id: string;
  pack: string;
  credits: number;
  /** In the currency's minor unit (cents). */
  amountTotal: number | null;
  currency: string | null;
  status: 'PENDING' | 'PAID' | 'PARTIALLY_REFUNDED' | 'REFUNDED' | 'DISPUTED';
  reversedCredits: number;
  createdAt: string;
  paidAt: string | null;
}
export interface PaymentsResponse {
  payments: PaymentView[];
}
