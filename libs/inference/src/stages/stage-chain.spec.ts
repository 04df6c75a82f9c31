import * as path from 'node:path';
import { generateTinySd15 } from '@darkroom/testing';
import { checkpoint, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob } from '../engine/engine.test-helper';
import { resizeRgb } from '../engine/vae';
import type { RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { boxMask, changedPixels, diffusion, meanDiffAt, photoPng, pixelsWhere, stagesJob } from './stages.test-helper';

const SIZE = { width: 64, height: 64 };
const BOX = { x1: 16, y1: 24, x2: 40, y2: 48 };
const inBox = (x: number, y: number) => x >= BOX.x1 && x < BOX.x2 && y >= BOX.y1 && y < BOX.y2;

describe('stage chains (real ONNX, tiny SD1.5): each stage takes the previous stage’s images', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let sd15: RunnerModel;
  let cnModel: RunnerModel;
  let cn: RunnerModel;
  let resources: Record<string, Buffer>;
  const calls = (label: string) => runner.stats.byComponent.get(label)?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await generateTinySd15(path.join(root, 'cn'), { controlNet: true, seed: 4 });
    sd15 = checkpoint(path.join(root, 'sd15'), '101', 'tiny-sd15');
    cnModel = checkpoint(path.join(root, 'cn'), '102', 'tiny-cn');
    cn = { id: '301', kind: 'CONTROLNET', name: 'cn', baseModel: 'SD1', path: path.join(root, 'cn', 'controlnet') };
    resources = { mask: await boxMask(64, 64, [BOX]), photo: await photoPng(64, 64, 5), bigMask: await boxMask(128, 128, [{ x1: 32, y1: 48, x2: 80, y2: 96 }]) };
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: -1, upscalerCacheDir: path.join(root, 'upscalers') });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => runner.stats.reset());

  const INIT = { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 42, count: 2 } };
  const DIFFUSION = { type: 'DIFFUSION', diffusion: diffusion({ steps: 4 }) };
  const INPAINT = (over: Record<string, unknown> = {}) => ({ type: 'IMAGE_TO_INPAINT', imageToInpaint: { maskImageResourceId: 'mask', maskBlur: 0, ...over } });
  const UPSCALER = (over: Record<string, unknown> = {}) => ({ type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Lanczos', hrScale: 2, denoisingStrength: 0, ...over } });
  const run = async (stages: Record<string, unknown>[], models: RunnerModel[] = [sd15]) => {
    const r = await runJob(runner, stagesJob(stages, SIZE), models, { resources });
    return { ...r, images: await Promise.all(r.outputs.map(async (o) => (await rawPixels(o.data)).data)) };
  };

  it('DIFFUSION → INPAINT → UPSCALER: count images flow through every stage, with per-stage progress', async () => {
    const made = await run([INIT, DIFFUSION]);
    const inpainted = await run([INIT, DIFFUSION, INPAINT()]);
    runner.stats.reset();
    // Where ADetailer goes once it lands: DIFFUSION → INPAINT → ADETAILER → UPSCALER (see the HTTP e2e).
    const chained = await run([INIT, DIFFUSION, INPAINT(), UPSCALER()]);
    expect(chained.outputs.map((o) => [o.stageIndex, o.index, o.seed, o.width, o.height])).toEqual([
      [3, 0, 42n, 128, 128],
      [3, 1, 43n, 128, 128],
    ]);
    // 4 diffusion steps + ⌊0.75 · 4⌋ + 1 inpaint steps, both images in each call; Lanczos samples nothing.
    expect(calls('unet')).toBe(8);
    const outside = pixelsWhere(64, 64, (x, y) => !inBox(x, y));
    for (const i of [0, 1]) {
      // The inpaint stage worked on this image's diffusion output (with its own seed) ...
      expect(changedPixels(inpainted.images[i], made.images[i], outside)).toBe(0);
      expect(meanDiffAt(inpainted.images[i], made.images[i], pixelsWhere(64, 64, inBox))).toBeGreaterThan(2);
      // ... and the upscaler on the inpainted image.
      const expected = await resizeRgb({ data: inpainted.images[i], width: 64, height: 64 }, 128, 128, 'lanczos3');
      expect(Buffer.from(chained.images[i]).equals(Buffer.from(expected.data))).toBe(true);
    }
    expect(meanAbsDiff(chained.images[0], chained.images[1])).toBeGreaterThan(2);
    // runningInfo: stage 1 (4 steps), then stage 2 (4 steps); stage 3 has no steps. Job share per image to 100.
    expect(chained.progress.map((p) => [p.stageIndex, p.stageCount, p.step, p.totalSteps, p.images.map((i) => i.progress)])).toEqual([
      [1, 4, 1, 4, [13, 13]],
      [1, 4, 2, 4, [25, 25]],
      [1, 4, 3, 4, [38, 38]],
      [1, 4, 4, 4, [50, 50]],
      [2, 4, 1, 4, [63, 63]],
      [2, 4, 2, 4, [75, 75]],
      [2, 4, 3, 4, [88, 88]],
      [2, 4, 4, 4, [100, 100]],
    ]);
  });

  it('any valid order: an uploaded photo upscaled, then inpainted at the larger size, without a DIFFUSION stage', async () => {
    const init = { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 7, imageResourceId: 'photo' } };
    const own = diffusion({ steps: 4 });
    const req = stagesJob([init, UPSCALER({ diffusion: diffusion() }), INPAINT({ maskImageResourceId: 'bigMask', diffusion: own })], SIZE);
    // The inpaint pass runs at 128 × 128 (its own size), after the upscaler's 64 → 128.
    req.stages[2].imageToInpaint!.diffusion!.width = 128;
    req.stages[2].imageToInpaint!.diffusion!.height = 128;
    const r = await runJob(runner, req, [sd15], { resources });
    expect(r.outputs.map((o) => [o.stageIndex, o.width, o.height])).toEqual([[2, 128, 128]]);
    const upscaled = await resizeRgb({ data: (await rawPixels(resources.photo)).data, width: 64, height: 64 }, 128, 128, 'lanczos3');
    const result = (await rawPixels(r.outputs[0].data)).data;
    const keep = pixelsWhere(128, 128, (x, y) => !(x >= 32 && x < 80 && y >= 48 && y < 96));
    expect(changedPixels(result, upscaled.data, keep)).toBe(0);
    expect(calls('unet')).toBe(4);
  });

  it('ControlNet units of the job act on the hires second pass too (hint fitted to the target size)', async () => {
    const withCn = diffusion({ steps: 4, controlnet: { args: [{ inputImageResourceId: 'photo', preprocessor: 'canny', model: 'cn' }] } });
    const r = await run([INIT, { type: 'DIFFUSION', diffusion: withCn }, UPSCALER({ hrUpscaler: 'Latent', denoisingStrength: 0.5, hrSecondPassSteps: 3 })], [cnModel, cn]);
    expect([calls('unet'), calls('controlnet')]).toEqual([7, 7]);
    expect(r.outputs.map((o) => [o.width, o.height])).toEqual([
      [128, 128],
      [128, 128],
    ]);
  });
});
