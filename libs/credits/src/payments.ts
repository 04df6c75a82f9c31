import { TX_OPTIONS, type Prisma, type PrismaClient } from '@darkroom/db';
import { creditsNumber, creditsText, minUnits, Units, unitsOf } from './credit-units';
import { applyLedgerChange } from './ledger';
import type { Tx } from './ledger-types';

/**
 * Credit-pack purchases, independent of the payment provider's library: the API turns a verified Stripe event
 * into one of these and calls handlePaymentEvent. Rules:
 * - each event id is handled once (a StripeEvent row, inserted first in the same transaction: a redelivery or
 *   a concurrent duplicate finds it and changes nothing);
 * - a paid checkout session credits its pack once per session (PURCHASE keyed by the session id), whichever of
 *   `checkout.session.completed` (paid) or `checkout.session.async_payment_succeeded` comes, and however often;
 * - a refund takes back the refunded share of the pack's credits (PAYMENT_REVERSAL, spending purchased credits
 *   before expiring ones); a dispute takes back all the pack's credits not taken back yet. Credits already spent
 *   cannot be taken: the balance goes to 0, and the payment is flagged with the shortfall for an admin;
 * - a dispute that closes WON (or `warning_closed`: an inquiry that never became a chargeback) gives back exactly
 *   what its opening took (a positive PAYMENT_REVERSAL keyed by the dispute, so once per dispute whatever the
 *   events); LOST keeps the debit. A dispute closed before its opening event arrived is recorded, and the late
 *   opening event then takes nothing.
 */
export type PaymentEvent =
  | {
      kind: 'checkout_paid' | 'checkout_awaiting_payment';
      eventId: string;
      eventType: string;
      sessionId: string;
      paymentIntentId?: string | null;
      /** From the session (client_reference_id / metadata), used when no Payment row was made at checkout. */
      tenantId?: string | null;
      pack?: string | null;
      credits?: number | null;
      amountTotal?: number | null;
      currency?: string | null;
    }
  | { kind: 'charge_refunded'; eventId: string; eventType: string; paymentIntentId: string; amount: number; amountRefunded: number }
  | { kind: 'dispute_created'; eventId: string; eventType: string; paymentIntentId: string; disputeId: string }
  | { kind: 'dispute_closed'; eventId: string; eventType: string; paymentIntentId: string; disputeId: string; outcome: DisputeOutcome }
  | { kind: 'ignored'; eventId: string; eventType: string };

/** How a dispute ended, as far as credits go: won (the merchant keeps the money) or lost (the bank took it back). */
export type DisputeOutcome = 'won' | 'lost';

export interface PaymentEventResult {
  duplicate: boolean;
  outcome: string;
}

/**
 * Records the checkout session a tenant is sent to (PENDING until Stripe says it is paid). Should the webhook
 * have recorded the session first (from its metadata), that row stays.
 */
export async function recordCheckout(
  prisma: PrismaClient,
  input: { tenantId: string; sessionId: string; pack: string; credits: number; amountTotal?: number | null; currency?: string | null },
): Promise<void> {
  await prisma.payment.upsert({
    where: { checkoutSessionId: input.sessionId },
    update: {},
    create: {
      tenantId: input.tenantId,
      checkoutSessionId: input.sessionId,
      pack: input.pack,
      credits: input.credits.toFixed(4),
      amountTotal: input.amountTotal ?? null,
      currency: input.currency ?? null,
    },
  });
}

export async function handlePaymentEvent(prisma: PrismaClient, event: PaymentEvent): Promise<PaymentEventResult> {
  return prisma.$transaction(async (tx) => {
    const fresh = await tx.$queryRaw<Array<{ id: string }>>`
      INSERT INTO "StripeEvent" (id, type) VALUES (${event.eventId}, ${event.eventType}) ON CONFLICT (id) DO NOTHING RETURNING id`;
    if (!fresh.length) return { duplicate: true, outcome: 'already handled' };
    const outcome = await handle(tx, event);
    await tx.stripeEvent.update({ where: { id: event.eventId }, data: { outcome } });
    return { duplicate: false, outcome };
  }, TX_OPTIONS);
}

