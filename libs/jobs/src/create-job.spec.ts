import { checkLedger, grantCredits, PRICE_TABLE_V1, priceJob } from '@darkroom/credits';
import { createSqlPool, nextId, SqlPool } from '@darkroom/db';
import { FairQueue } from '@darkroom/queue';
import { createTestDatabase, createTestRedis, TestDatabase, TestRedis } from '@darkroom/testing';
import { CreateJobBatcher } from './create-batcher';
import { createJob, CreateJobDeps, TenantContext } from './create-job.use-case';
import { FairWaitQueue } from './fair-wait-queue';
import { ModelResolver } from './model-resolver';

// The two ways a job is written (one `darkroom_create_job` statement, or the general transaction of libs/credits)
// must leave the same ledger behind, including for tenants whose balance is partly in expiring lots.
describe('createJob: the one-statement path and the general transaction write the same ledger', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let sql: SqlPool;
  let deps: CreateJobDeps;
  const DAY = 86_400_000;
  const body = (requestId: string) => ({
    requestId,
    stages: [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, prompts: [{ text: 'a photo of a cat' }], steps: 20 } }],
  });
  const price = priceJob(body('x').stages as never, PRICE_TABLE_V1, 'pro').credits;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await createTestRedis();
    sql = createSqlPool(db.url, 4);
    await db.prisma.plan.create({ data: { id: 'pro', name: 'Pro', maxConcurrentJobs: 8 } });
    await db.prisma.model.create({
      data: { id: nextId(), name: 'base', modelType: 'CHECKPOINT', baseModel: 'SD1', visibility: 'PUBLIC', storagePath: 'base', isDefault: true, showcaseImageUrls: [] },
    });
    deps = {
      prisma: db.prisma,
      sql,
      queue: new FairWaitQueue(new FairQueue({ redis: redis.redis, prefix: redis.prefix })),
      models: new ModelResolver(db.prisma),
      pools: { cpu: ['SD1', 'SD2', 'SDXL'] },
      maxAttempts: 3,
      webhookPolicy: { allowLoopback: false, allowPrivate: false },
      priceTable: PRICE_TABLE_V1,
    };
  });
  afterAll(async () => {
    await sql.end();
    await redis.cleanup();
    await db.drop();
  });

  /** A tenant with non-expiring credits, a due lot, and two live lots the job's price spans. */
  async function tenantWithLots(name: string): Promise<string> {
    const { id } = await db.prisma.tenant.create({ data: { name, planId: 'pro', webhookSecret: 'whsec_x' } });
    const now = Date.now();
    await db.prisma.$transaction(async (tx) => {
      await grantCredits(tx, id, 2 * price, 'bought', `${name}:plain`);
      await grantCredits(tx, id, 3, 'old', `${name}:due`, undefined, { expiresAt: new Date(now + 200) });
      await grantCredits(tx, id, price / 2, 'soon', `${name}:soon`, undefined, { expiresAt: new Date(now + 2 * DAY) });
      await grantCredits(tx, id, price, 'later', `${name}:later`, undefined, { expiresAt: new Date(now + 10 * DAY) });
    });
    return id;
  }

  /** What the ledger holds for a tenant, with job ids taken out of the keys. */
  async function ledgerOf(tenantId: string) {
    const entries = await db.prisma.ledgerEntry.findMany({ where: { tenantId }, orderBy: { id: 'asc' } });
    const lots = await db.prisma.creditLot.findMany({ where: { tenantId }, orderBy: { id: 'asc' }, include: { uses: true } });
    const tenant = await db.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    return {
      balance: tenant.balance.toString(),
      entries: entries.map((e) => ({ kind: e.kind, amount: e.amount.toString(), balanceAfter: e.balanceAfter.toString(), key: e.idempotencyKey.replace(/^job:\d+:/, 'job:N:').replace(/^lot:\d+:/, 'lot:N:').replace(/^[^:]+:/, 'T:') })),
      lots: lots.map((l) => ({ remaining: l.remaining.toString(), expired: l.expired.toString(), uses: l.uses.map((u) => u.amount.toString()) })),
    };
  }

  it('reserves from the soonest lots after expiring the due one, identically on both paths', async () => {
    const fast = await tenantWithLots('fast');
    const general = await tenantWithLots('general');
    await new Promise((r) => setTimeout(r, 300)); // the 'due' lots are now past their expiry

    const a = await createJob(deps, { id: fast, queueWeight: 1, planId: 'pro' } as TenantContext, body('same'));
    const b = await createJob(deps, { id: general, queueWeight: 1 }, body('same'));
    expect(a.path).toBe('one-statement');
    expect(b.path).toBe('transaction');
    expect(a.job.credits.toString()).toBe(b.job.credits.toString());

    const fastLedger = await ledgerOf(fast);
    expect(fastLedger).toEqual(await ledgerOf(general));
    // 2p plain + p/2 + p live, 3 expired, p reserved: half from the soon lot, half from the later one.
    expect(fastLedger.entries.map((e) => e.kind)).toEqual(['GRANT', 'GRANT', 'GRANT', 'GRANT', 'EXPIRY', 'RESERVE']);
    expect(fastLedger.entries[4]).toMatchObject({ amount: '-3' });
    expect(Number(fastLedger.balance)).toBeCloseTo(2.5 * price, 4);
    expect(fastLedger.lots.map((l) => Number(l.remaining))).toEqual([0, 0, price / 2].map((x) => expect.closeTo(x, 4)));
    expect(fastLedger.lots[1].uses.map(Number)).toEqual([expect.closeTo(price / 2, 4)]);
    expect(fastLedger.lots[2].uses.map(Number)).toEqual([expect.closeTo(price / 2, 4)]);
    for (const t of [fast, general]) expect((await checkLedger(db.prisma, t)).ok).toBe(true);
  });

  it('refuses a job the balance cannot pay on the one-statement path, with no job and no reserve', async () => {
    const { id } = await db.prisma.tenant.create({ data: { name: 'poor', planId: 'pro', webhookSecret: 'whsec_x' } });
    await db.prisma.$transaction((tx) => grantCredits(tx, id, price / 4, 'some', 'poor:grant', undefined, { expiresAt: new Date(Date.now() + DAY) }));
    await expect(createJob(deps, { id, queueWeight: 1, planId: 'pro' }, body('poor-1'))).rejects.toMatchObject({ code: 8 });
    expect(await db.prisma.job.count({ where: { tenantId: id } })).toBe(0);
    expect((await ledgerOf(id)).entries.map((e) => e.kind)).toEqual(['GRANT']);
  });

  it('answers a repeated requestId with the first job on the one-statement path', async () => {
    const { id } = await db.prisma.tenant.create({ data: { name: 'again', planId: 'pro', webhookSecret: 'whsec_x' } });
    await db.prisma.$transaction((tx) => grantCredits(tx, id, 10 * price, 'some', 'again:grant'));
    const first = await createJob(deps, { id, queueWeight: 1, planId: 'pro' }, body('again-1'));
    const second = await createJob(deps, { id, queueWeight: 1, planId: 'pro' }, body('again-1'));
    expect(second).toMatchObject({ created: false });
    expect(second.job.id).toBe(first.job.id);
    expect((await ledgerOf(id)).entries.map((e) => e.kind)).toEqual(['GRANT', 'RESERVE']);
  });
});

