import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { FairQueue, type EnqueueInput } from '@darkroom/queue';

function jobsOf(tenantId: string, count: number, weight = 1): EnqueueInput[] {
  return Array.from({ length: count }, (_, i) => ({
    jobId: `${tenantId}-${String(i).padStart(5, '0')}`,
    tenantId,
    modelKey: 'sd15',
    weight,
  }));
}

async function drain(queue: FairQueue, pool: string, max: number): Promise<string[]> {
  const order: string[] = [];
  for (let i = 0; i < max; i++) {
    const job = await queue.take(pool);
    if (!job) break;
    order.push(job.tenantId);
  }
  return order;
}

describe('FairQueue fairness', () => {
  let t: TestRedis;
  let queue: FairQueue;

  beforeAll(async () => {
    t = await createTestRedis();
    queue = new FairQueue({ redis: t.redis, prefix: t.prefix });
  });

  afterAll(async () => {
    await queue.closeBlockingConnections();
    await t.cleanup();
  });

  it('does not let a 1,000-job flood starve nine tenants with 10 jobs each', async () => {
    const pool = 'flood';
    await queue.enqueueMany(pool, jobsOf('A', 1000));
    const small = ['B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J'];
    await Promise.all(small.map((tenant) => queue.enqueueMany(pool, jobsOf(tenant, 10))));
    expect(await queue.length(pool)).toBe(1090);

    const order = await drain(queue, pool, 2000);
    expect(order).toHaveLength(1090);

    for (const tenant of small) {
      const first = order.indexOf(tenant) + 1;
      const last = order.lastIndexOf(tenant) + 1;
      // One job per tenant per tag unit: each small tenant is served within the first round of 10 takes...
      expect(first).toBeLessThanOrEqual(10);
      // ...and finished after 10 rounds, while the flood still has 900 jobs to go.
      expect(last).toBeLessThanOrEqual(100);
    }
    expect(order.slice(100).every((tenant) => tenant === 'A')).toBe(true);
    expect(order.slice(0, 100).filter((tenant) => tenant === 'A')).toHaveLength(10);
  });

  it('serves a small tenant that arrives mid-flood near the front', async () => {
    const pool = 'midflood';
    await queue.enqueueMany(pool, jobsOf('A', 500));
    await drain(queue, pool, 100);
    await queue.enqueue(pool, { jobId: 'late-1', tenantId: 'late', modelKey: 'sd15' });
    const pos = await queue.position(pool, 'late-1');
    expect(pos).not.toBeNull();
    expect(pos!.length).toBe(401);
    expect(pos!.rank).toBeLessThanOrEqual(2);
  });

  it('gives a tenant of weight 2 twice the share of a tenant of weight 1 (±5%)', async () => {
    const pool = 'weights2';
    await queue.enqueueMany(pool, jobsOf('heavy', 1500, 2));
    await queue.enqueueMany(pool, jobsOf('light', 1500, 1));
    const order = await drain(queue, pool, 1500);
    const heavy = order.filter((tenant) => tenant === 'heavy').length;
    const light = order.filter((tenant) => tenant === 'light').length;
    expect(heavy + light).toBe(1500);
    expect(heavy / light).toBeGreaterThanOrEqual(2 * 0.95);
    expect(heavy / light).toBeLessThanOrEqual(2 * 1.05);
  });

  it('splits 1:2:3 between weights 1, 2 and 3 over a long run (±5%)', async () => {
    const pool = 'weights123';
    await Promise.all([
      queue.enqueueMany(pool, jobsOf('w1', 1000, 1)),
      queue.enqueueMany(pool, jobsOf('w2', 1000, 2)),
      queue.enqueueMany(pool, jobsOf('w3', 1000, 3)),
    ]);
    const order = await drain(queue, pool, 1200);
    const share = (tenant: string) => order.filter((x) => x === tenant).length / order.length;
    expect(share('w1')).toBeCloseTo(1 / 6, 1);
    expect(Math.abs(share('w1') / (1 / 6) - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share('w2') / (2 / 6) - 1)).toBeLessThanOrEqual(0.05);
    expect(Math.abs(share('w3') / (3 / 6) - 1)).toBeLessThanOrEqual(0.05);
  });
});