async function handle(tx: Tx, event: PaymentEvent): Promise<string> {
  switch (event.kind) {
    case 'checkout_paid':
    case 'checkout_awaiting_payment':
      return checkout(tx, event);
    case 'charge_refunded': {
      const payment = await lockPaidPayment(tx, event.paymentIntentId);
      if (!payment) return 'no paid payment for this payment intent: ignored';
      return reverse(tx, payment, event.eventId, (p) => ({
        target: (unitsOf(p.credits) * BigInt(Math.max(0, event.amountRefunded))) / BigInt(Math.max(1, event.amount)),
        status: event.amountRefunded >= event.amount ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
        why: `refund of ${event.amountRefunded} of ${event.amount}`,
      }));
    }
    case 'dispute_created':
      return openDispute(tx, event);
    case 'dispute_closed':
      return closeDispute(tx, event);
    case 'ignored':
      return 'ignored';
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type CheckoutEvent = Extract<PaymentEvent, { kind: 'checkout_paid' | 'checkout_awaiting_payment' }>;

async function checkout(tx: Tx, event: CheckoutEvent): Promise<string> {
  await tx.$queryRaw`SELECT id FROM "Payment" WHERE "checkoutSessionId" = ${event.sessionId} FOR UPDATE`;
  let payment = await tx.payment.findUnique({ where: { checkoutSessionId: event.sessionId } });
  if (!payment) {
    // A session this API did not record (e.g. made in the Stripe dashboard): usable only with our metadata.
    // (A malformed id must not reach Postgres: a failed statement would abort the whole transaction.)
    const tenant = event.tenantId && UUID.test(event.tenantId) ? await tx.tenant.findUnique({ where: { id: event.tenantId }, select: { id: true } }) : null;
    if (!tenant || !event.pack || !event.credits || event.credits <= 0) return 'unknown checkout session: ignored';
    payment = await tx.payment.create({
      data: { tenantId: tenant.id, checkoutSessionId: event.sessionId, pack: event.pack, credits: event.credits.toFixed(4), amountTotal: event.amountTotal ?? null, currency: event.currency ?? null },
    });
  }
  const paymentIntentId = event.paymentIntentId ?? payment.paymentIntentId;
  if (event.kind === 'checkout_awaiting_payment') {
    await tx.payment.update({ where: { id: payment.id }, data: { paymentIntentId } });
    return 'awaiting asynchronous payment';
  }
  const credited = await applyLedgerChange(tx, {
    tenantId: payment.tenantId,
    kind: 'PURCHASE',
    amount: Number(payment.credits),
    paymentRef: event.sessionId,
    actor: 'stripe',
    reason: `credit pack "${payment.pack}"`,
    idempotencyKey: `stripe:checkout:${event.sessionId}`,
  });
  if (payment.status === 'PENDING') {
    await tx.payment.update({
      where: { id: payment.id },
      data: { status: 'PAID', paidAt: new Date(), paymentIntentId, amountTotal: event.amountTotal ?? payment.amountTotal, currency: event.currency ?? payment.currency },
    });
  }
  return credited.applied ? `credited ${creditsText(unitsOf(payment.credits.toString()))}` : 'already credited';
}

type PaymentRow = Prisma.PaymentGetPayload<true>;
type DisputeOpened = Extract<PaymentEvent, { kind: 'dispute_created' }>;
type DisputeClosed = Extract<PaymentEvent, { kind: 'dispute_closed' }>;

/** The paid payment of a payment intent, locked; null when there is none (unknown, or still PENDING). */
async function lockPaidPayment(tx: Tx, paymentIntentId: string) {
  await tx.$queryRaw`SELECT id FROM "Payment" WHERE "paymentIntentId" = ${paymentIntentId} FOR UPDATE`;
  const payment = await tx.payment.findUnique({ where: { paymentIntentId } });
  return payment && payment.status !== 'PENDING' ? payment : null;
}

async function openDispute(tx: Tx, event: DisputeOpened): Promise<string> {
  const payment = await lockPaidPayment(tx, event.paymentIntentId);
  if (!payment) return 'no paid payment for this payment intent: ignored';
  if (payment.disputeId === event.disputeId && payment.disputeStatus !== 'OPEN') {
    return `dispute ${event.disputeId} already closed (${payment.disputeStatus}): nothing taken`;
  }
  const before = unitsOf(payment.reversedCredits.toString());
  const outcome = await reverse(tx, payment, event.eventId, () => ({ target: unitsOf(payment.credits.toString()), status: 'DISPUTED', why: `dispute ${event.disputeId}` }));
  const after = unitsOf((await tx.payment.findUniqueOrThrow({ where: { id: payment.id }, select: { reversedCredits: true } })).reversedCredits.toString());
  await tx.payment.update({ where: { id: payment.id }, data: { disputeId: event.disputeId, disputeStatus: 'OPEN', disputedCredits: creditsText(after - before) } });
  return outcome;
}

async function closeDispute(tx: Tx, event: DisputeClosed): Promise<string> {
  const payment = await lockPaidPayment(tx, event.paymentIntentId);
  if (!payment) return 'no paid payment for this payment intent: ignored';
  const status = event.outcome === 'won' ? 'WON' : 'LOST';
  if (payment.disputeId !== event.disputeId) {
    // Closed before its opening event arrived: nothing was taken, and the late opening will take nothing.
    await tx.payment.update({ where: { id: payment.id }, data: { disputeId: event.disputeId, disputeStatus: status, disputedCredits: '0' } });
    return `dispute ${event.disputeId} closed (${event.outcome}) before it was opened here: nothing to do`;
  }
  if (payment.disputeStatus !== 'OPEN') return `dispute ${event.disputeId} already closed (${payment.disputeStatus})`;
  if (status === 'LOST') {
    await tx.payment.update({ where: { id: payment.id }, data: { disputeStatus: 'LOST', flagged: true, flagReason: `dispute ${event.disputeId} lost` } });
    return `dispute ${event.disputeId} lost: the debit stays`;
  }
  const back = unitsOf(payment.disputedCredits.toString());
  if (back > 0n) {
    await applyLedgerChange(tx, {
      tenantId: payment.tenantId,
      kind: 'PAYMENT_REVERSAL',
      amount: creditsNumber(back),
      paymentRef: payment.checkoutSessionId,
      actor: 'stripe',
      reason: `dispute ${event.disputeId} won: credits given back`,
      idempotencyKey: `stripe:dispute:${event.disputeId}:won`,
    });
  }
  const reversed = unitsOf(payment.reversedCredits.toString()) - back;
  const credits = unitsOf(payment.credits.toString());
  await tx.payment.update({
    where: { id: payment.id },
    data: {
      disputeStatus: 'WON',
      reversedCredits: creditsText(reversed),
      status: reversed <= 0n ? 'PAID' : reversed >= credits ? 'REFUNDED' : 'PARTIALLY_REFUNDED',
      // The dispute's own flag goes; a flag for a refund shortfall stays.
      ...(payment.flagReason.startsWith(`dispute ${event.disputeId}`) ? { flagged: false, flagReason: '' } : {}),
    },
  });
  return `dispute ${event.disputeId} won: gave back ${creditsText(back)}`;
}

async function reverse(
  tx: Tx,
  payment: PaymentRow,
  eventId: string,
  rule: (p: { credits: string }) => { target: Units; status: 'REFUNDED' | 'PARTIALLY_REFUNDED' | 'DISPUTED'; why: string },
): Promise<string> {
  const { target, status, why } = rule({ credits: payment.credits.toString() });
  const owed = target - unitsOf(payment.reversedCredits.toString());
  let taken: Units = 0n;
  if (owed > 0n) {
    const rows = await tx.$queryRaw<Array<{ balance: string }>>`SELECT balance::text AS balance FROM "Tenant" WHERE id = ${payment.tenantId}::uuid FOR UPDATE`;
    taken = minUnits(owed, unitsOf(rows[0].balance));
    if (taken > 0n) {
      await applyLedgerChange(tx, {
        tenantId: payment.tenantId,
        kind: 'PAYMENT_REVERSAL',
        amount: -creditsNumber(taken),
        paymentRef: payment.checkoutSessionId,
        actor: 'stripe',
        reason: why,
        spend: 'non-expiring-first',
        idempotencyKey: `stripe:${eventId}`,
      });
    }
  }
  const shortfall = owed - taken;
  await tx.payment.update({
    where: { id: payment.id },
    data: {
      status: payment.status === 'DISPUTED' ? 'DISPUTED' : status,
      reversedCredits: creditsText(unitsOf(payment.reversedCredits.toString()) + taken),
      ...(shortfall > 0n
        ? { flagged: true, flagReason: `${why}: ${creditsText(shortfall)} credits could not be taken back (already spent)` }
        : status === 'DISPUTED'
          ? { flagged: true, flagReason: why }
          : {}),
    },
  });
  return `took back ${creditsText(taken)}${shortfall > 0n ? `, ${creditsText(shortfall)} short (flagged)` : ''}`;
}
