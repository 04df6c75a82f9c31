import Stripe from 'stripe';
import { applyLedgerChange, checkLedger } from '@darkroom/credits';
import { ApiHarness, TestTenant } from './api-harness';

const WEBHOOK_SECRET = 'whsec_test_darkroom_disputes';

const event = (id: string, type: string, object: Record<string, unknown>) =>
  JSON.stringify({ id, object: 'event', type, api_version: '2025-01-01', created: Math.floor(Date.now() / 1000), data: { object } });

/**
 * Disputes through the real webhook endpoint (signatures made by the Stripe library's test-header helper): the
 * opening takes the pack's credits back, a won close gives back exactly what the opening took, once; a lost
 * close keeps the debit.
 */
describe('Stripe disputes', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  let packs = 0;

  beforeAll(async () => {
    // No Stripe API calls happen here: sessions are attributed from their metadata, as for sessions made elsewhere.
    h = await ApiHarness.start({ STRIPE_SECRET_KEY: 'sk_test_darkroom', STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET, STRIPE_CREDIT_PACKS: 'small=price_small:100' });
    tenant = await h.createTenant({ credits: 0 });
  });
  afterAll(() => h.stop());

  const deliver = (payload: string) =>
    h.call('POST', '/stripe/webhook', {
      rawBody: payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': Stripe.webhooks.generateTestHeaderString({ payload, secret: WEBHOOK_SECRET }) },
    });
  const balance = async () => (await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).balance.toString();
  const payment = (pi: string) => h.prisma.payment.findUniqueOrThrow({ where: { paymentIntentId: pi } });

  /** A paid small pack (100 credits) on payment intent `pi`. */
  async function buyPack(): Promise<string> {
    const n = ++packs;
    const pi = `pi_dispute_${n}`;
    const r = await deliver(
      event(`evt_paid_${n}`, 'checkout.session.completed', {
        id: `cs_dispute_${n}`,
        object: 'checkout.session',
        payment_status: 'paid',
        payment_intent: pi,
        client_reference_id: tenant.id,
        metadata: { tenantId: tenant.id, pack: 'small' },
      }),
    );
    expect(r.json.outcome).toBe('credited 100.0000');
    return pi;
  }
  const opened = (id: string, pi: string, dispute: string) => event(id, 'charge.dispute.created', { id: dispute, object: 'dispute', payment_intent: pi, status: 'needs_response' });
  const closed = (id: string, pi: string, dispute: string, status: string) => event(id, 'charge.dispute.closed', { id: dispute, object: 'dispute', payment_intent: pi, status });

  it('gives back what the opening took when the dispute is won: once, whatever is redelivered', async () => {
    const pi = await buyPack();
    expect(await balance()).toBe('100');
    expect((await deliver(opened('evt_dp1_open', pi, 'dp_1'))).json.outcome).toBe('took back 100.0000');
    expect(await balance()).toBe('0');
    expect(await payment(pi)).toMatchObject({ status: 'DISPUTED', disputeId: 'dp_1', disputeStatus: 'OPEN', flagged: true });

    // The won event, delivered 6 times at once, plus a second close event of the same dispute.
    const won = closed('evt_dp1_won', pi, 'dp_1', 'won');
    const results = await Promise.all([...Array.from({ length: 6 }, () => deliver(won)), deliver(closed('evt_dp1_won_again', pi, 'dp_1', 'won'))]);
    expect(results.map((r) => r.status)).toEqual(Array(7).fill(200));
    expect(results.filter((r) => r.json.outcome === 'dispute dp_1 won: gave back 100.0000')).toHaveLength(1);
    expect(await balance()).toBe('100');
    const rows = await h.prisma.ledgerEntry.findMany({ where: { tenantId: tenant.id, kind: 'PAYMENT_REVERSAL' }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => r.amount.toString())).toEqual(['-100', '100']);
    expect(await payment(pi)).toMatchObject({ status: 'PAID', disputeStatus: 'WON', flagged: false, flagReason: '' });
    expect((await payment(pi)).reversedCredits.toString()).toBe('0');
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  });

  it('gives back only what was really taken when the credits had been spent', async () => {
    const pi = await buyPack();
    await h.prisma.$transaction((tx) => applyLedgerChange(tx, { tenantId: tenant.id, kind: 'ADJUSTMENT', amount: -170, idempotencyKey: 'spend-170' }));
    expect(await balance()).toBe('30');
    expect((await deliver(opened('evt_dp2_open', pi, 'dp_2'))).json.outcome).toBe('took back 30.0000, 70.0000 short (flagged)');
    expect((await payment(pi)).disputedCredits.toString()).toBe('30');
    expect((await deliver(closed('evt_dp2_won', pi, 'dp_2', 'won'))).json.outcome).toBe('dispute dp_2 won: gave back 30.0000');
    expect(await balance()).toBe('30');
    expect(await payment(pi)).toMatchObject({ status: 'PAID', disputeStatus: 'WON', flagged: false });
  });

  it('keeps the debit when the dispute is lost', async () => {
    const before = Number(await balance());
    const pi = await buyPack();
    expect((await deliver(opened('evt_dp3_open', pi, 'dp_3'))).json.outcome).toBe('took back 100.0000');
    expect((await deliver(closed('evt_dp3_lost', pi, 'dp_3', 'lost'))).json.outcome).toBe('dispute dp_3 lost: the debit stays');
    // A later "won" for the same dispute cannot undo a final loss.
    expect((await deliver(closed('evt_dp3_won', pi, 'dp_3', 'won'))).json.outcome).toBe('dispute dp_3 already closed (LOST)');
    expect(Number(await balance())).toBe(before);
    expect(await payment(pi)).toMatchObject({ status: 'DISPUTED', disputeStatus: 'LOST', flagged: true, flagReason: 'dispute dp_3 lost' });
  });

  it('handles a close that arrives before the opening: nothing is taken, nothing given', async () => {
    const pi = await buyPack();
    const before = await balance();
    expect((await deliver(closed('evt_dp4_won', pi, 'dp_4', 'warning_closed'))).json.outcome).toBe('dispute dp_4 closed (won) before it was opened here: nothing to do');
    expect((await deliver(opened('evt_dp4_open', pi, 'dp_4'))).json.outcome).toBe('dispute dp_4 already closed (WON): nothing taken');
    expect(await balance()).toBe(before);
    // Statuses that are not final are recorded and ignored.
    expect((await deliver(closed('evt_dp4_review', pi, 'dp_4', 'under_review'))).json.outcome).toBe('ignored');
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  });
});