// The concurrency limit reads "Tenant"."activeJobs", which triggers on "Job" keep (migration
// 20261126140000_create_job_function), except for darkroom_create_job's own inserts, which it counts itself
// (20261205090000_create_job_counts_active); it must equal the count of unfinished jobs whatever happens to them.
describe('the tenant counter of unfinished jobs', () => {
  let db: TestDatabase;
  const UNFINISHED = ['CREATED', 'PENDING', 'WAITING', 'RUNNING'] as const;
  const STATUSES = [...UNFINISHED, 'SUCCESS', 'FAILED', 'CANCELED'] as const;

  beforeAll(async () => {
    db = await createTestDatabase();
    await db.prisma.plan.create({ data: { id: 'pro', name: 'Pro' } });
  });
  afterAll(() => db.drop());

  const counter = async (id: string) => (await db.prisma.tenant.findUniqueOrThrow({ where: { id } })).activeJobs;
  const truth = (id: string) => db.prisma.job.count({ where: { tenantId: id, status: { in: [...UNFINISHED] } } });
  const insertJob = (tenantId: string, status: (typeof STATUSES)[number]) =>
    db.prisma.job.create({
      data: { id: nextId(), tenantId, requestId: `r${nextId()}`, requestHash: 'h', request: {}, status, pool: 'cpu', credits: 0, priceVersion: 'v1', maxAttempts: 3 },
    });

  it('follows inserts, status changes across the finished line, and deletes', async () => {
    const { id } = await db.prisma.tenant.create({ data: { name: 'c', planId: 'pro', webhookSecret: 'whsec_x' } });
    const a = await insertJob(id, 'WAITING');
    await insertJob(id, 'SUCCESS');
    expect(await counter(id)).toBe(1);
    await db.prisma.job.update({ where: { id: a.id }, data: { status: 'RUNNING' } });
    expect(await counter(id)).toBe(1);
    await db.prisma.job.update({ where: { id: a.id }, data: { progress: { step: 3 } } });
    await db.prisma.job.update({ where: { id: a.id }, data: { status: 'SUCCESS' } });
    expect(await counter(id)).toBe(0);
    const b = await insertJob(id, 'CREATED');
    await db.prisma.job.delete({ where: { id: b.id } });
    expect(await counter(id)).toBe(0);
  });

  it('counts a job darkroom_create_job inserts once, and a later insert of the same transaction by the trigger', async () => {
    const { id } = await db.prisma.tenant.create({ data: { name: 'fn', planId: 'pro', webhookSecret: 'whsec_x' } });
    // Free jobs take the branch that updates only the counter; the other branch is covered by the batcher's tests.
    const create = (tx: Pick<typeof db.prisma, '$queryRawUnsafe'>, requestId: string) =>
      tx.$queryRawUnsafe<Array<{ outcome: string }>>(
        `SELECT outcome FROM darkroom_create_job($1::bigint, $2::uuid, 'pro', $3, 'h', '{}'::jsonb, 'cpu', '{}'::text[], 0, 'v1', NULL, 3, now()::timestamp(3))`,
        nextId().toString(),
        id,
        requestId,
      );
    await db.prisma.$transaction(async (tx) => {
      expect(await create(tx, 'fn-1')).toEqual([{ outcome: 'created' }]);
      await tx.job.create({
        data: { id: nextId(), tenantId: id, requestId: 'fn-raw', requestHash: 'h', request: {}, status: 'WAITING', pool: 'cpu', credits: 0, priceVersion: 'v1', maxAttempts: 3 },
      });
      expect(await create(tx, 'fn-2')).toEqual([{ outcome: 'created' }]);
    });
    expect(await truth(id)).toBe(3);
    expect(await counter(id)).toBe(3);
  });

  it('equals the count after random transitions from concurrent transactions', async () => {
    const tenants = await Promise.all([1, 2, 3].map((n) => db.prisma.tenant.create({ data: { name: `r${n}`, planId: 'pro', webhookSecret: 'whsec_x' } })));
    let seed = 7;
    const random = (n: number) => ((seed = (seed * 1103515245 + 12345) % 2 ** 31), seed % n);
    const jobs: Array<{ id: bigint; tenantId: string }> = [];
    for (let i = 0; i < 60; i++) jobs.push(await insertJob(tenants[random(3)].id, STATUSES[random(STATUSES.length)]));
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let i = 0; i < 40; i++) {
          const job = jobs[random(jobs.length)];
          if (random(10) === 0) await db.prisma.job.deleteMany({ where: { id: job.id } });
          else await db.prisma.job.updateMany({ where: { id: job.id }, data: { status: STATUSES[random(STATUSES.length)] } });
        }
      }),
    );
    for (const t of tenants) expect(await counter(t.id)).toBe(await truth(t.id));
    expect(await truth(tenants[0].id)).toBeGreaterThan(0);
  });
});

