import fc from 'fast-check';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('validation through HTTP', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 1_000_000, rateLimitPerSec: 100_000 });
  });
  afterAll(() => h.stop());

  it('names the field and the rule of each mistake, with HTTP 400', async () => {
    const cases: Array<[unknown, string]> = [
      [txt2img('v-1', { width: 500 }), 'stages[0].diffusion.width'],
      [txt2img('v-2', { steps: 61 }), 'stages[0].diffusion.steps'],
      [txt2img('v-3', { cfgScale: 31 }), 'stages[0].diffusion.cfgScale'],
      [txt2img('v-4', { prompts: Array.from({ length: 151 }, () => ({ text: 'a' })) }), 'stages[0].diffusion.prompts'],
      [{ requestId: 'v-5', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: '4294967296' } }, txt2img('x').stages[0]] }, 'stages[0].inputInitialize.seed'],
      [{ requestId: 'v-6', stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { count: 5 } }, txt2img('x').stages[0]] }, 'stages[0].inputInitialize.count'],
      [{ requestId: 'v-7', stages: [{ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, denoisingStrength: 0.5 } }] }, 'stages[0].imageToUpscaler.diffusion'],
      [{ requestId: 'v-8', stages: [{ type: 'NOT_A_STAGE' }] }, 'stages[0].type'],
      [{ stages: txt2img('x').stages }, 'requestId'],
      [{ requestId: 'v-9', stages: txt2img('x').stages, surprise: 1 }, 'surprise'],
      [txt2img('v-10', { width: 1536, height: 1536 }), 'stages[0].diffusion'],
    ];
    for (const [body, field] of cases) {
      const res = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
      expect({ field, status: res.status, code: res.json.code }).toEqual({ field, status: 400, code: 3 });
      expect(res.json.details.some((d: { field: string }) => d.field.startsWith(field))).toBe(true);
      expect(res.json.message).toContain(res.json.details[0].field);
    }
    expect(await h.prisma.job.count()).toBe(0);
  });

  it('answers malformed JSON, wrong content types and huge bodies with INVALID_ARGUMENT', async () => {
    const bad = await h.call('POST', '/v1/jobs', { rawBody: '{"requestId": ', headers: { ...tenant.auth, 'content-type': 'application/json' } });
    expect([bad.status, bad.json.code]).toEqual([400, 3]);
    const notObject = await h.call('POST', '/v1/jobs', { rawBody: '[1,2]', headers: { ...tenant.auth, 'content-type': 'application/json' } });
    expect([notObject.status, notObject.json.code]).toEqual([400, 3]);
    const text = await h.call('POST', '/v1/jobs', { rawBody: 'hello', headers: { ...tenant.auth, 'content-type': 'text/plain' } });
    expect(text.status).toBe(400);
    const huge = await h.call('POST', '/v1/jobs', { rawBody: JSON.stringify({ requestId: 'x'.repeat(2_000_000) }), headers: { ...tenant.auth, 'content-type': 'application/json' } });
    expect([huge.status, huge.json.code]).toEqual([400, 3]);
  });

  it('never answers 5xx to 10,000 malformed and boundary bodies, and always names a field', async () => {
    const field = fc.oneof(fc.constant(undefined), fc.integer({ min: -10, max: 5000 }), fc.string({ maxLength: 8 }), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.integer(), { maxLength: 3 }));
    const diffusion = fc.record(
      { width: field, height: field, steps: field, cfgScale: field, prompts: fc.oneof(field, fc.array(fc.record({ text: fc.string({ maxLength: 10 }), weight: field }), { maxLength: 3 })), sampler: field, sdModel: field, seed: field },
      { requiredKeys: [] },
    );
    const stage = fc.record(
      {
        type: fc.oneof(fc.constantFrom('DIFFUSION', 'INPUT_INITIALIZE', 'IMAGE_TO_UPSCALER', 'IMAGE_TO_INPAINT', 'DEFAULT', 'x', 2, 9), field),
        diffusion: fc.oneof(diffusion, field),
        inputInitialize: fc.oneof(fc.record({ seed: field, count: field, imageResourceId: field }, { requiredKeys: [] }), field),
        imageToUpscaler: fc.oneof(fc.record({ hrUpscaler: field, hrScale: field, hrResizeX: field, denoisingStrength: field }, { requiredKeys: [] }), field),
      },
      { requiredKeys: [] },
    );
    const body = fc.oneof(
      fc.record({ requestId: fc.oneof(fc.string({ maxLength: 12 }), field), stages: fc.oneof(fc.array(stage, { maxLength: 4 }), field), notifyUrl: field }, { requiredKeys: [] }),
      fc.jsonValue({ maxDepth: 3 }),
    );
    const samples = fc.sample(body, { numRuns: 10_000, seed: 4242 });
    const statuses = new Map<number, number>();
    let i = 0;
    const worker = async () => {
      while (i < samples.length) {
        const sample = samples[i++];
        const raw = JSON.stringify(sample) ?? 'null';
        const res = await h.call('POST', '/v1/jobs/credits', { rawBody: raw, headers: { ...tenant.auth, 'content-type': 'application/json' } });
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status >= 500) throw new Error(`5xx for ${raw}: ${res.text}`);
        if (res.status === 400) {
          expect(res.json.code).toBe(3);
          expect(res.json.details.length).toBeGreaterThan(0);
          for (const d of res.json.details) expect(typeof d.field).toBe('string');
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect([...statuses.keys()].every((s) => s === 200 || s === 400)).toBe(true);
    expect(statuses.get(400)).toBeGreaterThan(5000);
  }, 180_000);
});
