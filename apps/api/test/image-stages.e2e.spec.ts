import sharp from 'sharp';
import { createOnnxJobRunner } from '@darkroom/inference';
import { ApiHarness, TestTenant } from './api-harness';

/** Chained image stages through POST /v1/jobs on a real ONNX worker (the tiny SD1.5-shaped demo model). */
describe('image stage chains through the API (ONNX worker)', () => {
  let h: ApiHarness;
  let tenant: TestTenant;
  let maskId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 1000 });
    // A 512 × 512 mask: the white square (repaint) in the middle.
    const mask = Buffer.alloc(512 * 512);
    for (let y = 160; y < 352; y++) mask.fill(255, y * 512 + 160, y * 512 + 352);
    const upload = await h.call('POST', '/v1/resource/image', { body: { expireSec: 600, term: 1 }, headers: tenant.auth });
    expect(upload.status).toBe(200);
    const put = await fetch(upload.json.putUrl, { method: 'PUT', headers: upload.json.headers, body: await sharp(mask, { raw: { width: 512, height: 512, channels: 1 } }).png().toBuffer() });
    expect(put.status).toBe(200);
    maskId = upload.json.resourceId;
    h.startWorker({ runner: createOnnxJobRunner({ executionProvider: 'cpu', intraOpThreads: 1 }) });
  });
  afterAll(() => h.stop());

  const diffusion = { width: 512, height: 512, prompts: [{ text: 'a photo of a cat' }], steps: 6, sampler: 'Euler' };

  /** Creates the job, polls it to the end, and keeps the stage indices runningInfo showed meanwhile. */
  const runToEnd = async (requestId: string, stages: unknown[]) => {
    const created = await h.call('POST', '/v1/jobs', { body: { requestId, stages }, headers: tenant.auth });
    expect(created.status).toBe(200);
    const id: string = created.json.job.id;
    const seen: number[] = [];
    const deadline = Date.now() + 150_000;
    for (;;) {
      const job = (await h.call('GET', `/v1/jobs/${id}`, { headers: tenant.auth })).json.job;
      for (const s of job.runningInfo?.stages ?? []) if (seen[seen.length - 1] !== s.stageIndex) seen.push(s.stageIndex);
      if (['SUCCESS', 'FAILED', 'CANCELED'].includes(job.status)) return { job, seen, created: created.json.job };
      if (Date.now() > deadline) throw new Error(`job ${id} still ${job.status}`);
      await new Promise((r) => setTimeout(r, 40));
    }
  };

  it('DIFFUSION → INPAINT → ADETAILER → UPSCALER runs to SUCCESS: count images at the upscaled size, progress stage by stage', async () => {
    const stages = [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 99, count: 2 } },
      { type: 'DIFFUSION', diffusion },
      { type: 'IMAGE_TO_INPAINT', imageToInpaint: { maskImageResourceId: maskId, maskBlur: 4, inpaintingFill: 'ORIGINAL' } },
      // The tiny model paints no face, so the detector finds none and the images pass through (the face case is in
      // libs/inference/src/adetailer/adetailer.stage.spec.ts); the stage still runs its detector on every image.
      { type: 'IMAGE_TO_ADETAILER', imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt' }] } },
      { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Lanczos', hrScale: 1.5, denoisingStrength: 0 } },
    ];
    const last = stages.length - 1;
    const { job, seen } = await runToEnd('chain-1', stages);
    expect(job.failedInfo).toBeUndefined();
    expect(job.status).toBe('SUCCESS');
    const images: { url: string; meta: { image: { format: string; width: number; height: number }; seed: string } }[] = job.successInfo.images;
    expect(images.map((i) => [i.meta.image.width, i.meta.image.height, i.meta.seed])).toEqual([
      [768, 768, '99'],
      [768, 768, '100'],
    ]);
    expect(job.successInfo.stages).toEqual([expect.objectContaining({ stageIndex: last, images })]);
    const files = await Promise.all(images.map(async (i) => Buffer.from(await (await fetch(i.url)).arrayBuffer())));
    for (const [k, file] of files.entries()) {
      const meta = await sharp(file).metadata();
      expect([meta.format, meta.width, meta.height]).toEqual(['png', 768, 768]);
      // The parameters chunk tells the whole story: the inpaint pass (with its mask settings) and the hires upscale.
      const text = file.toString('latin1');
      expect(text).toContain(`Seed: ${99 + k}`);
      expect(text).toContain('Hires upscale: 1.5, Hires upscaler: Lanczos');
    }
    expect(files[0].equals(files[1])).toBe(false);
    // runningInfo went through the sampling stages in order (stage 0 until the first report; the Lanczos stage has
    // no steps to report).
    const reported = seen.filter((s) => s > 0);
    expect(reported.length).toBeGreaterThan(0);
    expect(seen).toEqual([...seen].sort((a, b) => a - b));
    expect(reported.every((s) => s >= 1 && s < last)).toBe(true);
  }, 180_000);

  it('fails a job naming an unknown upscaler with the supported names (no 500, nothing charged)', async () => {
    const stages = [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1 } },
      { type: 'DIFFUSION', diffusion: { ...diffusion, steps: 2 } },
      { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'R-ESRGAN 4x+', hrScale: 2, denoisingStrength: 0 } },
    ];
    const { job } = await runToEnd('chain-2', stages);
    expect(job.status).toBe('FAILED');
    expect(job.failedInfo.reason).toMatch(/unknown hrUpscaler "R-ESRGAN 4x\+"; supported: Latent, .*Lanczos, Nearest, ESRGAN slim 2x/);
    expect(job.failedInfo.code).not.toBe('TRANSITORY_ERROR');
  }, 60_000);
});
