import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import { applyLedgerChange, checkLedger, handlePaymentEvent, recordCheckout } from './index';

describe('payments', () => {
  let db: TestDatabase;
  let tenantId: string;
  const balance = async () => (await db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } })).balance.toString();
  const paid = (eventId: string, sessionId: string, extra = {}) =>
    handlePaymentEvent(db.prisma, { kind: 'checkout_paid', eventId, eventType: 'checkout.session.completed', sessionId, paymentIntentId: `pi_${sessionId}`, ...extra });

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.create({ data: { id: 'free', name: 'Free' } });
    tenantId = (await db.prisma.tenant.create({ data: { name: 'buyer', planId: 'free', webhookSecret: 'whsec_x' } })).id;
  });
  afterAll(() => db.drop());

  it('credits a paid session once, across duplicate events and both event types', async () => {
    await recordCheckout(db.prisma, { tenantId, sessionId: 'cs_1', pack: 'small', credits: 100 });
    const pending = await handlePaymentEvent(db.prisma, { kind: 'checkout_awaiting_payment', eventId: 'evt_0', eventType: 'checkout.session.completed', sessionId: 'cs_1', paymentIntentId: 'pi_cs_1' });
    expect(pending.outcome).toBe('awaiting asynchronous payment');
    expect(await balance()).toBe('0');
    const results = await Promise.all([paid('evt_1', 'cs_1'), paid('evt_1', 'cs_1'), paid('evt_2', 'cs_1', { eventType: 'checkout.session.async_payment_succeeded' })]);
    expect(results.filter((r) => r.duplicate)).toHaveLength(1);
    expect(await balance()).toBe('100');
    expect(await db.prisma.ledgerEntry.count({ where: { tenantId, kind: 'PURCHASE' } })).toBe(1);
    expect((await db.prisma.payment.findUniqueOrThrow({ where: { checkoutSessionId: 'cs_1' } })).status).toBe('PAID');
  });

  it('ignores sessions it cannot attribute', async () => {
    expect((await paid('evt_3', 'cs_unknown')).outcome).toMatch(/unknown checkout session/);
    expect((await paid('evt_4', 'cs_bad', { tenantId: 'not-a-uuid', pack: 'x', credits: 5 })).outcome).toMatch(/unknown checkout session/);
    // With our metadata it is credited (a session made outside the API for this tenant).
    expect((await paid('evt_5', 'cs_meta', { tenantId, pack: 'small', credits: 5 })).outcome).toBe('credited 5.0000');
    expect(await balance()).toBe('105');
  });

  it('takes back refunded credits, flags what was already spent, and handles disputes', async () => {
    await recordCheckout(db.prisma, { tenantId, sessionId: 'cs_2', pack: 'large', credits: 200 });
    await paid('evt_6', 'cs_2');
    expect(await balance()).toBe('305');
    const half = await handlePaymentEvent(db.prisma, { kind: 'charge_refunded', eventId: 'evt_7', eventType: 'charge.refunded', paymentIntentId: 'pi_cs_2', amount: 2000, amountRefunded: 1000 });
    expect(half.outcome).toBe('took back 100.0000');
    expect(await balance()).toBe('205');
    // The tenant spends most of it; a full refund can take back only what is left.
    await db.prisma.$transaction((tx) => applyLedgerChange(tx, { tenantId, kind: 'ADJUSTMENT', amount: -200, idempotencyKey: 'spend' }));
    const full = await handlePaymentEvent(db.prisma, { kind: 'charge_refunded', eventId: 'evt_8', eventType: 'charge.refunded', paymentIntentId: 'pi_cs_2', amount: 2000, amountRefunded: 2000 });
    expect(full.outcome).toBe('took back 5.0000, 95.0000 short (flagged)');
    const payment = await db.prisma.payment.findUniqueOrThrow({ where: { checkoutSessionId: 'cs_2' } });
    expect([payment.status, payment.flagged, payment.reversedCredits.toString()]).toEqual(['REFUNDED', true, '105']);
    expect(await balance()).toBe('0');

    await recordCheckout(db.prisma, { tenantId, sessionId: 'cs_3', pack: 'small', credits: 100 });
    await paid('evt_9', 'cs_3');
    const dispute = await handlePaymentEvent(db.prisma, { kind: 'dispute_created', eventId: 'evt_10', eventType: 'charge.dispute.created', paymentIntentId: 'pi_cs_3', disputeId: 'dp_1' });
    expect(dispute.outcome).toBe('took back 100.0000');
    expect(await db.prisma.payment.findUniqueOrThrow({ where: { checkoutSessionId: 'cs_3' } })).toMatchObject({ status: 'DISPUTED', flagged: true, flagReason: 'dispute dp_1' });
    expect((await checkLedger(db.prisma, tenantId)).ok).toBe(true);
  });
});
