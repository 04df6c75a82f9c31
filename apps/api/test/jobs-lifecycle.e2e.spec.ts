import sharp from 'sharp';
import { checkLedger } from '@darkroom/credits';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('job lifecycle through HTTP', () => {
  let h: ApiHarness;
  let tenant: TestTenant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 10 });
  });
  afterAll(() => h.stop());

  it('creates a waiting job with its queue position and reserves its credits', async () => {
    const res = await h.call('POST', '/v1/jobs', { body: txt2img('life-1'), headers: tenant.auth });
    expect(res.status).toBe(200);
    const job = res.json.job;
    expect(job).toMatchObject({ status: 'WAITING', credits: 0.04, waitingInfo: { queueRank: '1', queueLen: '1' } });
    expect(job.id).toMatch(/^[0-9]+$/);
    const tenantRow = await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } });
    expect(tenantRow.balance.toString()).toBe('9.96');
  });

  it('runs the job on a worker to SUCCESS with a signed, downloadable PNG of the requested size, charged once', async () => {
    const created = await h.call('POST', '/v1/jobs', { body: txt2img('life-2', { width: 768, height: 512 }), headers: tenant.auth });
    h.startWorker();
    const done = await h.waitForStatus(tenant, created.json.job.id, ['SUCCESS', 'FAILED']);
    expect(done.status).toBe('SUCCESS');
    expect(done.successInfo.images.length).toBe(1);
    const image = done.successInfo.images[0];
    expect(image.meta.image).toEqual({ format: 'png', width: 768, height: 512 });
    expect(Number(image.expiredIn)).toBeGreaterThan(Date.now() / 1000);
    expect(image.meta.seed).toMatch(/^[0-9]+$/);
    const download = await fetch(image.url);
    expect(download.status).toBe(200);
    const meta = await sharp(Buffer.from(await download.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 768, 512]);

    // A tampered or stale URL is refused.
    const tampered = new URL(image.url);
    tampered.searchParams.set('exp', String(Number(image.expiredIn) + 60));
    expect((await fetch(tampered)).status).toBe(403);

    const ledger = await h.prisma.ledgerEntry.findMany({ where: { jobId: BigInt(done.id) }, orderBy: { id: 'asc' } });
    expect(ledger.map((l) => [l.kind, l.amount.toString()])).toEqual([
      ['RESERVE', '-0.06'], // 768×512 = 1.5 × 512² at 4 steps
      ['SETTLE', '0'],
    ]);
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  });

  it('gives each of count images its own seed, starting at the requested one', async () => {
    const body = { requestId: 'life-3', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: '123', count: 3 } }, txt2img('x').stages[0]] };
    const created = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
    expect(created.status).toBe(200);
    expect(created.json.job.credits).toBe(0.12);
    const done = await h.waitForStatus(tenant, created.json.job.id, ['SUCCESS', 'FAILED']);
    expect(done.successInfo.images.map((i: { meta: { seed: string } }) => i.meta.seed)).toEqual(['123', '124', '125']);
  });

  it('hides another tenant\'s jobs and answers malformed ids with NOT_FOUND', async () => {
    const other = await h.createTenant();
    const mine = await h.call('POST', '/v1/jobs', { body: txt2img('life-4'), headers: tenant.auth });
    for (const id of [mine.json.job.id, 'abc', '0', '99999999999999999999999']) {
      const res = await h.call('GET', `/v1/jobs/${id}`, { headers: other.auth });
      expect(res.status).toBe(404);
      expect(res.json.code).toBe(5);
      const del = await h.call('DELETE', `/v1/jobs/${id}`, { headers: other.auth });
      expect(del.status).toBe(404);
    }
  });

  it('estimates exactly what the job is charged', async () => {
    const body = txt2img('life-5', { width: 1024, height: 1024, steps: 30 });
    const estimate = await h.call('POST', '/v1/jobs/credits', { body: { stages: body.stages }, headers: tenant.auth });
    const created = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
    expect(estimate.json).toEqual({ credits: created.json.job.credits });
    expect(estimate.json.credits).toBe(1.2);
  });
});
