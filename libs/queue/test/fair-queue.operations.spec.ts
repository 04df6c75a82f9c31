import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { FairQueue, QueueError, poolKeys } from '@darkroom/queue';

describe('FairQueue operations', () => {
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

  async function tagOf(pool: string, jobId: string): Promise<number | undefined> {
    return (await queue.list(pool, 0, 1000)).find((job) => job.jobId === jobId)?.tag;
  }

  async function fill(pool: string, tenantId: string, count: number, modelKey = 'sd15'): Promise<void> {
    await queue.enqueueMany(
      pool,
      Array.from({ length: count }, (_, i) => ({ jobId: `${tenantId}-${i}`, tenantId, modelKey })),
    );
  }

  describe('waitingAmong', () => {
    it('says which of many jobs wait in the pool, in order, in one call', async () => {
      const pool = 'among';
      await fill(pool, 'T', 3);
      await queue.remove(pool, 'T-1');
      expect(await queue.waitingAmong(pool, ['T-2', 'T-1', 'nope', 'T-0'])).toEqual([true, false, false, true]);
      expect(await queue.waitingAmong(pool, [])).toEqual([]);
      await expect(queue.waitingAmong(pool, [''])).rejects.toBeInstanceOf(QueueError);
    });
  });

  describe('enqueueAndRank', () => {
    it('adds several jobs in one script with the tags one-by-one enqueues give, and answers each rank', async () => {
      const jobs = [
        { jobId: 'a1', tenantId: 'A', modelKey: 'm', weight: 1 },
        { jobId: 'b1', tenantId: 'B', modelKey: 'm', weight: 2 },
        { jobId: 'a2', tenantId: 'A', modelKey: 'm', weight: 1 },
        { jobId: 'b2', tenantId: 'B', modelKey: 'm', weight: 2 },
        { jobId: 'c1', tenantId: 'C', modelKey: 'n', weight: 1 },
      ];
      await fill('rank-one', 'old', 2);
      await fill('rank-many', 'old', 2);
      for (const job of jobs) await queue.enqueue('rank-one', job);
      const placed = await queue.enqueueAndRank('rank-many', jobs);

      const one = await queue.list('rank-one', 0, 100);
      const many = await queue.list('rank-many', 0, 100);
      expect(many).toEqual(one);
      expect(await queue.countByTenant('rank-many')).toEqual(await queue.countByTenant('rank-one'));
      // Each answer is the job's place after the whole batch: what position() says at that moment.
      for (const [i, job] of jobs.entries()) {
        expect(placed[i]).toEqual({ added: true, position: await queue.position('rank-many', job.jobId) });
      }
      expect(placed.map((p) => p.position?.length)).toEqual(Array(jobs.length).fill(7));
      expect(new Set(placed.map((p) => p.position?.rank)).size).toBe(jobs.length);
    });

    it('leaves a job that already waits where it is and says so', async () => {
      const pool = 'rank-dup';
      await queue.enqueue(pool, { jobId: 'x', tenantId: 'A', modelKey: 'm' });
      const tag = await tagOf(pool, 'x');
      const placed = await queue.enqueueAndRank(pool, [
        { jobId: 'x', tenantId: 'A', modelKey: 'm', weight: 3 },
        { jobId: 'y', tenantId: 'A', modelKey: 'm' },
      ]);
      expect(placed).toEqual([
        { added: false, position: { rank: 1, length: 2 } },
        { added: true, position: { rank: 2, length: 2 } },
      ]);
      expect(await tagOf(pool, 'x')).toBe(tag);
      expect(await tagOf(pool, 'y')).toBe(tag! + 1);
      expect(await queue.enqueueAndRank(pool, [])).toEqual([]);
      await expect(queue.enqueueAndRank(pool, [{ jobId: '', tenantId: 'A', modelKey: 'm' }])).rejects.toBeInstanceOf(QueueError);
    });
  });

  describe('enqueue', () => {
    it('is idempotent: a waiting job is not added twice and keeps its tag', async () => {
      const pool = 'idem';
      await fill(pool, 'other', 3);
      expect(await queue.enqueue(pool, { jobId: 'j1', tenantId: 'A', modelKey: 'm' })).toBe(true);
      const tag = await tagOf(pool, 'j1');
      expect(await queue.enqueue(pool, { jobId: 'j1', tenantId: 'A', modelKey: 'm', weight: 5 })).toBe(false);
      expect(await queue.length(pool)).toBe(4);
      expect(await queue.countByTenant(pool)).toEqual({ other: 3, A: 1 });
      expect(await tagOf(pool, 'j1')).toBe(tag);
      // The duplicate did not advance A's finish tag: A's next job comes right after j1.
      await queue.enqueue(pool, { jobId: 'j2', tenantId: 'A', modelKey: 'm' });
      expect(await tagOf(pool, 'j2')).toBe(tag! + 1);
    });

    it('rejects bad input with a coded error', async () => {
      await expect(queue.enqueue('Bad_Pool', { jobId: 'x', tenantId: 'A', modelKey: 'm' })).rejects.toMatchObject({
        code: 'INVALID_POOL',
      });
      await expect(queue.enqueue('ok', { jobId: '', tenantId: 'A', modelKey: 'm' })).rejects.toBeInstanceOf(QueueError);
      await expect(queue.enqueue('ok', { jobId: 'x', tenantId: 'A', modelKey: 'm', weight: 0.5 })).rejects.toMatchObject(
        { code: 'INVALID_ARGUMENT' },
      );
      await expect(queue.take('ok', { lookahead: 1000 })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(await queue.length('ok')).toBe(0);
    });
  });

  describe('requeue', () => {
    it('puts a lost job back at V, ahead of later arrivals, and is idempotent', async () => {
      const pool = 'requeue';
      await fill(pool, 'A', 5);
      await fill(pool, 'B', 5);
      const first = await queue.take(pool);
      const second = await queue.take(pool);
      const third = await queue.take(pool);
      expect([first!.tag, second!.tag, third!.tag]).toEqual([0, 0, 1]);
      expect(await queue.virtualTime(pool)).toBe(1);

      expect(await queue.requeue(pool, first!)).toBe(true);
      expect(await tagOf(pool, first!.jobId)).toBe(1);
      expect(await queue.requeue(pool, first!)).toBe(false);
      expect(await tagOf(pool, first!.jobId)).toBe(1);
      expect(await queue.length(pool)).toBe(8);
      expect(await queue.countByTenant(pool)).toEqual({ A: 4, B: 4 });

      // A backlogged tenant's next job lands behind the retry.
      await queue.enqueue(pool, { jobId: 'A-new', tenantId: 'A', modelKey: 'sd15' });
      const retry = await queue.position(pool, first!.jobId);
      const fresh = await queue.position(pool, 'A-new');
      expect(retry!.rank).toBeLessThanOrEqual(2);
      expect(fresh!.rank).toBe(9);
    });

    it('does not move a job that is still waiting', async () => {
      const pool = 'requeue-waiting';
      await fill(pool, 'A', 5);
      expect(await queue.requeue(pool, { jobId: 'A-4', tenantId: 'A', modelKey: 'sd15' })).toBe(false);
      expect((await queue.position(pool, 'A-4'))!.rank).toBe(5);
    });
  });

  describe('promote', () => {
    it('moves a waiting job to the front, later promotions first, counts unchanged', async () => {
      const pool = 'promote';
      await fill(pool, 'A', 3);
      await fill(pool, 'B', 3);
      expect(await queue.promote(pool, 'B-2')).toBe(true);
      expect((await queue.position(pool, 'B-2'))!.rank).toBe(1);
      expect(await queue.promote(pool, 'A-2')).toBe(true);
      expect((await queue.list(pool, 0, 3)).map((j) => j.jobId)).toEqual(['A-2', 'B-2', 'A-0']);
      expect(await queue.promote(pool, 'A-2')).toBe(true); // already first: stays
      expect((await queue.position(pool, 'A-2'))!.rank).toBe(1);
      expect(await queue.promote(pool, 'never-there')).toBe(false);
      expect(await queue.countByTenant(pool)).toEqual({ A: 3, B: 3 });
      expect((await queue.take(pool))!.jobId).toBe('A-2');
      expect(await queue.virtualTime(pool)).toBe(0);
    });
  });

  describe('remove', () => {
    it('cancels a waiting job once and fixes the counts', async () => {
      const pool = 'remove';
      await fill(pool, 'A', 3);
      await fill(pool, 'B', 2);
      expect(await queue.remove(pool, 'A-1')).toBe(true);
      expect(await queue.remove(pool, 'A-1')).toBe(false);
      expect(await queue.remove(pool, 'never-there')).toBe(false);
      expect(await queue.position(pool, 'A-1')).toBeNull();
      expect(await queue.length(pool)).toBe(4);
      expect(await queue.countByTenant(pool)).toEqual({ A: 2, B: 2 });
      expect(await queue.remove(pool, 'B-0')).toBe(true);
      expect(await queue.remove(pool, 'B-1')).toBe(true);
      expect(await queue.countByTenant(pool)).toEqual({ A: 2 });
      const keys = poolKeys(t.prefix, pool);
      expect(await t.redis.hexists(keys.fin, 'B')).toBe(0);
      expect(await t.redis.hexists(keys.job, 'B-0')).toBe(0);
    });

    it('does not punish a tenant later for a flood it cancelled', async () => {
      const pool = 'cancel-flood';
      await fill(pool, 'A', 200);
      for (let i = 0; i < 200; i++) expect(await queue.remove(pool, `A-${i}`)).toBe(true);
      await fill(pool, 'B', 5);
      await queue.enqueue(pool, { jobId: 'A-again', tenantId: 'A', modelKey: 'sd15' });
      expect(await tagOf(pool, 'A-again')).toBe(0);
      expect((await queue.position(pool, 'A-again'))!.rank).toBeLessThanOrEqual(2);

      // Control: had the flood not been cancelled, the new job would wait behind all of it.
      const control = 'cancel-control';
      await fill(control, 'A', 200);
      await fill(control, 'B', 5);
      await queue.enqueue(control, { jobId: 'A-again', tenantId: 'A', modelKey: 'sd15' });
      expect(await tagOf(control, 'A-again')).toBe(200);
      expect((await queue.position(control, 'A-again'))!.rank).toBe(206);
    });
  });

  describe('take', () => {
    it('returns null on an empty pool and pops in tag order', async () => {
      expect(await queue.take('empty')).toBeNull();
      const pool = 'order';
      await fill(pool, 'A', 2);
      await fill(pool, 'B', 1);
      const taken = [await queue.take(pool), await queue.take(pool), await queue.take(pool), await queue.take(pool)];
      expect(taken.map((job) => job && `${job.jobId}@${job.tag}`)).toEqual(['A-0@0', 'B-0@0', 'A-1@1', null]);
      expect(taken[0]).toEqual({ jobId: 'A-0', tenantId: 'A', modelKey: 'sd15', tag: 0 });
    });

    it('prefers a held model within the affinity window, not beyond it', async () => {
      const pool = 'affinity';
      // One tenant, tags 0,1,2,3,4: models m1,m1,m2,m2,m3
      const models = ['m1', 'm1', 'm2', 'm2', 'm3'];
      await queue.enqueueMany(
        pool,
        models.map((modelKey, i) => ({ jobId: `x${i}`, tenantId: 'X', modelKey })),
      );
      // m3 sits at tag 4: beyond the default window of 2 from the head (tag 0) → head.
      expect((await queue.take(pool, { heldModels: ['m3'] }))!.jobId).toBe('x0');
      // Head is now tag 1; m3 at tag 4 still beyond 1+2.
      expect((await queue.take(pool, { heldModels: ['m3'], affinityWindow: 2 }))!.jobId).toBe('x1');
      // Head tag 2 (m2). m3 at tag 4 is within 2+2 → taken out of order.
      const jumped = await queue.take(pool, { heldModels: ['m3'] });
      expect(jumped).toMatchObject({ jobId: 'x4', modelKey: 'm3', tag: 4 });
      expect(await queue.virtualTime(pool)).toBe(4);
      expect((await queue.list(pool)).map((job) => job.jobId)).toEqual(['x2', 'x3']);
    });

    it('respects the window exactly and the lookahead', async () => {
      const pool = 'affinity-edge';
      await queue.enqueueMany(pool, [
        { jobId: 'a', tenantId: 'T', modelKey: 'm1' }, // tag 0
        { jobId: 'b', tenantId: 'T', modelKey: 'm1' }, // tag 1
        { jobId: 'c', tenantId: 'T', modelKey: 'm2' }, // tag 2
      ]);
      expect((await queue.take(pool, { heldModels: ['m2'], affinityWindow: 1.99 }))!.jobId).toBe('a');
      await queue.enqueue(pool, { jobId: 'a', tenantId: 'T', modelKey: 'm1' }); // back at tag 3
      // Now: b@1, c@2, a@3. Window 1 reaches c exactly at the boundary.
      expect((await queue.take(pool, { heldModels: ['m2'], affinityWindow: 1 }))!.jobId).toBe('c');
      // Now: b@1, a@3. Lookahead 1 sees only b, however wide the window.
      expect((await queue.take(pool, { heldModels: ['m1-other'], affinityWindow: 100, lookahead: 1 }))!.jobId).toBe('b');
      expect(await queue.take(pool, { heldModels: ['m1'] })).toMatchObject({ jobId: 'a', tag: 3 });
    });

    it('takes the head when no model is held or no held model is waiting', async () => {
      const pool = 'affinity-none';
      await fill(pool, 'A', 2, 'mA');
      expect((await queue.take(pool, { heldModels: [] }))!.jobId).toBe('A-0');
      expect((await queue.take(pool, { heldModels: ['zz'] }))!.jobId).toBe('A-1');
    });

    it('clears a tenant once all its jobs are taken', async () => {
      const pool = 'served';
      await fill(pool, 'A', 2);
      await queue.take(pool);
      await queue.take(pool);
      const keys = poolKeys(t.prefix, pool);
      expect(await t.redis.hlen(keys.fin)).toBe(0);
      expect(await t.redis.hlen(keys.cnt)).toBe(0);
      expect(await t.redis.hlen(keys.job)).toBe(0);
    });
  });

  describe('position, list, counts', () => {
    it('reports 1-based ranks and the length, null when not waiting', async () => {
      const pool = 'pos';
      await fill(pool, 'A', 3);
      await fill(pool, 'B', 1);
      expect(await queue.position(pool, 'B-0')).toEqual({ rank: 2, length: 4 });
      expect(await queue.position(pool, 'A-2')).toEqual({ rank: 4, length: 4 });
      expect(await queue.position(pool, 'nope')).toBeNull();
      await queue.take(pool);
      expect(await queue.position(pool, 'B-0')).toEqual({ rank: 1, length: 3 });
    });

    it('lists a page with tenant, model, tag and rank', async () => {
      const pool = 'list';
      await fill(pool, 'A', 3, 'mA');
      await fill(pool, 'B', 2, 'mB');
      const page = await queue.list(pool, 1, 3);
      expect(page).toEqual([
        { jobId: 'B-0', tenantId: 'B', modelKey: 'mB', tag: 0, rank: 2 },
        { jobId: 'A-1', tenantId: 'A', modelKey: 'mA', tag: 1, rank: 3 },
        { jobId: 'B-1', tenantId: 'B', modelKey: 'mB', tag: 1, rank: 4 },
      ]);
      expect(await queue.list(pool, 10, 5)).toEqual([]);
      expect(await queue.countByTenant(pool)).toEqual({ A: 3, B: 2 });
    });
  });

  describe('pools', () => {
    it('keeps pools isolated', async () => {
      await queue.enqueue('pool-a', { jobId: 'same', tenantId: 'A', modelKey: 'm' });
      await queue.enqueue('pool-b', { jobId: 'same', tenantId: 'A', modelKey: 'm' });
      await fill('pool-b', 'B', 3);
      expect(await queue.length('pool-a')).toBe(1);
      expect(await queue.length('pool-b')).toBe(4);
      expect(await queue.take('pool-a')).toMatchObject({ jobId: 'same' });
      expect(await queue.take('pool-a')).toBeNull();
      expect(await queue.position('pool-b', 'same')).toEqual({ rank: 2, length: 4 });
      await queue.take('pool-b');
      await queue.take('pool-b');
      await queue.take('pool-b');
      expect(await queue.virtualTime('pool-a')).toBe(0);
      expect(await queue.virtualTime('pool-b')).toBe(1); // took B-0@0, same@0, B-1@1
      expect(await queue.countByTenant('pool-a')).toEqual({});
      expect(await queue.countByTenant('pool-b')).toEqual({ B: 1 });
    });
  });
});
