import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import {
  applyLedgerChange,
  checkLedger,
  expireDueCredits,
  grantCredits,
  InsufficientCreditsError,
  refundForJob,
  reserveForJob,
  settleForJob,
} from './index';
import type { Tx } from './ledger-types';

describe('ledger', () => {
  let db: TestDatabase;
  let tenantId: string;
  const newTenant = async () => (await db.prisma.tenant.create({ data: { name: 'a', planId: 'free', webhookSecret: 'whsec_x' } })).id;
  const balance = async (id: string) => (await db.prisma.tenant.findUniqueOrThrow({ where: { id } })).balance.toString();
  const tx = <T>(fn: (t: Tx) => Promise<T>) => db.prisma.$transaction(fn);

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.create({ data: { id: 'free', name: 'Free' } });
    tenantId = await newTenant();
    await tx((t) => grantCredits(t, tenantId, 1, 'welcome', 'grant:welcome'));
  });
  afterAll(() => db.drop());

  it('applies each idempotency key once', async () => {
    const again = await tx((t) => grantCredits(t, tenantId, 1, 'welcome', 'grant:welcome'));
    expect(again).toEqual({ applied: false, balanceAfter: '1.0000' });
  });

  it('reserves, settles and refunds exactly once and keeps the invariant', async () => {
    const r = await tx((t) => reserveForJob(t, tenantId, 11n, 0.25));
    expect(r).toEqual({ applied: true, balanceAfter: '0.7500' });
    await tx((t) => settleForJob(t, tenantId, 11n));
    await tx((t) => reserveForJob(t, tenantId, 12n, 0.5));
    const first = await tx((t) => refundForJob(t, tenantId, 12n, 0.5, 'canceled'));
    const second = await tx((t) => refundForJob(t, tenantId, 12n, 0.5, 'canceled'));
    expect([first.applied, second.applied]).toEqual([true, false]);
    expect(second.balanceAfter).toBe('0.7500');
    expect(await checkLedger(db.prisma, tenantId)).toMatchObject({ balance: '0.7500', ledgerSum: '0.7500', lotsRemaining: '0.0000', chainBreaks: 0, ok: true });
  });

  it('never overdraws, also under concurrency, and rolls the row back with the failure', async () => {
    await expect(tx((t) => reserveForJob(t, tenantId, 13n, 5))).rejects.toBeInstanceOf(InsufficientCreditsError);
    expect(await db.prisma.ledgerEntry.count({ where: { jobId: 13n } })).toBe(0);
    const attempts = Array.from({ length: 40 }, (_, i) =>
      tx((t) => reserveForJob(t, tenantId, 100n + BigInt(i), 0.05)).then(
        () => true,
        (e) => {
          if (!(e instanceof InsufficientCreditsError)) throw e;
          return false;
        },
      ),
    );
    const accepted = (await Promise.all(attempts)).filter(Boolean).length;
    expect(accepted).toBe(15); // 0.75 / 0.05
    expect(await checkLedger(db.prisma, tenantId)).toMatchObject({ balance: '0.0000', ledgerSum: '0.0000', chainBreaks: 0, ok: true });
  });

  describe('expiring grants', () => {
    it('spends expiring credits first and expires only what is left of them', async () => {
      const id = await newTenant();
      const soon = new Date(Date.now() + 60_000);
      await tx((t) => grantCredits(t, id, 10, 'bought', 'buy:1'));
      await tx((t) => grantCredits(t, id, 4, 'monthly', 'month:1', undefined, { expiresAt: soon }));
      await tx((t) => reserveForJob(t, id, 1n, 3)); // 3 of the 4 expiring credits
      await tx((t) => settleForJob(t, id, 1n));
      expect(await checkLedger(db.prisma, id)).toMatchObject({ balance: '11.0000', lotsRemaining: '1.0000', ok: true });
      // Before the expiry nothing happens; after it the remaining 1 credit leaves, once.
      expect(await expireDueCredits(db.prisma, new Date())).toEqual({ tenants: 0 });
      const later = new Date(soon.getTime() + 1);
      expect(await expireDueCredits(db.prisma, later)).toEqual({ tenants: 1 });
      expect(await expireDueCredits(db.prisma, later)).toEqual({ tenants: 0 });
      expect(await balance(id)).toBe('10');
      const expiry = await db.prisma.ledgerEntry.findMany({ where: { tenantId: id, kind: 'EXPIRY' } });
      expect(expiry.map((e) => e.amount.toString())).toEqual(['-1']);
      expect((await checkLedger(db.prisma, id)).ok).toBe(true);
    });

    it('expires due credits before a debit can spend them', async () => {
      const id = await newTenant();
      await tx((t) => grantCredits(t, id, 2, 'monthly', 'month:2', undefined, { expiresAt: new Date(Date.now() - 1000) }));
      await expect(tx((t) => reserveForJob(t, id, 2n, 1))).rejects.toBeInstanceOf(InsufficientCreditsError);
      // The failed debit rolled back with its expiry; the next sweep expires the lot for good.
      await expireDueCredits(db.prisma);
      expect(await balance(id)).toBe('0');
      expect((await checkLedger(db.prisma, id)).ok).toBe(true);
    });

    it('gives a canceled job its expiring credits back, and expires at once those that expired meanwhile', async () => {
      const id = await newTenant();
      await tx((t) => grantCredits(t, id, 5, 'bought', 'buy:3'));
      await tx((t) => grantCredits(t, id, 2, 'monthly', 'month:3', undefined, { expiresAt: new Date(Date.now() + 1500) }));
      await tx((t) => reserveForJob(t, id, 3n, 4)); // 2 from the lot, 2 non-expiring
      await new Promise((r) => setTimeout(r, 1600));
      const refund = await tx((t) => refundForJob(t, id, 3n, 4, 'canceled'));
      expect(refund.balanceAfter).toBe('5.0000'); // 3 + 4 back − 2 expired
      const kinds = (await db.prisma.ledgerEntry.findMany({ where: { tenantId: id }, orderBy: { id: 'asc' } })).map((e) => `${e.kind}:${e.amount}`);
      expect(kinds).toEqual(['GRANT:5', 'GRANT:2', 'RESERVE:-4', 'REFUND:4', 'EXPIRY:-2']);
      expect(await checkLedger(db.prisma, id)).toMatchObject({ ok: true, lotsRemaining: '0.0000' });
    });

    it('a partial refund returns non-expiring credits first', async () => {
      const id = await newTenant();
      await tx((t) => grantCredits(t, id, 3, 'bought', 'buy:4'));
      await tx((t) => grantCredits(t, id, 2, 'monthly', 'month:4', undefined, { expiresAt: new Date(Date.now() + 60_000) }));
      await tx((t) => reserveForJob(t, id, 4n, 4)); // 2 from the lot, 2 non-expiring
      await tx((t) => refundForJob(t, id, 4n, 3, 'partial'));
      // Charged 1: taken from the expiring lot, which keeps 1.
      expect(await checkLedger(db.prisma, id)).toMatchObject({ balance: '4.0000', lotsRemaining: '1.0000', ok: true });
    });

    it('payment reversals spend non-expiring credits first', async () => {
      const id = await newTenant();
      await tx((t) => grantCredits(t, id, 3, 'bought', 'buy:5'));
      await tx((t) => grantCredits(t, id, 2, 'monthly', 'month:5', undefined, { expiresAt: new Date(Date.now() + 60_000) }));
      await tx((t) => applyLedgerChange(t, { tenantId: id, kind: 'PAYMENT_REVERSAL', amount: -4, spend: 'non-expiring-first', idempotencyKey: 'rev:5' }));
      expect(await checkLedger(db.prisma, id)).toMatchObject({ balance: '1.0000', lotsRemaining: '1.0000', ok: true });
    });
  });
});
