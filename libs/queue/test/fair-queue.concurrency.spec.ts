import Redis from 'ioredis';
import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { FairQueue, poolKeys, type TakenJob } from '@darkroom/queue';

describe('FairQueue under concurrency', () => {
  let t: TestRedis;
  const clients: Redis[] = [];
  const queues: FairQueue[] = [];
  const pool = 'conc';

  beforeAll(async () => {
    t = await createTestRedis();
    // Ten independent connections, as ten API pods or workers would have.
    for (let i = 0; i < 10; i++) {
      const redis = new Redis(t.url, { maxRetriesPerRequest: 3 });
      clients.push(redis);
      queues.push(new FairQueue({ redis, prefix: t.prefix }));
    }
  });

  afterAll(async () => {
    for (const queue of queues) await queue.closeBlockingConnections();
    for (const redis of clients) redis.disconnect();
    await t.cleanup();
  });

  it('ranks 500 concurrent enqueues from 20 tenants exactly, then 10 parallel takers drain each job once', async () => {
    const jobs = Array.from({ length: 500 }, (_, i) => ({
      jobId: `job-${i}`,
      tenantId: `tenant-${i % 20}`,
      modelKey: `model-${i % 3}`,
    }));
    const added = await Promise.all(jobs.map((job, i) => queues[i % queues.length].enqueue(pool, job)));
    expect(added.every(Boolean)).toBe(true);

    const positions = await Promise.all(jobs.map((job, i) => queues[(i * 7) % queues.length].position(pool, job.jobId)));
    const ranks = positions.map((p) => p!.rank).sort((a, b) => a - b);
    expect(ranks).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(positions.every((p) => p!.length === 500)).toBe(true);

    // The ranks agree with the listed order.
    const listed = [...(await queues[0].list(pool, 0, 1000))];
    expect(listed).toHaveLength(500);
    const rankOf = new Map(jobs.map((job, i) => [job.jobId, positions[i]!.rank]));
    for (const entry of listed) expect(rankOf.get(entry.jobId)).toBe(entry.rank);
    // 20 tenants × 25 jobs: each tag round holds one job of every tenant.
    for (let i = 0; i < 500; i++) expect(listed[i].tag).toBe(Math.floor(i / 20));

    const taken: TakenJob[] = [];
    await Promise.all(
      queues.map(async (queue, w) => {
        for (;;) {
          const job = await queue.take(pool, { heldModels: [`model-${w % 3}`] });
          if (!job) return;
          taken.push(job);
        }
      }),
    );
    const ids = taken.map((job) => job.jobId);
    expect(ids).toHaveLength(500);
    expect(new Set(ids).size).toBe(500);
    expect(new Set(ids)).toEqual(new Set(jobs.map((job) => job.jobId)));
    expect(await queues[0].length(pool)).toBe(0);
    expect(await queues[0].countByTenant(pool)).toEqual({});
    const keys = poolKeys(t.prefix, pool);
    expect(await t.redis.hlen(keys.fin)).toBe(0);
    expect(await t.redis.hlen(keys.job)).toBe(0);
  });

  it('keeps counts right when the same jobs are enqueued and removed concurrently', async () => {
    const p = 'conc-dup';
    const attempts = Array.from({ length: 200 }, (_, i) => ({
      jobId: `dup-${i % 50}`,
      tenantId: `tenant-${i % 5}`,
      modelKey: 'm',
    }));
    const added = await Promise.all(attempts.map((job, i) => queues[i % 10].enqueue(p, job)));
    expect(added.filter(Boolean)).toHaveLength(50);
    expect(await queues[0].length(p)).toBe(50);

    const removed = await Promise.all(
      attempts.map((job, i) => queues[(i + 3) % 10].remove(p, job.jobId)),
    );
    expect(removed.filter(Boolean)).toHaveLength(50);
    expect(await queues[0].length(p)).toBe(0);
    expect(await queues[0].countByTenant(p)).toEqual({});
  });
});
