import { MaintenanceProcessor } from '../src/maintenance/maintenance.processor';
import { ApiHarness } from './api-harness';

describe('the hourly credits tick', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await ApiHarness.start();
  });
  afterAll(() => h.stop());

  it('grants each tenant its plan\'s monthly credits once per month', async () => {
    const t = await h.createTenant({ plan: 'free', credits: 0 });
    const maintenance = h.app.get(MaintenanceProcessor);
    const first = await maintenance.creditsTick(new Date('2027-03-10T12:00:00Z'));
    const again = await maintenance.creditsTick(new Date('2027-03-20T12:00:00Z'));
    expect(first.granted).toBeGreaterThanOrEqual(1);
    expect(again.granted).toBe(0);
    const march = await h.prisma.ledgerEntry.findMany({ where: { tenantId: t.id, kind: 'GRANT', idempotencyKey: { endsWith: ':2027-03' } } });
    expect(march.map((g) => g.amount.toString())).toEqual(['10']); // the free plan's 10 credits, once
  });
});