// Group commit: creates that arrive while the batcher's statements are busy go together in one statement.
describe('CreateJobBatcher', () => {
  let db: TestDatabase;
  let redis: TestRedis;
  let sql: SqlPool;
  let deps: CreateJobDeps;
  const body = (requestId: string, steps = 20) => ({
    requestId,
    stages: [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, prompts: [{ text: 'a photo of a cat' }], steps } }],
  });
  const price = priceJob(body('x').stages as never, PRICE_TABLE_V1, 'pro').credits;

  beforeAll(async () => {
    db = await createTestDatabase();
    redis = await createTestRedis();
    sql = createSqlPool(db.url, 4);
    await db.prisma.plan.create({ data: { id: 'pro', name: 'Pro', maxConcurrentJobs: 20 } });
    await db.prisma.model.create({
      data: { id: nextId(), name: 'base', modelType: 'CHECKPOINT', baseModel: 'SD1', visibility: 'PUBLIC', storagePath: 'base', isDefault: true, showcaseImageUrls: [] },
    });
    deps = {
      prisma: db.prisma,
      sql,
      queue: new FairWaitQueue(new FairQueue({ redis: redis.redis, prefix: redis.prefix })),
      models: new ModelResolver(db.prisma),
      pools: { cpu: ['SD1'] },
      maxAttempts: 3,
      webhookPolicy: { allowLoopback: false, allowPrivate: false },
      priceTable: PRICE_TABLE_V1,
    };
  });
  afterAll(async () => {
    await sql.end();
    await redis.cleanup();
    await db.drop();
  });

  it('answers each create of a batch as its own: created, repeated, over the limit, short of credits', async () => {
    const batcher = new CreateJobBatcher(sql, { maxInFlight: 1 });
    const tenant = async (name: string, credits: number, lots = false) => {
      const { id } = await db.prisma.tenant.create({ data: { name, planId: 'pro', webhookSecret: 'whsec_x' } });
      const expiresAt = lots ? new Date(Date.now() + 86_400_000) : undefined;
      await db.prisma.$transaction((tx) => grantCredits(tx, id, credits, 'g', `${name}:g`, undefined, { expiresAt }));
      return { id, queueWeight: 1, planId: 'pro' };
    };
    const rich = await tenant('rich', 100 * price, true);
    const capped = await tenant('capped', 100 * price);
    const poor = await tenant('poor', 2.5 * price);
    const calls = [
      ...Array.from({ length: 10 }, (_, i) => createJob({ ...deps, batcher }, rich, body(`rich-${i}`))),
      createJob({ ...deps, batcher }, rich, body('rich-0')), // the same request again, in the same batch
      ...Array.from({ length: 25 }, (_, i) => createJob({ ...deps, batcher }, capped, body(`capped-${i}`))),
      ...Array.from({ length: 4 }, (_, i) => createJob({ ...deps, batcher }, poor, body(`poor-${i}`))),
    ];
    const settled = await Promise.allSettled(calls);
    expect(batcher.sent.statements).toBeLessThan(batcher.sent.creates);

    const rich0 = settled.slice(0, 11).map((s) => (s.status === 'fulfilled' ? s.value : null));
    expect(rich0.every((r) => r !== null)).toBe(true);
    expect(rich0[10]!.job.id).toBe(rich0[0]!.job.id);
    expect(new Set(rich0.map((r) => r!.job.id)).size).toBe(10);
    const cappedOk = settled.slice(11, 36).filter((s) => s.status === 'fulfilled').length;
    expect(cappedOk).toBe(20); // the plan allows 20 unfinished jobs
    const poorOk = settled.slice(36).filter((s) => s.status === 'fulfilled').length;
    expect(poorOk).toBe(2);
    for (const s of [...settled.slice(11, 36), ...settled.slice(36)]) if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 8 });

    for (const t of [rich, capped, poor]) {
      expect((await checkLedger(db.prisma, t.id)).ok).toBe(true);
      const jobs = await db.prisma.job.count({ where: { tenantId: t.id } });
      expect((await db.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).activeJobs).toBe(jobs);
      expect(await db.prisma.ledgerEntry.count({ where: { tenantId: t.id, kind: 'RESERVE' } })).toBe(jobs);
    }
  });

  it('retries a failed batch one create at a time, so one bad call fails alone', async () => {
    const batcher = new CreateJobBatcher(sql, { maxInFlight: 1 });
    const { id } = await db.prisma.tenant.create({ data: { name: 'mixed', planId: 'pro', webhookSecret: 'whsec_x' } });
    await db.prisma.$transaction((tx) => grantCredits(tx, id, 100, 'g', 'mixed:g'));
    const call = (requestId: string, tenant = id) => ({
      id: nextId().toString(), tenant, plan: 'pro', requestId, requestHash: 'h', request: {}, pool: 'cpu', modelIds: [],
      credits: '1.0000', priceVersion: 'v1', notifyUrl: null, maxAttempts: 3, createdAt: new Date().toISOString().slice(0, 23),
    });
    const first = batcher.create(call('m-0')); // goes alone; the next three wait and go together
    const rest = [batcher.create(call('m-1')), batcher.create(call('m-2', 'not-a-uuid')), batcher.create(call('m-3'))];
    const results = await Promise.allSettled([first, ...rest]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value.outcome : 'error'))).toEqual(['created', 'created', 'error', 'created']);
    expect(batcher.sent).toEqual({ statements: 2, creates: 4 });
    expect(await db.prisma.job.count({ where: { tenantId: id } })).toBe(3);
  });
});
