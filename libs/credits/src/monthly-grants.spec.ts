import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import { checkLedger, expireDueCredits, grantMonthlyCredits, monthOf, startOfNextMonth } from './index';

describe('monthly plan credits', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.createMany({ data: [{ id: 'free', name: 'Free', monthlyCredits: 10 }, { id: 'none', name: 'None', monthlyCredits: 0 }] });
  });
  afterAll(() => db.drop());

  it('grants each tenant its plan credits once per month, expiring at the next month', async () => {
    const make = (planId: string, status: 'ACTIVE' | 'SUSPENDED' = 'ACTIVE') => db.prisma.tenant.create({ data: { name: planId, planId, status, webhookSecret: 'whsec_x' } });
    const [a, b, none, suspended] = [await make('free'), await make('free'), await make('none'), await make('free', 'SUSPENDED')];
    const nov = new Date(Date.UTC(2026, 10, 15, 12));
    const [first, second] = await Promise.all([grantMonthlyCredits(db.prisma, nov, 1), grantMonthlyCredits(db.prisma, nov, 1)]);
    expect(first.granted + second.granted).toBe(2);
    expect(first.month).toBe('2026-11');
    for (const t of [a, b]) {
      expect((await db.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).balance.toString()).toBe('10');
      expect((await db.prisma.creditLot.findFirstOrThrow({ where: { tenantId: t.id } })).expiresAt.toISOString()).toBe('2026-12-01T00:00:00.000Z');
    }
    for (const t of [none, suspended]) expect(await db.prisma.ledgerEntry.count({ where: { tenantId: t.id } })).toBe(0);

    // December: a new grant; November's credits expire.
    const dec = new Date(Date.UTC(2026, 11, 1, 0, 30));
    await expireDueCredits(db.prisma, dec);
    expect((await grantMonthlyCredits(db.prisma, dec)).granted).toBe(2);
    const rows = await db.prisma.ledgerEntry.findMany({ where: { tenantId: a.id }, orderBy: { id: 'asc' } });
    expect(rows.map((r) => `${r.kind}:${r.amount}:${r.actor}`)).toEqual(['GRANT:10:system:monthly-grant', 'EXPIRY:-10:system:expiry', 'GRANT:10:system:monthly-grant']);
    expect((await checkLedger(db.prisma, a.id)).ok).toBe(true);
  });

  it('names months and their ends in UTC', () => {
    expect(monthOf(new Date('2026-12-31T23:59:59Z'))).toBe('2026-12');
    expect(startOfNextMonth(new Date('2026-12-31T23:59:59Z')).toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });
});
