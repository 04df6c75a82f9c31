import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import { PRICE_TABLE_V1, PriceBook, priceBookFor, quoteForTenant } from './index';

describe('PriceBook', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const rates = { basePer512Image20Steps: 0.4, controlNetUnitFactor: 0.25, modelUpscalePerMegapixel: 0.02, minimumPerJob: 0.01, planMultipliers: { pro: 0.5 } };

  it('starts with v1 from the migration, publishes numbered versions and keeps the old ones', async () => {
    const book = new PriceBook(db.prisma, 60_000);
    expect(await book.current()).toEqual(PRICE_TABLE_V1);
    const v2 = await book.publish(rates, { actor: 'admin-token', reason: 'double' });
    expect(v2.table).toEqual({ version: 'v2', ...rates });
    expect((await book.current()).version).toBe('v2');
    expect((await book.version('v1'))?.table).toEqual(PRICE_TABLE_V1);
    expect((await book.list()).map((r) => r.table.version)).toEqual(['v2', 'v1']);
    expect((await book.quote([{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, steps: 20 } }], 'pro')).credits).toBe(0.2);
  });

  it('caches the table in force for its TTL; other replicas see a new version after it', async () => {
    const other = new PriceBook(db.prisma, 300);
    const before = (await other.current()).version;
    await new PriceBook(db.prisma).publish({ ...rates, basePer512Image20Steps: 1 }, { actor: 'x', reason: 'y' });
    expect((await other.current()).version).toBe(before);
    await new Promise((r) => setTimeout(r, 350));
    expect((await other.current()).basePer512Image20Steps).toBe(1);
  });

  it('refuses invalid rates', async () => {
    await expect(new PriceBook(db.prisma).publish({ ...rates, basePer512Image20Steps: -1 }, { actor: 'x', reason: 'y' })).rejects.toThrow();
  });
});

describe('quoteForTenant', () => {
  it("prices with the table in force and the tenant's plan", async () => {
    const db = await createTestDatabase();
    try {
      await db.prisma.plan.create({ data: { id: 'pro', name: 'Pro' } });
      const t = await db.prisma.tenant.create({ data: { name: 'p', planId: 'pro', webhookSecret: 'whsec_x' } });
      const stages = [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, steps: 20 } }];
      expect((await quoteForTenant(db.prisma, t.id, stages)).credits).toBe(0.2);
      await priceBookFor(db.prisma).publish({ basePer512Image20Steps: 0.2, controlNetUnitFactor: 0.25, modelUpscalePerMegapixel: 0.02, minimumPerJob: 0.01, planMultipliers: { pro: 0.5 } }, { actor: 'x', reason: 'y' });
      expect(await quoteForTenant(db.prisma, t.id, stages)).toMatchObject({ credits: 0.1, version: 'v2' });
    } finally {
      await db.drop();
    }
  });
});
