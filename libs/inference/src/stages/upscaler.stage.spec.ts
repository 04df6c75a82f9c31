import * as path from 'node:path';
import { generateTinySd15 } from '@darkroom/testing';
import { checkpoint, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob } from '../engine/engine.test-helper';
import { readPngText } from '../engine/png-text';
import { resizeRgb, type RgbImage } from '../engine/vae';
import { cropRgb } from '../inpaint/gray-image';
import type { RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { diffusion, photoPng, rgbOf, stagesJob } from './stages.test-helper';

const SIZE = { width: 64, height: 64 };

describe('IMAGE_TO_UPSCALER (real ONNX, tiny SD1.5, packaged ESRGAN)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let tiled: OnnxJobRunner;
  let sd15: RunnerModel;
  let other: RunnerModel;
  let resources: Record<string, Buffer>;
  const unetCalls = (r = runner) => r.stats.byComponent.get('unet')?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await generateTinySd15(path.join(root, 'other'), { seed: 9 });
    sd15 = checkpoint(path.join(root, 'sd15'), '101', 'tiny-sd15');
    other = checkpoint(path.join(root, 'other'), '102', 'tiny-other');
    resources = { photo: await photoPng(96, 64, 4) };
    const upscalerCacheDir = path.join(root, 'upscalers');
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: -1, upscalerCacheDir });
    // Tiles of 52 input pixels (48, raised to the model's overlap + 16): a 64 × 64 image takes 2 × 2.
    tiled = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: -1, upscalerCacheDir, upscaleTile: 48 });
  });

  afterAll(async () => {
    await runner?.close();
    await tiled?.close();
    await removeDir(root);
  });

  beforeEach(() => {
    runner.stats.reset();
    tiled.stats.reset();
  });

  const INIT = { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1234 } };
  const DIFFUSION = (over: Record<string, unknown> = {}) => ({ type: 'DIFFUSION', diffusion: diffusion({ steps: 4, ...over }) });
  const UPSCALER = (over: Record<string, unknown>) => ({ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Lanczos', hrScale: 2, denoisingStrength: 0, ...over } });
  const run = async (stages: Record<string, unknown>[], opts: { models?: RunnerModel[]; on?: OnnxJobRunner; size?: typeof SIZE | null } = {}) => {
    const req = stagesJob(stages, opts.size === null ? undefined : (opts.size ?? SIZE));
    const r = await runJob(opts.on ?? runner, req, opts.models ?? [sd15], { resources });
    const images = await Promise.all(r.outputs.map((o) => rawPixels(o.data)));
    return { ...r, images: images.map((i): RgbImage => ({ data: new Uint8Array(i.data), width: i.width, height: i.height })) };
  };

  it('hrScale wins over hrResizeX/Y; without a second pass the result is the plain upscale of the diffusion output', async () => {
    const base = await run([INIT, DIFFUSION()]);
    const up = await run([INIT, DIFFUSION(), UPSCALER({ hrScale: 2, hrResizeX: 1024, hrResizeY: 512 })]);
    expect(up.outputs.map((o) => [o.width, o.height, o.stageIndex])).toEqual([[128, 128, 2]]);
    const expected = await resizeRgb(base.images[0], 128, 128, 'lanczos3');
    expect(Buffer.from(up.images[0].data).equals(Buffer.from(expected.data))).toBe(true);
    // Only the first pass sampled.
    expect(unetCalls()).toBe(8);
    expect(readPngText(up.outputs[0].data).parameters).toMatch(/Size: 64x64, .*Denoising strength: 0, Hires upscale: 2, Hires upscaler: Lanczos, Version/);
  });

  it('hrResizeX/Y covers the target, then keeps its middle; Nearest repeats pixels', async () => {
    const req = [INIT, DIFFUSION(), UPSCALER({ hrUpscaler: 'Nearest', hrScale: undefined, hrResizeX: 512, hrResizeY: 512 })];
    const up = await run(req, { size: { width: 64, height: 48 } });
    // 64 × 48 covers 512 × 512 at 682 × 512 (latent 85 × 64); 21 latent columns are cut, 10 on the left.
    expect([up.outputs[0].width, up.outputs[0].height]).toEqual([512, 512]);
    const small = await run([INIT, DIFFUSION()], { size: { width: 64, height: 48 } });
    const cover = await resizeRgb(small.images[0], 680, 512, 'nearest');
    const expected = cropRgb(cover, { x1: 80, y1: 0, x2: 592, y2: 512 });
    expect(Buffer.from(up.images[0].data).equals(Buffer.from(expected.data))).toBe(true);
    expect(readPngText(up.outputs[0].data).parameters).toContain('Hires resize: 512x512, Hires upscaler: Nearest');
  });

  it('denoisingStrength > 0 adds a second pass at the target size; hrSecondPassSteps sets its steps (0 = the first pass count)', async () => {
    const plain = await run([INIT, DIFFUSION(), UPSCALER({ hrUpscaler: 'Latent' })]);
    expect(unetCalls()).toBe(4);
    runner.stats.reset();
    const same = await run([INIT, DIFFUSION(), UPSCALER({ hrUpscaler: 'Latent', denoisingStrength: 0.5 })]);
    expect(unetCalls()).toBe(8); // 4 + 4: A1111 takes the hires steps exactly, whatever the strength
    runner.stats.reset();
    const two = await run([INIT, DIFFUSION(), UPSCALER({ hrUpscaler: 'Latent', denoisingStrength: 0.5, hrSecondPassSteps: 2 })]);
    expect(unetCalls()).toBe(6);
    // Per-stage progress: each stage reports its own steps (the upscaler 2) and the job's share grows to 100.
    const upscalerReports = two.progress.filter((p) => p.stageIndex === 2);
    expect(upscalerReports.map((p) => [p.stageCount, p.step, p.totalSteps, p.images[0].progress])).toEqual([
      [3, 1, 2, 83],
      [3, 2, 2, 100],
    ]);
    expect(two.progress.filter((p) => p.stageIndex === 1).map((p) => p.totalSteps)).toEqual([4, 4, 4, 4]);
    const shares = two.progress.map((p) => p.images[0].progress);
    expect(shares).toEqual([...shares].sort((a, b) => a - b));
    expect(shares[shares.length - 1]).toBe(100);
    expect(readPngText(two.outputs[0].data).parameters).toContain('Denoising strength: 0.5, Hires upscale: 2, Hires steps: 2, Hires upscaler: Latent');
    const [p, s, t] = [plain, same, two].map((r) => r.images[0].data);
    expect(meanAbsDiff(p, s)).toBeGreaterThan(1);
    expect(meanAbsDiff(s, t)).toBeGreaterThan(0.3);
    for (const r of [plain, same, two]) expect([r.outputs[0].width, r.outputs[0].height]).toEqual([128, 128]);
  });

  it('every latent mode upscales the latent, and the modes give different images', async () => {
    const modes = ['Latent', 'Latent (antialiased)', 'Latent (bicubic)', 'Latent (bicubic antialiased)', 'Latent (nearest)', 'Latent (nearest-exact)'];
    const out: Uint8Array[] = [];
    for (const hrUpscaler of modes) out.push((await run([INIT, DIFFUSION(), UPSCALER({ hrUpscaler, hrScale: 1.5 })])).images[0].data);
    expect(out.every((o) => o.length === 96 * 96 * 3)).toBe(true);
    expect(meanAbsDiff(out[0], out[2])).toBeGreaterThan(0.2); // bilinear vs bicubic
    expect(meanAbsDiff(out[0], out[4])).toBeGreaterThan(0.2); // bilinear vs nearest
    expect(meanAbsDiff(out[4], out[5])).toBeGreaterThan(0.05); // ×1.5: nearest and nearest-exact pick other rows
  });

  it("uses its own diffusion only when the job has no DIFFUSION stage (then it makes the first pass itself)", async () => {
    const own = { diffusion: diffusion({ steps: 4, sdModel: 'tiny-other', prompts: [{ text: 'a dog' }] }) };
    const shared = await run([INIT, DIFFUSION(), UPSCALER({ denoisingStrength: 0.5 })], { models: [sd15, other] });
    const ignored = await run([INIT, DIFFUSION(), UPSCALER({ denoisingStrength: 0.5, ...own })], { models: [sd15, other] });
    // The job's DIFFUSION stage wins: the stage's own parameters (another model and prompt) change nothing.
    expect(Buffer.from(ignored.images[0].data).equals(Buffer.from(shared.images[0].data))).toBe(true);
    // Alone, the stage makes its base image with its own parameters (hires fix), then upscales it.
    runner.stats.reset();
    const alone = await run([INIT, UPSCALER({ denoisingStrength: 0.5, ...own })], { models: [sd15, other] });
    expect(alone.outputs.map((o) => [o.width, o.height, o.stageIndex])).toEqual([[128, 128, 1]]);
    expect(unetCalls()).toBe(8);
    expect(readPngText(alone.outputs[0].data).parameters).toMatch(/^a dog\n.*Model: tiny-other/s);
    const viaDiffusion = await run([INIT, DIFFUSION({ sdModel: 'tiny-other', prompts: [{ text: 'a dog' }] }), UPSCALER({ denoisingStrength: 0.5 })], { models: [sd15, other] });
    expect(Buffer.from(alone.images[0].data).equals(Buffer.from(viaDiffusion.images[0].data))).toBe(true);
  });

  it('upscales an uploaded photo with no diffusion at all (strength 0) and with a second pass', async () => {
    const photo = await rgbOf(resources.photo);
    const init = { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 5, imageResourceId: 'photo' } };
    const lanczos = await run([init, UPSCALER({ diffusion: diffusion() })]);
    expect(unetCalls()).toBe(0);
    expect(Buffer.from(lanczos.images[0].data).equals(Buffer.from((await resizeRgb(photo, 192, 128)).data))).toBe(true);
    const refined = await run([init, UPSCALER({ hrUpscaler: 'Latent (nearest)', denoisingStrength: 0.6, diffusion: diffusion({ steps: 5 }) })]);
    expect(unetCalls()).toBe(5);
    expect([refined.outputs[0].width, refined.outputs[0].height]).toEqual([192, 128]);
  });

  it('ESRGAN in the stage: tiled (blended seams) equals untiled within 1 level; count images each get upscaled', async () => {
    const base = await run([{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1234, count: 2 } }, DIFFUSION()]);
    const job = [{ type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1234, count: 2 } }, DIFFUSION(), UPSCALER({ hrUpscaler: 'ESRGAN slim 2x' })];
    const whole = await run(job);
    const inTiles = await run(job, { on: tiled });
    expect(whole.outputs.map((o) => [o.index, o.seed, o.width, o.height])).toEqual([
      [0, 1234n, 128, 128],
      [1, 1235n, 128, 128],
    ]);
    for (const i of [0, 1]) {
      let worst = 0;
      for (let k = 0; k < whole.images[i].data.length; k++) worst = Math.max(worst, Math.abs(whole.images[i].data[k] - inTiles.images[i].data[k]));
      expect(worst).toBeLessThanOrEqual(1);
      // A super-resolution of the diffusion output: close to its Lanczos upscale, not equal.
      const lanczos = await resizeRgb(base.images[i], 128, 128);
      expect(meanAbsDiff(whole.images[i].data, lanczos.data)).toBeLessThan(10);
      expect(meanAbsDiff(whole.images[i].data, lanczos.data)).toBeGreaterThan(0.3);
    }
    expect(meanAbsDiff(whole.images[0].data, whole.images[1].data)).toBeGreaterThan(2);
    // Upscaler sessions are cached but are not catalogue models: heldModels lists checkpoint ids only.
    expect(runner.heldModels()).toContain('101');
    expect(runner.heldModels().every((k) => /^\d+$/.test(k))).toBe(true);
  });
});
