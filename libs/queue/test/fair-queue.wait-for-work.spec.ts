import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { FairQueue, poolKeys } from '@darkroom/queue';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('FairQueue.waitForWork', () => {
  let t: TestRedis;
  let queue: FairQueue;

  beforeAll(async () => {
    t = await createTestRedis();
    queue = new FairQueue({ redis: t.redis, prefix: t.prefix, signalMax: 8 });
  });

  afterAll(async () => {
    await queue.closeBlockingConnections();
    await t.cleanup();
  });

  // The wake bounds (1 s) separate a signal from the 5 s timeout; they are not latency targets (a loaded CI machine
  // can take a few hundred ms to schedule the waiter). The latency itself is measured by the benchmarks.
  it('wakes an idle worker on an enqueue, long before its timeout', async () => {
    const pool = 'wake';
    const waiting = queue.waitForWork(pool, 5000);
    await sleep(50);
    const enqueuedAt = performance.now();
    await queue.enqueue(pool, { jobId: 'j1', tenantId: 'A', modelKey: 'm' });
    expect(await waiting).toBe(true);
    expect(performance.now() - enqueuedAt).toBeLessThan(1000);
    expect(await queue.take(pool)).toMatchObject({ jobId: 'j1' });
  });

  it('times out with false when nothing arrives', async () => {
    const started = performance.now();
    expect(await queue.waitForWork('quiet', 150)).toBe(false);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(140);
    expect(elapsed).toBeLessThan(1000);
  });

  it('does not lose a signal sent between a null take and the wait', async () => {
    const pool = 'no-lost-wakeup';
    expect(await queue.take(pool)).toBeNull();
    await queue.enqueue(pool, { jobId: 'j1', tenantId: 'A', modelKey: 'm' });
    const started = performance.now();
    expect(await queue.waitForWork(pool, 5000)).toBe(true);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('is signalled by requeue too', async () => {
    const pool = 'requeue-wake';
    const waiting = queue.waitForWork(pool, 5000);
    await sleep(30);
    await queue.requeue(pool, { jobId: 'j1', tenantId: 'A', modelKey: 'm' });
    expect(await waiting).toBe(true);
  });

  it('wakes one waiter per job, each on its own connection', async () => {
    const pool = 'many-waiters';
    const waiters = [1, 2, 3].map(() => queue.waitForWork(pool, 3000));
    await sleep(50);
    const started = performance.now();
    await queue.enqueueMany(pool, [1, 2, 3].map((i) => ({ jobId: `j${i}`, tenantId: 'A', modelKey: 'm' })));
    expect(await Promise.all(waiters)).toEqual([true, true, true]);
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('keeps the signal list short', async () => {
    const pool = 'trim';
    await queue.enqueueMany(pool, Array.from({ length: 50 }, (_, i) => ({ jobId: `j${i}`, tenantId: 'A', modelKey: 'm' })));
    expect(await t.redis.llen(poolKeys(t.prefix, pool).signal)).toBe(8);
  });

  it('resolves pending waits with false when the blocking connections close', async () => {
    const other = new FairQueue({ redis: t.redis, prefix: t.prefix });
    const waiting = other.waitForWork('closing', 5000);
    await sleep(50);
    const started = performance.now();
    await other.closeBlockingConnections();
    expect(await waiting).toBe(false);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(await other.waitForWork('closing', 1000)).toBe(false);
  });
});
