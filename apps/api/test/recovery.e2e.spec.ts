import { spawn } from 'node:child_process';
import path from 'node:path';
import { checkLedger } from '@darkroom/credits';
import { FairWaitQueue, NO_NOTIFIER, reconcileWaitingJobs } from '@darkroom/jobs';
import { FairQueue } from '@darkroom/queue';
import { ApiHarness, freePort, TestTenant, txt2img } from './api-harness';

const ROOT = path.resolve(__dirname, '../../..');

describe('recovery', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start({ LEASE_TTL_MS: '2000' });
    tenant = await h.createTenant({ credits: 10 });
  });
  afterAll(() => h.stop());

  it('a worker process killed with SIGKILL mid-job loses its lease; the job is retried and ends SUCCESS, charged once', async () => {
    const job = (await h.call('POST', '/v1/jobs', { body: txt2img('kill-1', { steps: 40 }), headers: tenant.auth })).json.job;
    const env = { ...process.env, ...h.workerEnv({ LEASE_TTL_MS: '2000', PLACEHOLDER_STEP_MS: '200' }) };
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], { cwd: ROOT, env, stdio: 'ignore' });
    try {
      await h.waitForStatus(tenant, job.id, ['RUNNING'], 60_000);
    } finally {
      child.kill('SIGKILL');
    }
    await new Promise((r) => child.once('exit', r));
    const held = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(job.id) } });
    expect([held.status, held.attempts]).toEqual(['RUNNING', 1]);

    // The lease runs out; a maintenance tick puts the job back at the front of the queue.
    await new Promise((r) => setTimeout(r, 2200));
    expect(await h.maintenanceTick()).toMatchObject({ requeued: 1, failed: 0 });
    expect((await h.call('GET', `/v1/jobs/${job.id}`, { headers: tenant.auth })).json.job).toMatchObject({ status: 'WAITING', waitingInfo: { queueRank: '1' } });

    const worker = h.startWorker({ leaseTtlMs: 2000 });
    const done = await h.waitForStatus(tenant, job.id, ['SUCCESS', 'FAILED'], 30_000);
    await worker.stop(1000); // the next tests drive the queue by hand
    expect(done.status).toBe('SUCCESS');
    const row = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(job.id) } });
    expect(row.attempts).toBe(2);
    const kinds = (await h.prisma.ledgerEntry.findMany({ where: { jobId: row.id } })).map((l) => l.kind).sort();
    expect(kinds).toEqual(['RESERVE', 'SETTLE']);
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  }, 120_000);

  it('on SIGTERM a worker gives its running job back after the grace period, without spending an attempt', async () => {
    const job = (await h.call('POST', '/v1/jobs', { body: txt2img('term-1', { steps: 60 }), headers: tenant.auth })).json.job;
    const healthPort = await freePort();
    const env = { ...process.env, ...h.workerEnv({ PLACEHOLDER_STEP_MS: '200', SHUTDOWN_GRACE_MS: '300', WORKER_HEALTH_PORT: String(healthPort) }) };
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], { cwd: ROOT, env, stdio: 'ignore' });
    await h.waitForStatus(tenant, job.id, ['RUNNING'], 60_000);
    // The worker's probes and metrics while it runs the job.
    const worker = `http://127.0.0.1:${healthPort}`;
    expect((await fetch(`${worker}/healthz`)).status).toBe(200);
    expect((await fetch(`${worker}/readyz`)).status).toBe(200);
    expect(await (await fetch(`${worker}/metrics`)).text()).toContain('darkroom_worker_running_jobs{pool="cpu"} 1');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const row = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(job.id) } });
    expect([row.status, row.attempts, row.leaseToken]).toEqual(['WAITING', 0, null]);
    expect((await h.call('GET', `/v1/jobs/${job.id}`, { headers: tenant.auth })).json.job.waitingInfo.queueRank).toBe('1');
    await h.call('DELETE', `/v1/jobs/${job.id}`, { headers: tenant.auth });
  }, 120_000);

  it('fails a job with TRANSITORY_ERROR and refunds it after its last attempt', async () => {
    const job = (await h.call('POST', '/v1/jobs', { body: txt2img('kill-2'), headers: tenant.auth })).json.job;
    // Three workers in a row take it and vanish (their leases run out).
    for (let attempt = 1; attempt <= 3; attempt++) {
      const fair = new FairQueue({ redis: h.redis.redis, prefix: h.redis.prefix });
      const taken = await fair.take('cpu');
      expect(taken?.jobId).toBe(job.id);
      await h.prisma.job.update({ where: { id: BigInt(job.id) }, data: { status: 'RUNNING', leaseToken: `gone-${attempt}`, leaseExpiresAt: new Date(Date.now() - 1), attempts: attempt } });
      await h.maintenanceTick();
    }
    const failed = (await h.call('GET', `/v1/jobs/${job.id}`, { headers: tenant.auth })).json.job;
    expect(failed.status).toBe('FAILED');
    expect(failed.failedInfo.code).toBe('TRANSITORY_ERROR');
    expect(await h.prisma.ledgerEntry.count({ where: { jobId: BigInt(job.id), kind: 'REFUND' } })).toBe(1);
  });

  it('restores waiting jobs after Redis loses the queue', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await h.call('POST', '/v1/jobs', { body: txt2img(`flush-${i}`), headers: tenant.auth })).json.job.id);
    const keys = await h.redis.redis.keys(`${h.redis.prefix}:q:*`);
    await h.redis.redis.del(...keys);
    const fair = new FairQueue({ redis: h.redis.redis, prefix: h.redis.prefix });
    expect(await fair.length('cpu')).toBe(0);
    // Postgres still has them as WAITING: the API keeps answering them as waiting.
    expect((await h.call('GET', `/v1/jobs/${ids[0]}`, { headers: tenant.auth })).json.job.status).toBe('WAITING');
    // Jobs younger than the grace period are left alone (their enqueue may be in flight).
    await h.prisma.job.updateMany({ where: { id: { in: ids.map(BigInt) } }, data: { updatedAt: new Date(Date.now() - 60_000) } });
    expect(await h.maintenanceTick()).toMatchObject({ restored: 5 });
    const after = (await h.call('GET', `/v1/jobs/${ids[4]}`, { headers: tenant.auth })).json.job;
    expect(after.waitingInfo.queueLen).toBe('5');
    expect(await h.maintenanceTick()).toMatchObject({ restored: 0 });
  });

  it('a tick checks the jobs that changed since the last one; all waiting jobs once a minute and after the queue lost its data', async () => {
    const fair = new FairQueue({ redis: h.redis.redis, prefix: h.redis.prefix });
    const deps = { prisma: h.prisma, queue: new FairWaitQueue(fair), notifier: NO_NOTIFIER, weightOf: async () => 1 };
    const [old, recent] = await Promise.all(
      ['incr-old', 'incr-recent'].map(async (id) => (await h.call('POST', '/v1/jobs', { body: txt2img(id), headers: tenant.auth })).json.job.id as string),
    );
    const now = Date.now();
    await h.redis.redis.del(`${h.redis.prefix}:q:marker:reconciled`);
    await reconcileWaitingJobs(deps, { now }); // no marker: every waiting job is checked, and the marker written
    // Both jobs leave the queue without the queue losing its data (say, a worker died right after taking them).
    await h.prisma.job.update({ where: { id: BigInt(old) }, data: { updatedAt: new Date(now - 60_000) } });
    await h.prisma.job.update({ where: { id: BigInt(recent) }, data: { updatedAt: new Date(now - 2_000) } });
    for (const id of [old, recent]) expect(await fair.remove('cpu', id)).toBe(true);

    // 5 s later: only the jobs updated since the last tick's cutoff (less one grace period) are looked at.
    expect(await reconcileWaitingJobs(deps, { now: now + 5_000 })).toBe(1);
    expect(await fair.position('cpu', recent)).not.toBeNull();
    expect(await fair.position('cpu', old)).toBeNull();
    expect(await reconcileWaitingJobs(deps, { now: now + 10_000 })).toBe(0);
    // A minute after the last full check, every waiting job is checked again.
    expect(await reconcileWaitingJobs(deps, { now: now + 61_000 })).toBeGreaterThanOrEqual(1);
    expect(await fair.position('cpu', old)).not.toBeNull();

    // The marker lives with the queue's keys: when they go, the next tick checks everything at once.
    expect(await fair.remove('cpu', old)).toBe(true);
    expect(await reconcileWaitingJobs(deps, { now: now + 62_000 })).toBe(0);
    await h.redis.redis.del(`${h.redis.prefix}:q:marker:reconciled`);
    expect(await reconcileWaitingJobs(deps, { now: now + 63_000 })).toBeGreaterThanOrEqual(1);
    expect(await fair.position('cpu', old)).not.toBeNull();
  });
});
