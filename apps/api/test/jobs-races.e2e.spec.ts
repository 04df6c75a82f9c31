import { checkLedger } from '@darkroom/credits';
import { FairQueue } from '@darkroom/queue';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('idempotency and credits under concurrency', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await ApiHarness.start();
  });
  afterAll(() => h.stop());

  it('answers the same job for a repeated requestId and ALREADY_EXISTS for a different body', async () => {
    const t = await h.createTenant();
    const first = await h.call('POST', '/v1/jobs', { body: txt2img('idem-1'), headers: t.auth });
    // snake_case and key order make no difference to "the same body".
    const again = await h.call('POST', '/v1/jobs', { body: { stages: [{ diffusion: { steps: 4, prompts: [{ text: 'a photo of a cat' }], height: 512, width: 512 }, type: 'DIFFUSION' }], request_id: 'idem-1' }, headers: t.auth });
    expect(again.status).toBe(200);
    expect(again.json.job.id).toBe(first.json.job.id);
    const different = await h.call('POST', '/v1/jobs', { body: txt2img('idem-1', { steps: 5 }), headers: t.auth });
    expect(different.status).toBe(409);
    expect(different.json).toMatchObject({ code: 6, details: [expect.objectContaining({ field: 'requestId' })] });
    // The same requestId in another tenant is another job.
    const other = await h.createTenant();
    const theirs = await h.call('POST', '/v1/jobs', { body: txt2img('idem-1'), headers: other.auth });
    expect(theirs.json.job.id).not.toBe(first.json.job.id);
  });

  it('makes one job of 200 concurrent identical creates, reserved once', async () => {
    const t: TestTenant = await h.createTenant({ credits: 100 });
    const results = await Promise.all(Array.from({ length: 200 }, () => h.call('POST', '/v1/jobs', { body: txt2img('race-1'), headers: t.auth })));
    expect(results.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    expect(new Set(results.map((r) => r.json.job.id)).size).toBe(1);
    expect(await h.prisma.job.count({ where: { tenantId: t.id } })).toBe(1);
    expect(await h.prisma.ledgerEntry.count({ where: { tenantId: t.id, kind: 'RESERVE' } })).toBe(1);
  });

  it('never overdraws: 60 concurrent creates against a balance for 25', async () => {
    const t = await h.createTenant({ credits: 1 }); // 25 × 0.04
    const results = await Promise.all(Array.from({ length: 60 }, (_, i) => h.call('POST', '/v1/jobs', { body: txt2img(`bal-${i}`), headers: t.auth })));
    const accepted = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 429);
    expect([accepted.length, refused.length]).toEqual([25, 35]);
    expect(refused[0].json).toMatchObject({ code: 8, details: [expect.objectContaining({ rule: 'insufficient_credits' })] });
    expect((await h.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).balance.toString()).toBe('0');
    expect((await checkLedger(h.prisma, t.id)).ok).toBe(true);
    // Refused jobs left nothing behind: no row, nothing in the queue.
    expect(await h.prisma.job.count({ where: { tenantId: t.id } })).toBe(25);
    const waiting = await new FairQueue({ redis: h.redis.redis, prefix: h.redis.prefix }).countByTenant('cpu');
    expect(waiting[t.id]).toBe(25);
  });
});
