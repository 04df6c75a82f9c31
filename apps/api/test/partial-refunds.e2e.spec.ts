import { checkLedger } from '@darkroom/credits';
import { PlaceholderRunner, RunInput } from '@darkroom/inference';
import { claimJob, completeJobPartially } from '@darkroom/jobs';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

/** The images a test job wants the runner to fail: its prompt says `fail=1,3`. */
const failsFromPrompt = (index: number, input: RunInput) => {
  const text = input.request.stages.find((s) => s.diffusion)?.diffusion?.prompts[0]?.text ?? '';
  const listed = /fail=([0-9,]+)/.exec(text)?.[1] ?? '';
  return listed.split(',').filter(Boolean).map(Number).includes(index);
};

/**
 * Jobs where some of `count` images fail, run by the real worker loop (placeholder engine told which images to
 * fail): SUCCESS with the images made, the charged share settled, the rest refunded exactly once.
 */
describe('partial refunds through the worker', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  let owner: TestTenant;

  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 10 });
    owner = await h.createTenant({ credits: 0 });
    h.startWorker({ runner: new PlaceholderRunner(2, { failImages: failsFromPrompt }) });
  });
  afterAll(() => h.stop());

  const job = (requestId: string, count: number, prompt: string, over: Record<string, unknown> = {}) => ({
    requestId,
    stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 100, count } }, { ...txt2img('x', { prompts: [{ text: prompt }], ...over }).stages[0] }],
  });
  const run = async (body: unknown) => {
    const created = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
    expect(created.status).toBe(200);
    return h.waitForStatus(tenant, created.json.job.id, ['SUCCESS', 'FAILED']);
  };
  const ledgerOf = async (jobId: string) =>
    (await h.prisma.ledgerEntry.findMany({ where: { jobId: BigInt(jobId) }, orderBy: { id: 'asc' } })).map((e) => `${e.kind}:${e.tenantId === owner.id ? 'owner:' : ''}${e.amount}`);

  it('keeps the images made, settles their share and refunds the rest once', async () => {
    const done = await run(job('partial-1', 4, 'a cat fail=1,3'));
    expect(done.status).toBe('SUCCESS');
    // Images 0 and 2 were made, with their own seeds.
    expect(done.successInfo.images).toHaveLength(2);
    const outputs = await h.prisma.jobOutput.findMany({ where: { jobId: BigInt(done.id) }, orderBy: { index: 'asc' } });
    expect(outputs.map((o) => [o.index, Number(o.seed)])).toEqual([
      [0, 100],
      [2, 102],
    ]);
    // 4 images × 0.04 reserved; 2 of 4 missing → 0.08 back.
    expect(await ledgerOf(done.id)).toEqual(['RESERVE:-0.16', 'SETTLE:0', 'REFUND:0.08']);
    const row = await h.prisma.job.findUniqueOrThrow({ where: { id: BigInt(done.id) } });
    expect(row.failureReason).toBe('2 of 4 images could not be made: image 1: placeholder: image 1 was set to fail; image 3: placeholder: image 3 was set to fail');

    // A second finish of the same lease (a retried call, a stale worker) changes nothing.
    const lease = { job: row, token: 'stale-token' };
    expect(await completeJobPartially(h.prisma, lease, [], { requested: 4, succeeded: 2 })).toBe(false);
    expect(await h.maintenanceTick()).toBeDefined();
    expect(await ledgerOf(done.id)).toEqual(['RESERVE:-0.16', 'SETTLE:0', 'REFUND:0.08']);
  });

  it('rounds the refund down to the ledger precision (1 of 3 made)', async () => {
    const done = await run(job('partial-2', 3, 'fail=0,2', { steps: 5 }));
    expect(done.status).toBe('SUCCESS');
    expect(done.successInfo.images).toHaveLength(1);
    // 3 × 0.05 = 0.15 reserved; 2/3 of it back is 0.1.
    expect(await ledgerOf(done.id)).toEqual(['RESERVE:-0.15', 'SETTLE:0', 'REFUND:0.1']);
  });

  it('fails the job with a full refund when no image is made', async () => {
    const done = await run(job('partial-3', 2, 'fail=0,1'));
    expect(done.status).toBe('FAILED');
    expect(done.failedInfo.reason).toBe('none of the 2 images could be made: image 0: placeholder: image 0 was set to fail; image 1: placeholder: image 1 was set to fail');
    expect(await ledgerOf(done.id)).toEqual(['RESERVE:-0.08', 'REFUND:0.08']);
    expect(await h.prisma.jobOutput.count({ where: { jobId: BigInt(done.id) } })).toBe(0);
  });

  it('keeps an access-key fee whole and refunds only from the price', async () => {
    const reg = await h.call('POST', '/v1/catalogue/models', { body: { name: 'fee-lora', modelType: 'LORA', baseModel: 'SD1', storagePath: 'loras/fee.safetensors' }, headers: owner.auth });
    const key = await h.call('POST', '/v1/catalogue/access-keys', { body: { name: 'paid', modelIds: [reg.json.model.id], feePerJob: 0.5 }, headers: owner.auth });
    const done = await run(job('partial-4', 2, 'fail=1', { lora: { items: [{ loraModel: reg.json.model.id, loraAccessKey: key.json.key }] } }));
    expect(done.status).toBe('SUCCESS');
    // 2 × 0.04 + 0.5 fee reserved; half the price (0.04) back; the owner gets the fee.
    expect(await ledgerOf(done.id)).toEqual(['RESERVE:-0.58', 'SETTLE:0', 'REVENUE_SHARE:owner:0.5', 'REFUND:0.04']);
  });

  it('leaves every ledger consistent', async () => {
    for (const t of [tenant, owner]) expect((await checkLedger(h.prisma, t.id)).ok).toBe(true);
    const balance = (await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).balance.toString();
    // 10 − 0.08 − 0.05 − 0 − 0.54
    expect(balance).toBe('9.33');
  });

  it('keeps the lease fencing: a claim by another worker after the finish gets nothing', async () => {
    const done = await run(job('partial-5', 2, 'fail=1'));
    expect(await claimJob(h.prisma, BigInt(done.id), 'late-worker', 30_000)).toBeNull();
  });
});
