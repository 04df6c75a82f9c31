import { checkLedger } from '@darkroom/credits';
import { claimJob, completeJob, completeJobPartially } from '@darkroom/jobs';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('private models and access keys', () => {
  let h: ApiHarness;
  let owner: TestTenant;
  let user: TestTenant;
  let lora: { id: string; name: string };
  let embedding: { id: string };
  let checkpoint: { id: string };

  beforeAll(async () => {
    h = await ApiHarness.start();
    await h.prisma.plan.create({ data: { id: 'bulk', name: 'Bulk', maxConcurrentJobs: 1000, rateLimitPerSec: 100_000 } });
    owner = await h.createTenant({ plan: 'bulk', credits: 0 });
    user = await h.createTenant({ plan: 'bulk', credits: 100 });
    const register = async (body: Record<string, unknown>) => {
      const r = await h.call('POST', '/v1/catalogue/models', { body: { baseModel: 'SD1', ...body }, headers: owner.auth });
      expect(r.status).toBe(200);
      return r.json.model;
    };
    lora = await register({ name: 'ink-style', modelType: 'LORA', storagePath: 'loras/ink.safetensors', description: 'ink' });
    embedding = await register({ name: 'bad-hands', modelType: 'TEXTUAL_INVERSION', storagePath: 'embeddings/bad-hands.pt' });
    checkpoint = await register({ name: 'private-sd15', modelType: 'CHECKPOINT', storagePath: 'checkpoints/private-sd15' });
  });
  afterAll(() => h.stop());

  const mint = async (body: Record<string, unknown>) => {
    const r = await h.call('POST', '/v1/catalogue/access-keys', { body: { name: 'k', ...body }, headers: owner.auth });
    expect(r.status).toBe(200);
    return r.json as { key: string; accessKey: { id: string; usageCount: number; status: string } };
  };
  const withLora = (requestId: string, key?: string) => txt2img(requestId, { lora: { items: [{ loraModel: lora.id, ...(key ? { loraAccessKey: key } : {}) }] } });
  const balance = async (t: TestTenant) => (await h.prisma.tenant.findUniqueOrThrow({ where: { id: t.id } })).balance.toString();

  it("registers items under the owner's folder and keeps them private", async () => {
    const mine = await h.call('GET', '/v1/catalogue/models', { headers: owner.auth });
    expect(mine.json.models.map((m: { name: string }) => m.name).sort()).toEqual(['bad-hands', 'ink-style', 'private-sd15']);
    expect(mine.json.models.find((m: { name: string }) => m.name === 'ink-style')).toMatchObject({ visibility: 'PRIVATE', storagePath: `tenants/${owner.id}/loras/ink.safetensors` });
    const escape = await h.call('POST', '/v1/catalogue/models', { body: { name: 'x', modelType: 'LORA', baseModel: 'SD1', storagePath: '../other/x' }, headers: owner.auth });
    expect([escape.status, escape.json.details[0].field]).toEqual([400, 'storagePath']);
    const dup = await h.call('POST', '/v1/catalogue/models', { body: { name: 'ink-style', modelType: 'LORA', baseModel: 'SD1', storagePath: 'x' }, headers: owner.auth });
    expect(dup.status).toBe(409);
  });

  it('denies every failing key with PERMISSION_DENIED naming the item, before any credit is reserved', async () => {
    const forOther = await mint({ modelIds: [embedding.id] });
    const revoked = await mint({ modelIds: [lora.id] });
    expect((await h.call('DELETE', `/v1/catalogue/access-keys/${revoked.accessKey.id}`, { headers: owner.auth })).json.accessKey.status).toBe('revoked');
    const expired = await mint({ modelIds: [lora.id], expiresAt: new Date(Date.now() + 60_000).toISOString() });
    await h.prisma.modelAccessKey.update({ where: { id: expired.accessKey.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
    const usedUp = await mint({ modelIds: [lora.id], usageLimit: 1 });
    expect((await h.call('POST', '/v1/jobs', { body: withLora('use-up', usedUp.key), headers: user.auth })).status).toBe(200);

    const before = await balance(user);
    const cases: Array<[string, string | undefined, RegExp]> = [
      ['missing', undefined, /is private: an access key is required/],
      ['unknown', 'dmk_' + 'A'.repeat(43), /the access key does not grant/],
      ['other item', forOther.key, /the access key does not grant/],
      ['revoked', revoked.key, /was revoked/],
      ['expired', expired.key, /has expired/],
      ['over limit', usedUp.key, /reached its usage limit/],
    ];
    for (const [what, key, message] of cases) {
      const r = await h.call('POST', '/v1/jobs', { body: withLora(`deny-${what.replace(/ /g, '-')}`, key), headers: user.auth });
      expect([what, r.status, r.json.code]).toEqual([what, 403, 7]);
      expect(r.json.details[0]).toMatchObject({ field: 'stages[0].diffusion.lora.items[0].loraModel', rule: 'permission_denied' });
      expect(r.json.message).toMatch(message);
      expect(r.json.message).toContain(`lora "ink-style" (${lora.id})`);
    }
    expect(await balance(user)).toBe(before);
    expect(await h.prisma.job.count({ where: { tenantId: user.id, requestId: { startsWith: 'deny-' } } })).toBe(0);

    // Checkpoints and embeddings name theirs too.
    const ckpt = await h.call('POST', '/v1/jobs', { body: txt2img('deny-ckpt', { sdModel: checkpoint.id }), headers: user.auth });
    expect([ckpt.status, ckpt.json.details[0].field]).toEqual([403, 'stages[0].diffusion.sdModel']);
    expect(ckpt.json.message).toContain(`checkpoint "private-sd15" (${checkpoint.id})`);
    const emb = await h.call('POST', '/v1/jobs', { body: txt2img('deny-emb', { embedding: { items: [{ model: embedding.id, embeddingAccessKey: revoked.key }] } }), headers: user.auth });
    expect([emb.status, emb.json.details[0].field]).toEqual([403, 'stages[0].diffusion.embedding.items[0].model']);
  });

  it('lets a valid key use private items, counts each use once per job, and enforces the limit under concurrency', async () => {
    const key = await mint({ modelIds: [lora.id, embedding.id, checkpoint.id], usageLimit: 4 });
    const body = (i: number) =>
      txt2img(`ok-${i}`, {
        sdModel: checkpoint.id,
        modelAccessKey: key.key,
        lora: { items: [{ loraModel: 'ink-style', loraAccessKey: key.key }] },
        embedding: { items: [{ model: embedding.id, embeddingAccessKey: key.key }] },
      });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => h.call('POST', '/v1/jobs', { body: body(i), headers: user.auth })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(4);
    expect(results.filter((r) => r.status === 403).every((r) => /reached its usage limit/.test(r.json.message))).toBe(true);
    const row = await h.prisma.modelAccessKey.findUniqueOrThrow({ where: { id: key.accessKey.id } });
    expect([row.usageCount, row.lastUsedAt !== null]).toEqual([4, true]);
    const listed = (await h.call('GET', '/v1/catalogue/access-keys', { headers: owner.auth })).json.accessKeys.find((k: { id: string }) => k.id === key.accessKey.id);
    expect(listed).toMatchObject({ usageCount: 4, usageLimit: 4, status: 'used_up' });
    expect(listed).not.toHaveProperty('key');
    expect(JSON.stringify(await h.prisma.modelAccessKey.findUniqueOrThrow({ where: { id: key.accessKey.id } }))).not.toContain(key.key);
  });

  it("pays the owner's fee once per job when it settles, never when it is canceled, whole on partial success", async () => {
    const key = await mint({ modelIds: [lora.id], feePerJob: 0.5 });
    const ownerBefore = Number(await balance(owner));
    const job = (await h.call('POST', '/v1/jobs', { body: withLora('fee-1', key.key), headers: user.auth })).json.job;
    const id = BigInt(job.id);
    expect((await h.prisma.job.findUniqueOrThrow({ where: { id } })).credits.toString()).toBe('0.54'); // 0.04 + 0.5
    const lease = (await claimJob(h.prisma, id, 'w', 30_000))!;
    const out = { kind: 'IMAGE' as const, stageIndex: 0, index: 0, storageKey: 'k', format: 'png', width: 512, height: 512, bytes: 1, seed: 1n };
    // The worker finishes, and its retry finishes again: one settle, one share.
    await Promise.all([completeJob(h.prisma, lease, [out]), completeJob(h.prisma, lease, [out])]);
    const shares = await h.prisma.ledgerEntry.findMany({ where: { jobId: id, kind: 'REVENUE_SHARE' } });
    expect(shares.map((s) => [s.tenantId, s.amount.toString()])).toEqual([[owner.id, '0.5']]);
    expect(Number(await balance(owner))).toBeCloseTo(ownerBefore + 0.5, 4);

    const canceled = (await h.call('POST', '/v1/jobs', { body: withLora('fee-2', key.key), headers: user.auth })).json.job;
    const userBefore = Number(await balance(user));
    await h.call('DELETE', `/v1/jobs/${canceled.id}`, { headers: user.auth });
    expect(Number(await balance(user))).toBeCloseTo(userBefore + 0.54, 4);
    expect(await h.prisma.ledgerEntry.count({ where: { jobId: BigInt(canceled.id), kind: 'REVENUE_SHARE' } })).toBe(0);

    const partial = (await h.call('POST', '/v1/jobs', { body: { ...withLora('fee-3', key.key), stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { count: 2 } }, withLora('x', key.key).stages[0]] }, headers: user.auth })).json.job;
    const pid = BigInt(partial.id);
    expect((await h.prisma.job.findUniqueOrThrow({ where: { id: pid } })).credits.toString()).toBe('0.58'); // 0.08 + 0.5
    await completeJobPartially(h.prisma, (await claimJob(h.prisma, pid, 'w', 30_000))!, [out], { requested: 2, succeeded: 1 });
    const rows = (await h.prisma.ledgerEntry.findMany({ where: { jobId: pid }, orderBy: { id: 'asc' } })).map((e) => `${e.kind}:${e.amount}`);
    expect(rows).toEqual(['RESERVE:-0.58', 'SETTLE:0', 'REVENUE_SHARE:0.5', 'REFUND:0.04']);
    expect((await checkLedger(h.prisma, user.id)).ok).toBe(true);
    expect((await checkLedger(h.prisma, owner.id)).ok).toBe(true);
  });

  it('shows GET /v1/models/{id} for public, own and key-held items; NOT_FOUND otherwise', async () => {
    const key = await mint({ modelIds: [lora.id] });
    const get = (t: TestTenant, q = '', headers: Record<string, string> = {}) => h.call('GET', `/v1/models/${lora.id}${q}`, { headers: { ...t.auth, ...headers } });
    expect((await get(owner)).json.model).toMatchObject({ id: lora.id, name: 'ink-style', modelType: 'LORA', baseModel: 'SD1' });
    expect((await get(user)).status).toBe(404);
    expect((await get(user, '', { 'x-model-access-key': key.key })).status).toBe(200);
    expect((await get(user, `?accessKey=${encodeURIComponent(key.key)}`)).status).toBe(200);
    const other = await mint({ modelIds: [embedding.id] });
    expect((await get(user, '', { 'x-model-access-key': other.key })).status).toBe(404);
    await h.call('DELETE', `/v1/catalogue/access-keys/${key.accessKey.id}`, { headers: owner.auth });
    expect((await get(user, '', { 'x-model-access-key': key.key })).status).toBe(404);
    // Made public, everyone sees it and can use it without a key.
    const pub = await h.call('PATCH', `/v1/catalogue/models/${lora.id}`, { body: { visibility: 'PUBLIC' }, headers: owner.auth });
    expect(pub.json.model.visibility).toBe('PUBLIC');
    expect((await get(user)).status).toBe(200);
    expect((await h.call('POST', '/v1/jobs', { body: withLora('public-1'), headers: user.auth })).status).toBe(200);
  });

  it("mints keys only for the tenant's own items", async () => {
    const r = await h.call('POST', '/v1/catalogue/access-keys', { body: { name: 'steal', modelIds: [lora.id] }, headers: user.auth });
    expect([r.status, r.json.details[0].field]).toEqual([404, 'modelIds[0]']);
    const past = await h.call('POST', '/v1/catalogue/access-keys', { body: { name: 'old', modelIds: [lora.id], expiresAt: '2001-01-01T00:00:00Z' }, headers: owner.auth });
    expect([past.status, past.json.details[0].field]).toEqual([400, 'expiresAt']);
    const revokeOther = await h.call('DELETE', `/v1/catalogue/access-keys/${(await mint({ modelIds: [lora.id] })).accessKey.id}`, { headers: user.auth });
    expect(revokeOther.status).toBe(404);
  });
});
