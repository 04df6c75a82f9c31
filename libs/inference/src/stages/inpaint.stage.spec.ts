import * as path from 'node:path';
import { generateTinySd15 } from '@darkroom/testing';
import { checkpoint, makeTempDir, meanAbsDiff, rawPixels, removeDir, runJob } from '../engine/engine.test-helper';
import { readPngText } from '../engine/png-text';
import { resizeRgb } from '../engine/vae';
import { resizeRgbByMode } from '../inpaint/resize-modes';
import type { RunnerModel } from '../runner/job-runner';
import { createOnnxJobRunner, type OnnxJobRunner } from '../runner/onnx-job-runner';
import { boxMask, changedPixels, diffusion, makeInpaintingModel, meanDiffAt, photoPng, pixelsWhere, rgbOf, stagesJob } from './stages.test-helper';

const SIZE = { width: 64, height: 64 };
const BOX = { x1: 16, y1: 16, x2: 48, y2: 48 };
const inBox = (b: typeof BOX, grow = 0) => (x: number, y: number) => x >= b.x1 - grow && x < b.x2 + grow && y >= b.y1 - grow && y < b.y2 + grow;

describe('IMAGE_TO_INPAINT (real ONNX, tiny SD1.5, real photos)', () => {
  let root: string;
  let runner: OnnxJobRunner;
  let sd15: RunnerModel;
  let inpaint9: RunnerModel;
  let inpaint9zero: RunnerModel;
  let resources: Record<string, Buffer>;
  const notices: string[] = [];
  const unetCalls = () => runner.stats.byComponent.get('unet')?.calls ?? 0;

  beforeAll(async () => {
    root = await makeTempDir();
    await generateTinySd15(path.join(root, 'sd15'));
    await makeInpaintingModel(path.join(root, 'sd15'), path.join(root, 'inpaint9'), 0.3);
    await makeInpaintingModel(path.join(root, 'sd15'), path.join(root, 'inpaint9zero'), 0);
    sd15 = checkpoint(path.join(root, 'sd15'), '101', 'tiny-sd15');
    inpaint9 = checkpoint(path.join(root, 'inpaint9'), '102', 'tiny-inpainting');
    inpaint9zero = checkpoint(path.join(root, 'inpaint9zero'), '103', 'tiny-inpainting-zero');
    resources = {
      photo: await photoPng(64, 64, 1),
      wide: await photoPng(96, 64, 2),
      big: await photoPng(128, 128, 3),
      mask: await boxMask(64, 64, [BOX]),
      wideMask: await boxMask(96, 64, [{ x1: 40, y1: 24, x2: 56, y2: 40 }]),
      smallMask: await boxMask(128, 128, [{ x1: 80, y1: 72, x2: 104, y2: 96 }]),
      empty: await boxMask(64, 64, []),
    };
    runner = createOnnxJobRunner({ intraOpThreads: 1, previewEveryMs: -1, onNotice: (_, n) => notices.push(n) });
  });

  afterAll(async () => {
    await runner?.close();
    await removeDir(root);
  });

  beforeEach(() => runner.stats.reset());

  /** INPUT_INITIALIZE with an uploaded image, then IMAGE_TO_INPAINT with its own diffusion parameters. */
  const inpaint = async (over: Record<string, unknown> = {}, opts: { image?: string; count?: number; models?: RunnerModel[]; d?: Record<string, unknown>; size?: typeof SIZE } = {}) => {
    const req = stagesJob(
      [
        { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 77, count: opts.count ?? 1, imageResourceId: opts.image ?? 'photo' } },
        { type: 'IMAGE_TO_INPAINT', imageToInpaint: { maskImageResourceId: 'mask', maskBlur: 0, ...over, diffusion: diffusion({ steps: 4, ...opts.d }) } },
      ],
      opts.size ?? SIZE,
    );
    const r = await runJob(runner, req, opts.models ?? [sd15], { resources });
    const images = await Promise.all(r.outputs.map(async (o) => (await rawPixels(o.data)).data));
    return { ...r, images };
  };

  it('keeps every pixel outside the mask byte for byte and repaints inside; mask blur blends a band around the edge', async () => {
    const original = (await rgbOf(resources.photo)).data;
    const outside = pixelsWhere(64, 64, (x, y) => !inBox(BOX)(x, y));
    const inside = pixelsWhere(64, 64, inBox(BOX));
    const sharp0 = await inpaint();
    expect([sharp0.outputs[0].width, sharp0.outputs[0].height, sharp0.outputs[0].stageIndex]).toEqual([64, 64, 1]);
    expect(changedPixels(sharp0.images[0], original, outside)).toBe(0);
    expect(meanDiffAt(sharp0.images[0], original, inside)).toBeGreaterThan(3);
    // A1111: ⌊0.75 · 4⌋ + 1 steps of img2img.
    expect(unetCalls()).toBe(4);

    const blurred = await inpaint({ maskBlur: 4 });
    // The Gaussian of σ 4 reaches ⌊2.5 · 4 + 0.5⌋ = 10 pixels: beyond, nothing changes; inside that band, some do.
    const far = pixelsWhere(64, 64, (x, y) => !inBox(BOX, 10)(x, y));
    const band = pixelsWhere(64, 64, (x, y) => inBox(BOX, 10)(x, y) && !inBox(BOX)(x, y));
    expect(changedPixels(blurred.images[0], original, far)).toBe(0);
    expect(changedPixels(blurred.images[0], original, band)).toBeGreaterThan(band.length / 4);
    expect(readPngText(blurred.outputs[0].data).parameters).toMatch(/Denoising strength: 0\.75, Mask blur: 4, Masked content: original, Inpaint area: Whole picture, Version/);
  });

  it('masked content: DEFAULT is ORIGINAL; FILL, LATENT_NOISE and LATENT_NOTHING each repaint differently and keep the rest', async () => {
    const original = (await rgbOf(resources.photo)).data;
    const outside = pixelsWhere(64, 64, (x, y) => !inBox(BOX)(x, y));
    const inside = pixelsWhere(64, 64, inBox(BOX));
    const runs: Record<string, Uint8Array> = {};
    for (const fill of ['DEFAULT', 'ORIGINAL', 'FILL', 'LATENT_NOISE', 'LATENT_NOTHING']) {
      const r = await inpaint({ inpaintingFill: fill });
      runs[fill] = r.images[0];
      expect({ fill, changedOutside: changedPixels(r.images[0], original, outside) }).toEqual({ fill, changedOutside: 0 });
    }
    expect(Buffer.from(runs.DEFAULT).equals(Buffer.from(runs.ORIGINAL))).toBe(true);
    const names = ['ORIGINAL', 'FILL', 'LATENT_NOISE', 'LATENT_NOTHING'];
    for (const a of names) for (const b of names) if (a < b) expect({ a, b, differ: meanDiffAt(runs[a], runs[b], inside) > 0.5 }).toEqual({ a, b, differ: true });
  });

  it('inpaintMaskInvert repaints the black part: the white box keeps its pixels, the rest changes', async () => {
    const original = (await rgbOf(resources.photo)).data;
    const r = await inpaint({ inpaintMaskInvert: 1 });
    expect(changedPixels(r.images[0], original, pixelsWhere(64, 64, inBox(BOX)))).toBe(0);
    expect(meanDiffAt(r.images[0], original, pixelsWhere(64, 64, (x, y) => !inBox(BOX, 2)(x, y)))).toBeGreaterThan(3);
    expect(readPngText(r.outputs[0].data).parameters).toContain('Mask mode: Inpaint not masked');
  });

  it('inpaintFullRes repaints the masked area plus padding at the diffusion size and puts it back into the full image', async () => {
    const original = (await rgbOf(resources.big)).data;
    const box = { x1: 80, y1: 72, x2: 104, y2: 96 };
    const outside = pixelsWhere(128, 128, (x, y) => !inBox(box)(x, y));
    const inside = pixelsWhere(128, 128, inBox(box));
    const runFull = (padding: number) => inpaint({ maskImageResourceId: 'smallMask', inpaintFullRes: true, inpaintFullResPadding: padding }, { image: 'big' });
    const tight = await runFull(8);
    const loose = await runFull(32);
    // The output keeps the input's size (128 × 128), not the 64 × 64 processing size.
    expect([tight.outputs[0].width, tight.outputs[0].height]).toEqual([128, 128]);
    for (const r of [tight, loose]) {
      expect(changedPixels(r.images[0], original, outside)).toBe(0);
      expect(meanDiffAt(r.images[0], original, inside)).toBeGreaterThan(3);
    }
    // The padding decides the crop (40 × 40 vs 88 × 88 around the box), so the repainted pixels differ.
    expect(meanDiffAt(tight.images[0], loose.images[0], inside)).toBeGreaterThan(1);
    expect(readPngText(tight.outputs[0].data).parameters).toContain('Inpaint area: Only masked, Only masked padding, pixels: 8');
    // Whole picture at 64 × 64 for comparison: a 64 × 64 result.
    const whole = await inpaint({ maskImageResourceId: 'smallMask' }, { image: 'big' });
    expect([whole.outputs[0].width, whole.outputs[0].height]).toEqual([64, 64]);
  });

  it('fits an input of another size with each resizeMode, keeping the resized picture outside the mask', async () => {
    const wide = await rgbOf(resources.wide);
    // The 16 × 16 box at (40, 24) of 96 × 64 lands inside x, y ∈ [20, 44) in every mode (stretch, crop, fit).
    const keep = pixelsWhere(64, 64, (x, y) => !(x >= 20 && x < 44 && y >= 20 && y < 44));
    const inside = pixelsWhere(64, 64, (x, y) => x >= 28 && x < 36 && y >= 28 && y < 36);
    const out: Record<string, Uint8Array> = {};
    for (const mode of ['JUST_RESIZE', 'CROP_AND_RESIZE', 'RESIZE_AND_FILL', 'JUST_RESIZE_LATENT_UPSCALE']) {
      const r = await inpaint({ maskImageResourceId: 'wideMask', resizeMode: mode }, { image: 'wide' });
      expect([r.outputs[0].width, r.outputs[0].height]).toEqual([64, 64]);
      const base = await resizeRgbByMode(wide, mode === 'JUST_RESIZE_LATENT_UPSCALE' ? 'JUST_RESIZE' : (mode as 'JUST_RESIZE'), 64, 64);
      expect({ mode, changedOutside: changedPixels(r.images[0], base.data, keep) }).toEqual({ mode, changedOutside: 0 });
      out[mode] = r.images[0];
    }
    // Crop keeps the middle 64 columns at full scale; fill shrinks to 64 × 42 and repeats the edge rows.
    const crop = await resizeRgbByMode(wide, 'CROP_AND_RESIZE', 64, 64);
    const sameScale = await resizeRgb(wide, 96, 64);
    expect(Array.from(crop.data.subarray(0, 3))).toEqual(Array.from(sameScale.data.subarray(16 * 3, 17 * 3)));
    const fill = await resizeRgbByMode(wide, 'RESIZE_AND_FILL', 64, 64);
    expect(Buffer.from(fill.data.subarray(0, 64 * 3)).equals(Buffer.from(fill.data.subarray(10 * 64 * 3, 11 * 64 * 3)))).toBe(true);
    expect(meanAbsDiff(out.JUST_RESIZE, out.CROP_AND_RESIZE)).toBeGreaterThan(1);
    expect(meanAbsDiff(out.CROP_AND_RESIZE, out.RESIZE_AND_FILL)).toBeGreaterThan(1);
    // Latent upscale: the image is encoded at its own size and the latent stretched; the repaint differs.
    expect(meanDiffAt(out.JUST_RESIZE, out.JUST_RESIZE_LATENT_UPSCALE, inside)).toBeGreaterThan(0.5);
  });

  it('9-channel inpainting UNets get the mask and masked image (one image at a time); 4-channel ones blend latents', async () => {
    const original = (await rgbOf(resources.photo)).data;
    const outside = pixelsWhere(64, 64, (x, y) => !inBox(BOX)(x, y));
    const inside = pixelsWhere(64, 64, inBox(BOX));
    const four = await inpaint({}, { count: 2 });
    expect(unetCalls()).toBe(4); // both images in one batch per step
    runner.stats.reset();
    const nine = await inpaint({}, { count: 2, models: [inpaint9] });
    expect(unetCalls()).toBe(8); // each image alone (its own extra channels)
    const nineZero = await inpaint({}, { count: 2, models: [inpaint9zero] });
    for (const r of [four, nine, nineZero]) {
      expect(r.outputs.map((o) => o.seed)).toEqual([77n, 78n]);
      for (const img of r.images) expect(changedPixels(img, original, outside)).toBe(0);
    }
    // Extra channels weighted 0: the same model as the 4-channel one (up to batch-size rounding).
    expect(meanAbsDiff(nineZero.images[0], four.images[0])).toBeLessThan(0.5);
    expect(meanAbsDiff(nineZero.images[1], four.images[1])).toBeLessThan(0.5);
    // Weighted: the mask and masked-image latent reach the UNet and change the repaint.
    expect(meanDiffAt(nine.images[0], four.images[0], inside)).toBeGreaterThan(1);
    // Per-image progress: image 0 finishes the stage before image 1 starts.
    expect(nine.progress.map((p) => p.images.map((i) => i.progress))).toEqual([
      [25, 0],
      [50, 0],
      [75, 0],
      [100, 0],
      [100, 25],
      [100, 50],
      [100, 75],
      [100, 100],
    ]);
  });

  it('an empty mask passes the images through (no UNet call) with a notice', async () => {
    notices.length = 0;
    const r = await inpaint({ maskImageResourceId: 'empty' });
    expect(unetCalls()).toBe(0);
    expect(Buffer.from(r.images[0]).equals(Buffer.from((await rgbOf(resources.photo)).data))).toBe(true);
    expect(notices).toEqual(['IMAGE_TO_INPAINT: the mask is empty, images pass through unchanged']);
  });

  it('refuses a missing mask before any UNet call', async () => {
    await expect(inpaint({ maskImageResourceId: 'gone' })).rejects.toThrow('mask image gone could not be read: no resource gone');
    expect(unetCalls()).toBe(0);
  });
});
