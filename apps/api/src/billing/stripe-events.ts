import type Stripe from 'stripe';
import type { CreditPack } from '@darkroom/config';
import type { DisputeOutcome, PaymentEvent } from '@darkroom/credits';

/**
 * A closed dispute's status, for credits: `won`, and `warning_closed` (an inquiry that never became a chargeback:
 * the money stayed), give the credits back; `lost` keeps the debit. Other statuses are not final.
 */
const DISPUTE_OUTCOMES: Record<string, DisputeOutcome | undefined> = { won: 'won', warning_closed: 'won', lost: 'lost' };

const idOf = (ref: string | { id: string } | null | undefined) => (typeof ref === 'string' ? ref : ref?.id ?? null);

/**
 * The few Stripe events the ledger acts on, as provider-neutral PaymentEvents; every other type is recorded and
 * ignored. Credits come from the pack configuration (by the pack name in the session's metadata), not from
 * amounts in the event.
 */
export function toPaymentEvent(event: Stripe.Event, packs: Record<string, CreditPack>): PaymentEvent {
  const base = { eventId: event.id, eventType: event.type };
  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded': {
      const s = event.data.object;
      const pack = s.metadata?.pack ?? null;
      const paid = event.type === 'checkout.session.async_payment_succeeded' || s.payment_status !== 'unpaid';
      return {
        ...base,
        kind: paid ? 'checkout_paid' : 'checkout_awaiting_payment',
        sessionId: s.id,
        paymentIntentId: idOf(s.payment_intent),
        tenantId: s.client_reference_id ?? s.metadata?.tenantId ?? null,
        pack,
        credits: pack ? packs[pack]?.credits ?? null : null,
        amountTotal: s.amount_total,
        currency: s.currency,
      };
    }
    case 'charge.refunded': {
      const c = event.data.object;
      const paymentIntentId = idOf(c.payment_intent);
      if (!paymentIntentId) return { ...base, kind: 'ignored' };
      return { ...base, kind: 'charge_refunded', paymentIntentId, amount: c.amount, amountRefunded: c.amount_refunded };
    }
    case 'charge.dispute.created': {
      const d = event.data.object;
      const paymentIntentId = idOf(d.payment_intent);
      if (!paymentIntentId) return { ...base, kind: 'ignored' };
      return { ...base, kind: 'dispute_created', paymentIntentId, disputeId: d.id };
    }
    case 'charge.dispute.closed': {
      const d = event.data.object;
      const paymentIntentId = idOf(d.payment_intent);
      const outcome = DISPUTE_OUTCOMES[d.status];
      if (!paymentIntentId || !outcome) return { ...base, kind: 'ignored' };
      return { ...base, kind: 'dispute_closed', paymentIntentId, disputeId: d.id, outcome };
    }
    default:
      return { ...base, kind: 'ignored' };
  }
}
