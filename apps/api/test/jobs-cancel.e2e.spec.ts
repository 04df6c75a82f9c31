import { checkLedger } from '@darkroom/credits';
import { PlaceholderRunner } from '@darkroom/inference';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('cancel', () => {
  let h: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 10 });
  });
  afterAll(() => h.stop());

  it('removes a waiting job from the queue at once and refunds it', async () => {
    const a = (await h.call('POST', '/v1/jobs', { body: txt2img('c-1'), headers: tenant.auth })).json.job;
    const b = (await h.call('POST', '/v1/jobs', { body: txt2img('c-2'), headers: tenant.auth })).json.job;
    expect(b.waitingInfo).toEqual({ queueRank: '2', queueLen: '2' });
    const res = await h.call('DELETE', `/v1/jobs/${a.id}`, { headers: tenant.auth });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ jobId: a.id });
    expect((await h.call('GET', `/v1/jobs/${a.id}`, { headers: tenant.auth })).json.job.status).toBe('CANCELED');
    expect((await h.call('GET', `/v1/jobs/${b.id}`, { headers: tenant.auth })).json.job.waitingInfo).toEqual({ queueRank: '1', queueLen: '1' });
    const refund = await h.prisma.ledgerEntry.findMany({ where: { jobId: BigInt(a.id), kind: 'REFUND' } });
    expect(refund.map((r) => r.amount.toString())).toEqual(['0.04']);
    // Canceling again changes nothing and refunds nothing more.
    await h.call('DELETE', `/v1/jobs/${a.id}`, { headers: tenant.auth });
    expect(await h.prisma.ledgerEntry.count({ where: { jobId: BigInt(a.id), kind: 'REFUND' } })).toBe(1);
    await h.call('DELETE', `/v1/jobs/${b.id}`, { headers: tenant.auth });
  });

  it('stops a running job at the next step, refunds it once, and the worker does not settle it', async () => {
    const job = (await h.call('POST', '/v1/jobs', { body: txt2img('c-3', { steps: 60 }), headers: tenant.auth })).json.job;
    h.startWorker({ runner: new PlaceholderRunner(100) });
    await h.waitForStatus(tenant, job.id, ['RUNNING']);
    const res = await h.call('DELETE', `/v1/jobs/${job.id}`, { headers: tenant.auth });
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 600));
    const row = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(job.id) }, include: { outputs: true } });
    expect(row.status).toBe('CANCELED');
    expect(row.outputs).toHaveLength(0);
    const kinds = (await h.prisma.ledgerEntry.findMany({ where: { jobId: row.id } })).map((l) => l.kind).sort();
    expect(kinds).toEqual(['REFUND', 'RESERVE']);
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  });

  it('leaves a finished job as it is', async () => {
    const job = (await h.call('POST', '/v1/jobs', { body: txt2img('c-4', { steps: 1 }), headers: tenant.auth })).json.job;
    await h.waitForStatus(tenant, job.id, ['SUCCESS']);
    const res = await h.call('DELETE', `/v1/jobs/${job.id}`, { headers: tenant.auth });
    expect(res.status).toBe(200);
    expect((await h.call('GET', `/v1/jobs/${job.id}`, { headers: tenant.auth })).json.job.status).toBe('SUCCESS');
    expect(await h.prisma.ledgerEntry.count({ where: { jobId: BigInt(job.id), kind: 'REFUND' } })).toBe(0);
  });
});
