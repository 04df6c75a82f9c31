import { randomBytes } from 'node:crypto';
import { checkAllLedgers, checkLedger } from '@darkroom/credits';
import { claimJob, completeJob, completeJobPartially, failJob, NewOutput } from '@darkroom/jobs';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

const ADMIN_TOKEN = randomBytes(24).toString('hex');
const admin = { authorization: `Bearer ${ADMIN_TOKEN}` };

const output = (index: number): NewOutput => ({ kind: 'IMAGE', stageIndex: 0, index, storageKey: `k/${index}`, format: 'png', width: 512, height: 512, bytes: 1, seed: 1n });

describe('credits: concurrency, races, partial refunds, plans and price versions', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await ApiHarness.start({ ADMIN_API_TOKEN: ADMIN_TOKEN });
    // A plan whose concurrency limit is out of the way of the balance tests.
    await h.prisma.plan.create({ data: { id: 'bulk', name: 'Bulk', maxConcurrentJobs: 100_000, rateLimitPerSec: 100_000 } });
  });
  afterAll(() => h.stop());

  const balance = async (t: TestTenant) => (await h.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).balance.toString();
  const create = (t: TestTenant, requestId: string, over: Record<string, unknown> = {}) => h.call('POST', '/v1/jobs', { body: txt2img(requestId, over), headers: t.auth });

  it('accepts exactly 200 of 500 concurrent jobs against a balance for 200', async () => {
    const t = await h.createTenant({ plan: 'bulk', credits: 8 }); // 200 × 0.04
    // As a client would: UNAVAILABLE (a busy database on a loaded test machine) is retried after Retry-After.
    const createRetrying = async (requestId: string): Promise<Awaited<ReturnType<typeof create>>> => {
      for (;;) {
        const r = await create(t, requestId);
        if (r.status !== 503) return r;
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    };
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => createRetrying(`c500-${i}`)));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(200);
    expect(statuses.filter((s) => s === 429)).toHaveLength(300);
    expect(results.find((r) => r.status === 429)?.json.details[0].rule).toBe('insufficient_credits');
    expect(await balance(t)).toBe('0');
    expect(await h.prisma.job.count({ where: { tenantId: t.id } })).toBe(200);
    expect(await h.prisma.ledgerEntry.count({ where: { tenantId: t.id, kind: 'RESERVE' } })).toBe(200);
    expect(await checkLedger(h.prisma, t.id)).toMatchObject({ ok: true, chainBreaks: 0 });
  }, 120_000);

  it('ends each job exactly one way when the worker finishing it races a cancel', async () => {
    const t = await h.createTenant({ plan: 'bulk', credits: 10 });
    const endings = [
      (lease: Parameters<typeof completeJob>[1]) => completeJob(h.prisma, lease, [output(0)]),
      (lease: Parameters<typeof completeJob>[1]) => failJob(h.prisma, lease, 'FATAL_ERROR', 'boom'),
      (lease: Parameters<typeof completeJob>[1]) => completeJobPartially(h.prisma, lease, [output(0)], { requested: 4, succeeded: 1 }),
    ];
    for (let i = 0; i < 24; i++) {
      const job = (await create(t, `race-${i}`)).json.job;
      const id = BigInt(job.id);
      const lease = await claimJob(h.prisma, id, 'w', 30_000);
      expect(lease).not.toBeNull();
      const end = endings[i % 3];
      // The worker's end, its retry, and a cancel, all at once.
      const [first, retry, cancel] = await Promise.all([end(lease!), end(lease!), h.call('DELETE', `/v1/jobs/${job.id}`, { headers: t.auth })]);
      expect(cancel.status).toBe(200);
      expect([first, retry].filter(Boolean).length).toBeLessThanOrEqual(1);
      const row = await h.prisma.job.findUniqueOrThrow({ where: { id } });
      const ledger = (await h.prisma.ledgerEntry.findMany({ where: { jobId: id }, orderBy: { id: 'asc' } })).map((e) => `${e.kind}:${e.amount}`);
      if (row.status === 'CANCELED') {
        expect([first, retry]).toEqual([false, false]);
        expect(ledger).toEqual(['RESERVE:-0.04', 'REFUND:0.04']);
      } else if (i % 3 === 0) {
        expect([row.status, ledger]).toEqual(['SUCCESS', ['RESERVE:-0.04', 'SETTLE:0']]);
      } else if (i % 3 === 1) {
        expect([row.status, ledger]).toEqual(['FAILED', ['RESERVE:-0.04', 'REFUND:0.04']]);
      } else {
        // 1 of 4 images: 0.03 of 0.04 comes back.
        expect([row.status, ledger]).toEqual(['SUCCESS', ['RESERVE:-0.04', 'SETTLE:0', 'REFUND:0.03']]);
      }
    }
    expect(await checkLedger(h.prisma, t.id)).toMatchObject({ ok: true, chainBreaks: 0 });
  }, 60_000);

  it('refunds the share of images not made, once, when only some of count succeed', async () => {
    const t = await h.createTenant({ plan: 'bulk', credits: 10 });
    const body = { requestId: 'partial-1', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { count: 4, seed: '1' } }, txt2img('x').stages[0]] };
    const job = (await h.call('POST', '/v1/jobs', { body, headers: t.auth })).json.job;
    const id = BigInt(job.id);
    expect((await h.prisma.job.findUniqueOrThrow({ where: { id } })).credits.toString()).toBe('0.16');
    const lease = (await claimJob(h.prisma, id, 'w', 30_000))!;
    expect(await completeJobPartially(h.prisma, lease, [output(0), output(2), output(3)], { requested: 4, succeeded: 3 })).toBe(true);
    expect(await completeJobPartially(h.prisma, lease, [output(0)], { requested: 4, succeeded: 3 })).toBe(false);
    expect(await balance(t)).toBe('9.88'); // 10 − 0.16 + 0.04
    expect((await h.call('GET', `/v1/jobs/${job.id}`, { headers: t.auth })).json.job.status).toBe('SUCCESS');
    expect(await h.prisma.ledgerEntry.count({ where: { jobId: id, kind: 'REFUND' } })).toBe(1);
  });

  it("enforces the plan's max concurrent jobs at creation (RESOURCE_EXHAUSTED) and frees a place when a job ends", async () => {
    await h.prisma.plan.create({ data: { id: 'tiny', name: 'Tiny', maxConcurrentJobs: 3, rateLimitPerSec: 1000 } });
    const t = await h.createTenant({ plan: 'tiny', credits: 10 });
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => create(t, `mc-${i}`)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = results.filter((r) => r.status === 429);
    expect(refused).toHaveLength(9);
    expect(refused[0].json).toMatchObject({ code: 8, details: [expect.objectContaining({ rule: 'max_concurrent_jobs' })] });
    expect(await balance(t)).toBe('9.88'); // refused jobs reserved nothing
    // A repeated requestId of an accepted job is still answered with that job.
    const accepted = results.find((r) => r.status === 200)!;
    const again = await create(t, `mc-${results.indexOf(accepted)}`);
    expect([again.status, again.json.job.id]).toEqual([200, accepted.json.job.id]);
    await h.call('DELETE', `/v1/jobs/${accepted.json.job.id}`, { headers: t.auth });
    expect((await create(t, 'mc-after')).status).toBe(200);
    // A per-tenant override (admin) lifts the plan's limit.
    const put = await h.call('PUT', `/admin/tenants/${t.id}/plan`, { body: { planId: 'tiny', maxConcurrentJobs: 5 }, headers: admin });
    expect(put.status).toBe(200);
    expect((await create(t, 'mc-override-1')).status).toBe(200);
    expect((await create(t, 'mc-override-2')).status).toBe(200);
    expect((await create(t, 'mc-override-3')).status).toBe(429);
  });

  it('prices with the table in force and the plan multiplier; a job keeps its price version after a change', async () => {
    const t = await h.createTenant({ plan: 'bulk', credits: 10 });
    const before = (await create(t, 'pv-1')).json.job;
    const v1 = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(before.id) } });
    expect([v1.priceVersion, v1.credits.toString()]).toEqual(['v1', '0.04']);

    const published = await h.call('POST', '/admin/prices', {
      body: { reason: 'double, bulk half', rates: { basePer512Image20Steps: 0.4, controlNetUnitFactor: 0.25, modelUpscalePerMegapixel: 0.02, minimumPerJob: 0.01, planMultipliers: { bulk: 0.5 } } },
      headers: admin,
    });
    expect(published.status).toBe(200);
    const version = published.json.version.version;
    expect(version).toMatch(/^v\d+$/);
    const after = (await create(t, 'pv-2', { steps: 8 })).json.job;
    const v2 = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(after.id) } });
    expect([v2.priceVersion, v2.credits.toString()]).toEqual([version, '0.08']); // 0.4 × 8/20 × 0.5
    expect((await h.call('GET', '/v1/billing/prices', { headers: t.auth })).json).toMatchObject({ version, planId: 'bulk', planMultiplier: 0.5, basePer512Image20Steps: 0.4 });

    // The old job still refunds what it reserved under v1.
    const balanceBefore = Number(await balance(t));
    await h.call('DELETE', `/v1/jobs/${before.id}`, { headers: t.auth });
    expect(Number(await balance(t))).toBeCloseTo(balanceBefore + 0.04, 4);
    expect((await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(before.id) } })).priceVersion).toBe('v1');
    const versions = await h.call('GET', '/admin/prices', { headers: admin });
    expect(versions.json.current).toBe(version);
    expect(versions.json.versions.map((v: { version: string }) => v.version)).toContain('v1');
  });

  it('every ledger of the platform adds up after all of the above', async () => {
    expect((await checkAllLedgers(h.prisma)).failures).toEqual([]);
    const check = await h.call('GET', '/admin/ledger/check', { headers: admin });
    expect(check.json).toMatchObject({ ok: true, failures: [] });
    expect(check.json.tenants).toBeGreaterThan(4);
  });
});
