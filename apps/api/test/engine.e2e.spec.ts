import sharp from 'sharp';
import { createOnnxJobRunner } from '@darkroom/inference';
import { ApiHarness, TestTenant, txt2img } from './api-harness';

describe('jobs on the ONNX engine (tiny SD1.5-shaped demo model)', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 10 });
    h.startWorker({ runner: createOnnxJobRunner({ executionProvider: 'cpu' }) });
  });
  afterAll(() => h.stop());

  const imagesOf = async (requestId: string, seed: number) => {
    const body = { requestId, stages: [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed, count: 2 } }, txt2img('x', { steps: 3, sampler: 'Euler a' }).stages[0]] };
    const created = await h.call('POST', '/v1/jobs', { body, headers: tenant.auth });
    expect(created.status).toBe(200);
    const done = await h.waitForStatus(tenant, created.json.job.id, ['SUCCESS', 'FAILED'], 60_000);
    expect(done.failedInfo).toBeUndefined();
    return Promise.all(done.successInfo.images.map(async (img: { url: string }) => Buffer.from(await (await fetch(img.url)).arrayBuffer())));
  };

  it('runs txt2img to SUCCESS with decodable PNGs of the requested size, carrying their parameters', async () => {
    const [first, second] = await imagesOf('engine-1', 7);
    for (const png of [first, second]) {
      const meta = await sharp(png).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 512, 512]);
    }
    // A1111-style "parameters" text chunk with the seed of each image.
    expect(first.toString('latin1')).toContain('Seed: 7');
    expect(second.toString('latin1')).toContain('Seed: 8');
    expect(first.equals(second)).toBe(false);
  }, 120_000);

  it('gives the same bytes for the same seed and parameters', async () => {
    const [a] = await imagesOf('engine-2', 1234);
    const [b] = await imagesOf('engine-3', 1234);
    expect(a.equals(b)).toBe(true);
  }, 120_000);
});
