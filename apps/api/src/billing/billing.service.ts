import type Stripe from 'stripe';
import { z } from 'zod';
import type { ApiEnv } from '@darkroom/config';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { handlePaymentEvent, PaymentEventResult, PriceBook, recordCheckout } from '@darkroom/credits';
import type { LedgerEntry, PrismaClient } from '@darkroom/db';
import { validateInput } from '../catalogue/validate-input';
import { toPaymentEvent } from './stripe-events';
import { verifyStripeEvent } from './stripe-client';

export type BillingConfig = Pick<ApiEnv, 'STRIPE_CREDIT_PACKS' | 'STRIPE_SUCCESS_URL' | 'STRIPE_CANCEL_URL' | 'STRIPE_WEBHOOK_SECRET'>;

export interface LedgerEntryView {
  id: string;
  kind: string;
  amount: number;
  balanceAfter: number;
  jobId: string | null;
  paymentRef: string | null;
  actor: string;
  reason: string;
  createdAt: string;
}

export const ledgerEntryView = (e: LedgerEntry): LedgerEntryView => ({
  id: e.id.toString(),
  kind: e.kind,
  amount: Number(e.amount),
  balanceAfter: Number(e.balanceAfter),
  jobId: e.jobId?.toString() ?? null,
  paymentRef: e.paymentRef,
  actor: e.actor || (e.actorUserId ?? ''),
  reason: e.reason,
  createdAt: e.createdAt.toISOString(),
});

export const checkoutSchema = z.strictObject({ pack: z.string().min(1).max(32) });
export const ledgerQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  before: z.string().regex(/^[0-9]{1,20}$/).optional(),
});

const notConfigured = () =>
  new DomainError(GrpcCode.FAILED_PRECONDITION, 'payments are not configured', [{ field: '', rule: 'payments_not_configured', message: 'payments are not configured' }]);

/** Credit packs through Stripe Checkout, the Stripe webhook, and the tenant's view of its credits. */
export class BillingService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly stripe: Stripe | null,
    private readonly config: BillingConfig,
    private readonly prices: PriceBook,
  ) {}

  packs(): { configured: boolean; packs: Array<{ name: string; credits: number }> } {
    const configured = this.stripe !== null && Object.keys(this.config.STRIPE_CREDIT_PACKS).length > 0;
    return { configured, packs: Object.entries(this.config.STRIPE_CREDIT_PACKS).map(([name, p]) => ({ name, credits: p.credits })) };
  }

  /** Creates a Checkout session for a pack; the tenant is sent to its URL and back to the dashboard. */
  async checkout(tenantId: string, body: unknown): Promise<{ sessionId: string; url: string | null }> {
    if (!this.stripe) throw notConfigured();
    const input = validateInput(checkoutSchema, body);
    const pack = this.config.STRIPE_CREDIT_PACKS[input.pack];
    if (!pack) {
      const known = Object.keys(this.config.STRIPE_CREDIT_PACKS).join(', ') || 'none';
      throw DomainError.invalid([{ field: 'pack', rule: 'enum', message: `unknown credit pack "${input.pack}" (packs: ${known})` }]);
    }
    let session: Stripe.Checkout.Session;
    try {
      session = await this.stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [{ price: pack.priceId, quantity: 1 }],
        success_url: this.config.STRIPE_SUCCESS_URL,
        cancel_url: this.config.STRIPE_CANCEL_URL,
        client_reference_id: tenantId,
        metadata: { tenantId, pack: input.pack, credits: String(pack.credits) },
        payment_intent_data: { metadata: { tenantId, pack: input.pack } },
      });
    } catch (e) {
      throw DomainError.unavailable(`the payment provider did not answer: ${(e as Error).message}`);
    }
    await recordCheckout(this.prisma, { tenantId, sessionId: session.id, pack: input.pack, credits: pack.credits, amountTotal: session.amount_total, currency: session.currency });
    return { sessionId: session.id, url: session.url };
  }

  /**
   * POST /stripe/webhook: the signature is checked with the Stripe library against the raw body (a tampered,
   * unsigned or older-than-5-minutes event is refused with INVALID_ARGUMENT); a verified event is handled once
   * per event id (a redelivery answers 200 and changes nothing).
   */
  async webhook(rawBody: Buffer | undefined, signature: string | undefined): Promise<{ received: true } & PaymentEventResult> {
    const secret = this.config.STRIPE_WEBHOOK_SECRET;
    if (!secret) throw notConfigured();
    if (!rawBody || !signature) {
      throw DomainError.invalid([{ field: 'Stripe-Signature', rule: 'required', message: 'a signed Stripe event is required' }]);
    }
    let event: Stripe.Event;
    try {
      event = verifyStripeEvent(rawBody, signature, secret);
    } catch (e) {
      throw DomainError.invalid([{ field: 'Stripe-Signature', rule: 'signature', message: `the Stripe signature does not verify: ${(e as Error).message}` }]);
    }
    return { received: true, ...(await handlePaymentEvent(this.prisma, toPaymentEvent(event, this.config.STRIPE_CREDIT_PACKS))) };
  }

  /** The balance, what of it expires when, and the plan. */
  async balance(tenantId: string) {
    const tenant = await this.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { plan: true } });
    const lots = await this.prisma.creditLot.findMany({ where: { tenantId, remaining: { gt: 0 } }, orderBy: { expiresAt: 'asc' }, take: 100 });
    return {
      balance: Number(tenant.balance),
      expiring: lots.map((l) => ({ credits: Number(l.remaining), expiresAt: l.expiresAt.toISOString() })),
      plan: {
        id: tenant.plan.id,
        name: tenant.plan.name,
        monthlyCredits: Number(tenant.plan.monthlyCredits),
        rateLimitPerSec: tenant.rateLimitPerSec ?? tenant.plan.rateLimitPerSec,
        maxConcurrentJobs: tenant.maxConcurrentJobs ?? tenant.plan.maxConcurrentJobs,
        queueWeight: tenant.plan.queueWeight,
      },
    };
  }

  /** The tenant's ledger, newest first (`before` = an entry id, for the next page). */
  async ledger(tenantId: string, query: unknown): Promise<{ entries: LedgerEntryView[]; nextBefore: string | null }> {
    const q = validateInput(ledgerQuerySchema, query);
    const rows = await this.prisma.ledgerEntry.findMany({
      where: { tenantId, ...(q.before ? { id: { lt: BigInt(q.before) } } : {}) },
      orderBy: { id: 'desc' },
      take: q.limit,
    });
    return { entries: rows.map(ledgerEntryView), nextBefore: rows.length === q.limit ? rows[rows.length - 1].id.toString() : null };
  }

  /** The price table in force and the tenant's plan multiplier in it. */
  async priceTable(tenantId: string) {
    const [table, tenant] = await Promise.all([this.prices.current(), this.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, select: { planId: true } })]);
    const { planMultipliers, ...rates } = table;
    return { ...rates, planId: tenant.planId, planMultiplier: planMultipliers[tenant.planId] ?? 1 };
  }
}
