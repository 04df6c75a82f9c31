import { PlaceholderRunner } from '@darkroom/inference';
import { FatalRunError, type JobRunner } from '@darkroom/inference';
import { WORKER_PRESENCE_INTERVAL_MS, workerPresenceKey } from '@darkroom/contracts';
import { WorkerPresenceReporter } from '../../worker/src/worker-presence';
import { createAdminUser } from '../src/dashboard/account/create-admin';
import { ApiHarness, quietLog, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe('dashboard API: admin operations', () => {
  let h: ApiHarness;
  let admin: DashboardClient;
  let tenant: DashboardClient;
  let tenantId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    const email = uniqueEmail('ops-admin');
    await createAdminUser(h.prisma, { email, password: 'admin password 1' });
    admin = new DashboardClient(h);
    await admin.signIn(email, 'admin password 1');
    tenant = new DashboardClient(h);
    tenantId = (await tenant.signUp(uniqueEmail('ops-tenant'), 'Ops Target')).json.tenant.id;
    await h.prisma.tenant.update({ where: { id: tenantId }, data: { rateLimitPerSec: 1000, planId: 'enterprise' } });
  });
  afterAll(() => h.stop());

  it('refuses every new admin route to tenants (403)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/admin/plans'],
      ['POST', `/admin/tenants/${tenantId}/plan`, { planId: 'enterprise' }],
      ['POST', `/admin/tenants/${tenantId}/status`, { status: 'SUSPENDED', reason: 'abuse' }],
      ['POST', '/admin/impersonation', { tenantId }],
      ['GET', '/admin/workers'],
      ['GET', '/admin/failures'],
      ['GET', '/admin/models'],
      ['POST', '/admin/models/1/default'],
      ['GET', '/admin/prices'],
      ['POST', '/admin/prices', { rates: {}, reason: 'x' }],
      ['POST', '/admin/jobs/1/cancel'],
      ['POST', '/admin/jobs/1/prioritize'],
    ];
    for (const [method, path, body] of routes) expect({ path, status: (await tenant.call(method, path, body)).status }).toEqual({ path, status: 403 });
  });

  it('changes plan and limits, with field errors', async () => {
    expect((await admin.call('GET', '/admin/plans')).json.plans.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['free', 'enterprise']));
    const res = await admin.call('POST', `/admin/tenants/${tenantId}/plan`, { planId: 'free', rateLimitPerSec: 50, maxConcurrentJobs: null });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ planId: 'free', rateLimitPerSec: 50, maxConcurrentJobs: null, effective: { rateLimitPerSec: 50 } });
    expect(res.json.effective.maxConcurrentJobs).toBe((await h.prisma.plan.findUniqueOrThrow({ where: { id: 'free' } })).maxConcurrentJobs);
    expect((await admin.call('GET', `/admin/tenants/${tenantId}/limits`)).json.planId).toBe('free');
    const bad = await admin.call('POST', `/admin/tenants/${tenantId}/plan`, { planId: 'free', rateLimitPerSec: 0, maxConcurrentJobs: 1.5 });
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['maxConcurrentJobs', 'rateLimitPerSec']);
    expect((await admin.call('POST', `/admin/tenants/${tenantId}/plan`, { planId: 'gold' })).json.details[0].field).toBe('planId');
    await admin.call('POST', `/admin/tenants/${tenantId}/plan`, { planId: 'enterprise', rateLimitPerSec: 1000 });
  });

  it('suspends a tenant (its API key and playground are refused) and reactivates it', async () => {
    const key = (await tenant.call('POST', '/api-keys', { name: 'k' })).json.key as string;
    const v1 = () => h.call('POST', '/v1/jobs/credits', { body: { stages: txt2img('s').stages }, headers: { authorization: `Bearer ${key}` } });
    expect((await v1()).status).toBe(200);
    expect((await admin.call('POST', `/admin/tenants/${tenantId}/status`, { status: 'SUSPENDED', reason: '' })).json.details[0].field).toBe('reason');
    expect((await admin.call('POST', `/admin/tenants/${tenantId}/status`, { status: 'SUSPENDED', reason: 'unpaid invoices' })).json).toEqual({ tenantId, status: 'SUSPENDED' });
    expect((await v1()).status).toBe(403);
    expect((await tenant.call('POST', '/jobs', txt2img('while-suspended'))).status).toBe(403);
    expect((await tenant.call('GET', '/me')).json.tenant.status).toBe('SUSPENDED');
    await admin.call('POST', `/admin/tenants/${tenantId}/status`, { status: 'ACTIVE', reason: 'paid' });
    expect((await v1()).status).toBe(200);
    const own = (await admin.call('GET', '/me')).json.tenant.id;
    expect((await admin.call('POST', `/admin/tenants/${own}/status`, { status: 'SUSPENDED', reason: 'oops' })).json.details[0].rule).toBe('self');
  });

  it("views a tenant's dashboard read-only: reads its data, every change is refused, then ends the view", async () => {
    const job = (await tenant.call('POST', '/jobs', txt2img('seen-by-admin'))).json.job;
    const start = await admin.call('POST', '/admin/impersonation', { tenantId });
    expect(start.json.impersonating).toEqual({ tenantId, tenantName: 'Ops Target' });
    const me = (await admin.call('GET', '/me')).json;
    expect(me).toMatchObject({ user: { role: 'ADMIN' }, tenant: { id: tenantId }, impersonating: { tenantId, tenantName: 'Ops Target' } });
    expect((await admin.call('GET', '/jobs')).json.jobs.map((j: { id: string }) => j.id)).toContain(job.id);
    for (const [method, path, body] of [
      ['POST', '/api-keys', { name: 'sneaky' }],
      ['DELETE', `/jobs/${job.id}`],
      ['POST', '/jobs', txt2img('as-admin')],
      ['POST', '/webhooks/secret/rotate'],
      ['POST', `/admin/tenants/${tenantId}/credits`, { amount: 5, reason: 'while viewing' }],
    ] as Array<[string, string, unknown?]>) {
      const res = await admin.call(method, path, body);
      expect({ path, status: res.status, message: res.json.message }).toEqual({ path, status: 403, message: expect.stringContaining('read-only') });
    }
    expect((await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(job.id) } })).status).toBe('WAITING');
    // The view is bound to this session: the cookie does nothing for another admin session or a tenant.
    const viewAs = admin.cookies.get('dr_view_as')!;
    const stolen = new DashboardClient(h);
    await stolen.signIn((await tenant.call('GET', '/me')).json.user.email);
    stolen.cookies.set('dr_view_as', viewAs);
    expect((await stolen.call('GET', '/me')).json.impersonating ?? null).toBeNull();

    const end = await admin.call('DELETE', '/admin/impersonation');
    expect(end.status).toBe(200);
    expect((await admin.call('GET', '/me')).json.impersonating).toBeNull();
    expect((await admin.call('POST', '/admin/impersonation', { tenantId: 'nope' })).json.details[0].field).toBe('tenantId');
    await tenant.call('DELETE', `/jobs/${job.id}`);
  });

  it('cancels and prioritizes any waiting job from the live queue', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await tenant.call('POST', '/jobs', txt2img(`prio-${i}`))).json.job.id);
    const moved = await admin.call('POST', `/admin/jobs/${ids[2]}/prioritize`);
    expect(moved.json).toEqual({ jobId: ids[2], rank: 1 });
    const cpu = (await admin.call('GET', '/admin/queue')).json.pools.find((p: { pool: string }) => p.pool === 'cpu');
    expect(cpu.head.map((j: { jobId: string }) => j.jobId)).toEqual([ids[2], ids[0], ids[1]]);
    expect((await admin.call('POST', `/admin/jobs/${ids[0]}/cancel`)).json).toMatchObject({ jobId: ids[0], status: 'CANCELED' });
    expect((await admin.call('POST', `/admin/jobs/${ids[0]}/prioritize`)).json.details[0].rule).toBe('not_waiting');
    expect((await admin.call('POST', '/admin/jobs/12345/cancel')).status).toBe(404);
    for (const id of [ids[1], ids[2]]) await admin.call('POST', `/admin/jobs/${id}/cancel`);
  });

  it('lists workers as they report themselves, with pool, models held and current job', async () => {
    const loop = h.startWorker({ runner: new PlaceholderRunner(200) });
    const reporter = new WorkerPresenceReporter({ redis: h.redis.redis, prefix: h.redis.prefix, source: loop, pool: 'cpu', workerId: 'test-worker-presence', runner: 'placeholder', concurrency: 1, log: quietLog, intervalMs: 100 });
    reporter.start();
    try {
      const job = (await tenant.call('POST', '/jobs', txt2img('on-worker', { steps: 20 }))).json.job;
      const deadline = Date.now() + 10_000;
      let seen: any;
      while (Date.now() < deadline) {
        const res = (await admin.call('GET', '/admin/workers')).json;
        seen = res.workers.find((w: { workerId: string }) => w.workerId === 'test-worker-presence');
        if (seen?.currentJobs.length) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toMatchObject({ pool: 'cpu', runner: 'placeholder', state: 'ONLINE', takingJobs: true, currentJobs: [expect.objectContaining({ jobId: job.id, tenantName: 'Ops Target' })] });
      const pools = (await admin.call('GET', '/admin/workers')).json.pools;
      expect(pools).toEqual([expect.objectContaining({ pool: 'cpu', families: ['SD1', 'SD2', 'SDXL'], workers: 1 })]);
      // A worker that stops reporting shows as lost, then disappears when its record expires.
      await reporter.stop();
      expect((await admin.call('GET', '/admin/workers')).json.workers).toEqual([]);
      await h.redis.redis.set(workerPresenceKey(h.redis.prefix, 'ghost'), JSON.stringify({ ...reporter.snapshot(new Date(Date.now() - 4 * WORKER_PRESENCE_INTERVAL_MS)), workerId: 'ghost' }), 'EX', 60);
      await h.redis.redis.zadd(`${h.redis.prefix}:workers`, Date.now(), 'ghost');
      expect((await admin.call('GET', '/admin/workers')).json.workers.map((w: { workerId: string; state: string }) => [w.workerId, w.state])).toEqual([['ghost', 'LOST']]);
    } finally {
      await reporter.stop();
    }
  }, 30_000);

  it('groups failed jobs by error code and reason, with their refunds', async () => {
    const failing: JobRunner = { name: 'failing', heldModels: () => [], run: async () => Promise.reject(new FatalRunError('the model file is damaged')) } as unknown as JobRunner;
    h.startWorker({ runner: failing });
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) ids.push((await tenant.call('POST', '/jobs', txt2img(`fail-${i}`))).json.job.id);
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline && (await h.prisma.job.count({ where: { id: { in: ids.map(BigInt) }, status: 'FAILED' } })) < 2) await new Promise((r) => setTimeout(r, 100));
    const res = (await admin.call('GET', '/admin/failures?days=1')).json;
    const fatal = res.groups.find((g: { code: string }) => g.code === 'FATAL_ERROR');
    expect(fatal.reasons).toEqual(expect.arrayContaining([expect.objectContaining({ reason: 'the model file is damaged', count: 2 })]));
    const recent = res.recent.filter((j: { jobId: string }) => ids.includes(j.jobId));
    expect(recent).toHaveLength(2);
    expect(recent[0]).toMatchObject({ tenantName: 'Ops Target', code: 'FATAL_ERROR', credits: 0.04, refunded: 0.04 });
    expect((await admin.call('GET', '/admin/failures?code=TRANSITORY_ERROR&days=1')).json.groups).toEqual([]);
    expect((await admin.call('GET', '/admin/failures?days=500')).json.details[0].field).toBe('days');
  }, 30_000);

  it('publishes a price version with the admin as actor; new jobs are priced with it', async () => {
    const before = (await admin.call('GET', '/admin/prices')).json;
    const current = before.versions.find((v: { current: boolean }) => v.current);
    const rates = { basePer512Image20Steps: current.basePer512Image20Steps * 2, controlNetUnitFactor: 0.25, modelUpscalePerMegapixel: 0.02, minimumPerJob: 0.01, planMultipliers: {} };
    const bad = await admin.call('POST', '/admin/prices', { rates: { ...rates, basePer512Image20Steps: -1, planMultipliers: { gold: 2 } }, reason: 'x' });
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['rates.basePer512Image20Steps', 'reason']);
    expect((await admin.call('POST', '/admin/prices', { rates: { ...rates, planMultipliers: { gold: 2 } }, reason: 'new plan' })).json.details[0].field).toBe('rates.planMultipliers.gold');
    const published = await admin.call('POST', '/admin/prices', { rates, reason: 'GPU costs doubled' });
    expect(published.status).toBe(200);
    const adminId = (await admin.call('GET', '/me')).json.user.id;
    expect(published.json.version).toMatchObject({ current: true, actor: adminId, reason: 'GPU costs doubled', basePer512Image20Steps: rates.basePer512Image20Steps });
    expect((await tenant.call('POST', '/jobs/estimate', { stages: txt2img('p').stages })).json.credits).toBeCloseTo(0.08, 6);
  });

  it('hides a public model, keeps one default checkpoint per family', async () => {
    const { models, defaults } = (await admin.call('GET', '/admin/models')).json;
    const demo = models.find((m: { isDefault: boolean }) => m.isDefault);
    expect(defaults[demo.baseModel]).toBe(demo.id);
    const refused = await admin.call('POST', `/admin/models/${demo.id}/visibility`, { visibility: 'HIDDEN' });
    expect([refused.status, refused.json.details[0].rule]).toEqual([400, 'default']);

    const second = await h.prisma.model.create({ data: { id: 9_000_000_001n, name: 'second-sd15', modelType: 'CHECKPOINT', baseModel: demo.baseModel, visibility: 'PUBLIC', storagePath: 'x' } });
    const made = await admin.call('POST', `/admin/models/${second.id}/default`);
    expect(made.json.model).toMatchObject({ id: second.id.toString(), isDefault: true });
    const after = (await admin.call('GET', '/admin/models?q=sd15')).json;
    expect(after.defaults[demo.baseModel]).toBe(second.id.toString());
    expect(await h.prisma.model.count({ where: { baseModel: demo.baseModel, modelType: 'CHECKPOINT', isDefault: true } })).toBe(1);

    const hidden = await admin.call('POST', `/admin/models/${demo.id}/visibility`, { visibility: 'HIDDEN', reason: 'copyright claim' });
    expect(hidden.json.model.visibility).toBe('HIDDEN');
    const options = (await tenant.call('GET', '/playground/options')).json.models.map((m: { id: string }) => m.id);
    expect(options).not.toContain(demo.id);
    await admin.call('POST', `/admin/models/${demo.id}/visibility`, { visibility: 'PUBLIC' });
    await admin.call('POST', `/admin/models/${demo.id}/default`);
    expect((await admin.call('POST', '/admin/models/123/default')).status).toBe(404);
    expect((await admin.call('POST', `/admin/models/${demo.id}/visibility`, { visibility: 'PRIVATE' })).json.details[0].field).toBe('visibility');
  });
});
