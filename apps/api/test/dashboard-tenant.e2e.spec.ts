import { ApiHarness, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe("dashboard API: a tenant's keys, jobs and credits", () => {
  let h: ApiHarness;
  let alice: DashboardClient;
  let bob: DashboardClient;

  beforeAll(async () => {
    h = await ApiHarness.start();
    alice = new DashboardClient(h);
    bob = new DashboardClient(h);
    await alice.signUp(uniqueEmail('alice'), 'Alice Studio');
    await bob.signUp(uniqueEmail('bob'), 'Bob Labs');
    // The free plan allows 5 requests per second and 2 unfinished jobs; these tests need more of both.
    await h.prisma.tenant.updateMany({ data: { rateLimitPerSec: 1000, planId: 'enterprise' } });
  });
  afterAll(() => h.stop());

  it('creates an API key shown once, lists it by prefix, and revoking it stops /v1 accepting it', async () => {
    const created = await alice.call('POST', '/api-keys', { name: 'render farm', scopes: ['jobs'] });
    expect(created.status).toBe(200);
    const { key, apiKey } = created.json;
    expect(key).toMatch(/^dk_[A-Za-z0-9_-]{43}$/);
    expect(apiKey).toMatchObject({ name: 'render farm', prefix: key.slice(0, 10), scopes: ['jobs'], revokedAt: null, lastUsedAt: null });

    const use = await h.call('POST', '/v1/jobs/credits', { body: { stages: txt2img('k1').stages }, headers: { authorization: `Bearer ${key}` } });
    expect(use.status).toBe(200);

    const list = await alice.call('GET', '/api-keys');
    expect(list.json.apiKeys).toHaveLength(1);
    expect(JSON.stringify(list.json)).not.toContain(key);
    expect(list.json.apiKeys[0].prefix).toBe(key.slice(0, 10));
    expect((await bob.call('GET', '/api-keys')).json.apiKeys).toEqual([]);

    // Bob cannot revoke Alice's key.
    expect((await bob.call('DELETE', `/api-keys/${apiKey.id}`)).status).toBe(404);
    const revoked = await alice.call('DELETE', `/api-keys/${apiKey.id}`);
    expect(revoked.status).toBe(200);
    expect(revoked.json.apiKey.revokedAt).not.toBeNull();
    const refused = await h.call('POST', '/v1/jobs/credits', { body: { stages: txt2img('k2').stages }, headers: { authorization: `Bearer ${key}` } });
    expect(refused.status).toBe(401);
  });

  it('validates key names and scopes with field issues', async () => {
    const res = await alice.call('POST', '/api-keys', { name: '', scopes: ['root'] });
    expect(res.status).toBe(400);
    expect(res.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['name', 'scopes[0]']);
  });

  it('estimates and creates a job from the playground, charged to the signed-in tenant', async () => {
    const est = await alice.call('POST', '/jobs/estimate', { stages: txt2img('x').stages });
    expect(est.json).toEqual({ credits: 0.04 });
    const bad = await alice.call('POST', '/jobs/estimate', { stages: [{ type: 'DIFFUSION', diffusion: { width: 500, prompts: [{ text: 'x' }] } }] });
    expect(bad.status).toBe(400);
    expect(bad.json.details[0].field).toBe('stages[0].diffusion.width');

    const created = await alice.call('POST', '/jobs', txt2img('pg-1'));
    expect(created.status).toBe(200);
    expect(created.json.job).toMatchObject({ status: 'WAITING', credits: 0.04, waitingInfo: { queueRank: '1' } });
    const me = await alice.call('GET', '/me');
    expect(me.json.tenant.balance).toBe(9.96);
  });

  it("lists the tenant's own jobs with filters and pages; another tenant sees none of them", async () => {
    for (let i = 0; i < 3; i++) expect((await alice.call('POST', '/jobs', txt2img(`list-${i}`, { steps: 5 + i, prompts: [{ text: `prompt ${i}` }] }))).status).toBe(200);
    const all = await alice.call('GET', '/jobs?limit=2');
    expect(all.status).toBe(200);
    expect(all.json.jobs).toHaveLength(2);
    expect(all.json.jobs[0]).toMatchObject({ prompt: 'prompt 2', steps: 7, width: 512, height: 512, count: 1, status: 'WAITING', stageTypes: ['DIFFUSION'] });
    const next = await alice.call('GET', `/jobs?limit=2&cursor=${all.json.nextCursor}`);
    expect(next.json.jobs.map((j: { prompt: string }) => j.prompt)).toEqual(['prompt 0', 'a photo of a cat']);
    expect(next.json.nextCursor).toBeNull();
    expect((await alice.call('GET', '/jobs?status=SUCCESS')).json.jobs).toEqual([]);
    expect((await alice.call('GET', '/jobs?status=WAITING')).json.jobs).toHaveLength(4);
    expect((await alice.call('GET', '/jobs?status=BOGUS')).status).toBe(400);

    expect((await bob.call('GET', '/jobs')).json.jobs).toEqual([]);
    const aliceJob = all.json.jobs[0].id;
    expect((await bob.call('GET', `/jobs/${aliceJob}`)).status).toBe(404);
    expect((await bob.call('DELETE', `/jobs/${aliceJob}`)).status).toBe(404);
  });

  it('shows overview: balance, jobs by status, spend per day and queue places', async () => {
    const res = await alice.call('GET', '/overview');
    expect(res.status).toBe(200);
    expect(res.json.jobsByStatus).toEqual({ WAITING: 4 });
    expect(res.json.spendByDay).toHaveLength(14);
    const today = new Date().toISOString().slice(0, 10);
    // 512² at 4, 5, 6 and 7 steps: 0.01 credits per step.
    expect(res.json.spendByDay[13]).toEqual({ day: today, credits: expect.closeTo(0.22, 4) });
    expect(res.json.spendByDay.slice(0, 13).every((d: { credits: number }) => d.credits === 0)).toBe(true);
    expect(res.json.waiting.map((w: { queueRank: number }) => w.queueRank)).toEqual([1, 2, 3, 4]);
    expect(res.json.tenant.balance).toBeCloseTo(9.78, 4);
  });

  it('cancels a waiting job and shows the refund in the ledger, newest first', async () => {
    const job = (await alice.call('GET', '/jobs?limit=1')).json.jobs[0];
    const canceled = await alice.call('DELETE', `/jobs/${job.id}`);
    expect(canceled.json).toEqual({ jobId: job.id, status: 'CANCELED' });
    const ledger = await alice.call('GET', '/ledger?limit=3');
    expect(ledger.json.entries[0]).toMatchObject({ kind: 'REFUND', amount: job.credits, jobId: job.id, reason: 'canceled' });
    expect(ledger.json.balance).toBe(ledger.json.entries[0].balanceAfter);
    const grants = await alice.call('GET', '/ledger?kind=GRANT');
    expect(grants.json.entries.map((e: { amount: number }) => e.amount)).toEqual([10]);
    expect((await bob.call('GET', '/ledger')).json.entries.map((e: { kind: string }) => e.kind)).toEqual(['GRANT']);
  });

  it('runs a playground job to SUCCESS and shows its images, seed and request in the detail', async () => {
    const created = await alice.call('POST', '/jobs', {
      requestId: 'pg-run',
      stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: '42', count: 2 } }, txt2img('x', { width: 576 }).stages[0]],
    });
    expect(created.status).toBe(200);
    h.startWorker();
    let detail: any;
    for (let i = 0; i < 200; i++) {
      detail = (await alice.call('GET', `/jobs/${created.json.job.id}`)).json;
      if (detail.job.status === 'SUCCESS') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(detail.job.status).toBe('SUCCESS');
    expect(detail.job.successInfo.images.map((i: { meta: { seed: string } }) => i.meta.seed)).toEqual(['42', '43']);
    expect(detail.summary).toMatchObject({ seed: '42', count: 2, width: 576, stageTypes: ['INPUT_INITIALIZE', 'DIFFUSION'] });
    expect(detail.request.requestId).toBe('pg-run');
    expect((await fetch(detail.job.successInfo.images[0].url)).status).toBe(200);
  });

  it('offers the playground its samplers and the checkpoints the tenant may use', async () => {
    const res = await alice.call('GET', '/playground/options');
    expect(res.json.samplers).toContain(res.json.defaultSampler);
    expect(res.json.models).toEqual([expect.objectContaining({ name: 'tiny-sd15', baseModel: 'SD1', isDefault: true })]);
  });

  it('answers 401 without a session on every tenant route', async () => {
    const anon = new DashboardClient(h);
    for (const path of ['/me', '/api-keys', '/jobs', '/overview', '/ledger', '/playground/options']) expect((await anon.call('GET', path)).status).toBe(401);
  });
});
