import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import { checkLedger, grantCredits, InsufficientCreditsError, refundForJob, reserveForJob, settleForJob } from './ledger';

describe('ledger', () => {
  let db: TestDatabase;
  let tenantId: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.create({ data: { id: 'free', name: 'Free' } });
    tenantId = (await db.prisma.tenant.create({ data: { name: 'a', planId: 'free', webhookSecret: 'whsec_x' } })).id;
    await db.prisma.$transaction((tx) => grantCredits(tx, tenantId, 1, 'welcome', 'grant:welcome'));
  });
  afterAll(() => db.drop());

  it('applies each idempotency key once', async () => {
    const again = await db.prisma.$transaction((tx) => grantCredits(tx, tenantId, 1, 'welcome', 'grant:welcome'));
    expect(again).toEqual({ applied: false, balanceAfter: '1.0000' });
  });

  it('reserves, settles and refunds exactly once and keeps the invariant', async () => {
    const r = await db.prisma.$transaction((tx) => reserveForJob(tx, tenantId, 11n, 0.25));
    expect(r).toEqual({ applied: true, balanceAfter: '0.7500' });
    await db.prisma.$transaction((tx) => settleForJob(tx, tenantId, 11n));
    await db.prisma.$transaction((tx) => reserveForJob(tx, tenantId, 12n, 0.5));
    const first = await db.prisma.$transaction((tx) => refundForJob(tx, tenantId, 12n, 0.5, 'canceled'));
    const second = await db.prisma.$transaction((tx) => refundForJob(tx, tenantId, 12n, 0.5, 'canceled'));
    expect([first.applied, second.applied]).toEqual([true, false]);
    expect(second.balanceAfter).toBe('0.7500');
    expect(await checkLedger(db.prisma, tenantId)).toEqual({ balance: '0.7500', ledgerSum: '0.7500', ok: true });
  });

  it('never overdraws, also under concurrency, and rolls the row back with the failure', async () => {
    await expect(db.prisma.$transaction((tx) => reserveForJob(tx, tenantId, 13n, 5))).rejects.toBeInstanceOf(InsufficientCreditsError);
    expect(await db.prisma.ledgerEntry.count({ where: { jobId: 13n } })).toBe(0);
    const attempts = Array.from({ length: 40 }, (_, i) =>
      db.prisma.$transaction((tx) => reserveForJob(tx, tenantId, 100n + BigInt(i), 0.05)).then(() => true, (e) => {
        if (!(e instanceof InsufficientCreditsError)) throw e;
        return false;
      }),
    );
    const accepted = (await Promise.all(attempts)).filter(Boolean).length;
    expect(accepted).toBe(15); // 0.75 / 0.05
    const check = await checkLedger(db.prisma, tenantId);
    expect(check).toEqual({ balance: '0.0000', ledgerSum: '0.0000', ok: true });
  });
});
