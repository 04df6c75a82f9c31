import { createTestDatabase, TestDatabase } from '@darkroom/testing';

describe('prisma on the pg adapter', () => {
  let db: TestDatabase;
  beforeAll(async () => { db = await createTestDatabase(); });
  afterAll(async () => { await db.drop(); });

  it('reads and writes the migrated schema of a database of its own', async () => {
    await db.prisma.plan.create({ data: { id: 'free', name: 'Free' } });
    const tenant = await db.prisma.tenant.create({ data: { name: 'a', planId: 'free', webhookSecret: 'whsec_x' } });
    expect(tenant.balance.toString()).toBe('0');
    expect(await db.prisma.tenant.count()).toBe(1);
  });
});
