import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import * as ort from 'onnxruntime-node';
import { makeTempDir, meanAbsDiff, removeDir } from '../engine/engine.test-helper';
import { sessionOptions } from '../engine/execution-options';
import { SessionCache } from '../engine/session-cache';
import { decodeRgb, resizeRgb, type RgbImage } from '../engine/vae';
import { FatalRunError } from '../runner/job-runner';
import { ESRGAN_MODELS, EsrganModelStore, packageFolder } from './esrgan-models';
import { hiresTarget } from './hires-target';
import { ImageUpscaler } from './image-upscaler';
import { resizeLatent } from './latent-resize';
import { readTfjsLayersModel } from './tfjs-layers-model';
import { layersModelToOnnx } from './tfjs-layers-to-onnx';
import { tileStarts, upscaleTiled } from './tiled-upscale';
import { chooseUpscaler, supportedUpscalers } from './upscaler-catalogue';

/** A real photo shipped by a package (face-api's demo pictures), cut to `width` × `height`. */
async function photo(width: number, height: number): Promise<RgbImage> {
  const full = await decodeRgb(readFileSync(path.join(packageFolder('@vladmandic/face-api'), 'demo', 'sample1.jpg')));
  return resizeRgb(full, width, height);
}

/** Largest per-channel difference between two images of one size. */
function maxDiff(a: RgbImage, b: RgbImage): number {
  let m = 0;
  for (let i = 0; i < a.data.length; i++) m = Math.max(m, Math.abs(a.data[i] - b.data[i]));
  return m;
}

describe('upscaler names', () => {
  it('maps every supported name (case, spaces, "-" and "_" free) to its kind', () => {
    expect(chooseUpscaler('Latent (nearest-exact)')).toEqual({ kind: 'latent', name: 'Latent (nearest-exact)', mode: 'nearest-exact' });
    expect(chooseUpscaler('latent')).toMatchObject({ kind: 'latent', mode: 'bilinear' });
    expect(chooseUpscaler(' LANCZOS ')).toEqual({ kind: 'pixel', name: 'Lanczos', kernel: 'lanczos3' });
    expect(chooseUpscaler('nearest')).toMatchObject({ kind: 'pixel', kernel: 'nearest' });
    expect(chooseUpscaler('esrgan_slim-4x')).toMatchObject({ kind: 'model', name: 'ESRGAN slim 4x', model: { scale: 4, packageName: '@upscalerjs/esrgan-slim' } });
    for (const name of supportedUpscalers()) expect(chooseUpscaler(name).name).toBe(name);
  });

  it('refuses an unknown name with a FatalRunError listing the supported ones', () => {
    expect(() => chooseUpscaler('4x-UltraSharp')).toThrow(FatalRunError);
    expect(() => chooseUpscaler('4x-UltraSharp')).toThrow(`unknown hrUpscaler "4x-UltraSharp"; supported: ${supportedUpscalers().join(', ')}`);
    expect(supportedUpscalers()).toEqual(expect.arrayContaining(['Latent', 'Latent (antialiased)', 'Latent (bicubic)', 'Latent (nearest)', 'Latent (nearest-exact)', 'Lanczos', 'Nearest', 'ESRGAN medium 4x']));
  });
});

describe('hires-fix target size', () => {
  it('hrScale wins over hrResizeX/Y', () => {
    const t = hiresTarget({ width: 512, height: 384 }, { hrScale: 1.5, hrResizeX: 2048, hrResizeY: 2048 });
    expect([t.width, t.height, t.crop.left, t.crop.top]).toEqual([768, 576, 0, 0]);
  });

  it('hrResizeX/Y covers the target with the image aspect ratio, then keeps the middle (in latent units)', () => {
    const t = hiresTarget({ width: 512, height: 384 }, { hrResizeX: 1024, hrResizeY: 1024 });
    // 512×384 → 1365×1024 (cover), crop (1365 − 1024) / 8 = 42 latent columns, 21 each side.
    expect(t.upscale).toEqual({ width: 170, height: 128 });
    expect(t.crop).toEqual({ left: 21, top: 0, width: 128, height: 128 });
    expect([t.width, t.height]).toEqual([1024, 1024]);
    const tall = hiresTarget({ width: 512, height: 512 }, { hrResizeX: 640, hrResizeY: 1280 });
    expect([tall.width, tall.height, tall.crop.left, tall.crop.top]).toEqual([640, 1280, 40, 0]);
  });

  it('refuses a missing size and a side above the engine limit', () => {
    expect(() => hiresTarget({ width: 512, height: 512 }, { hrResizeX: 1024 })).toThrow('IMAGE_TO_UPSCALER needs hrScale, or both hrResizeX and hrResizeY');
    expect(() => hiresTarget({ width: 2048, height: 2048 }, { hrScale: 8 })).toThrow(/larger than 8192 pixels on a side/);
  });
});

describe('latent resize (torch.nn.functional.interpolate, align_corners false)', () => {
  const row = Float32Array.from([0, 1, 2, 3]);
  const up = (mode: Parameters<typeof resizeLatent>[6], data = row, outW = 8) => Array.from(resizeLatent(data, 1, 1, data.length, 1, outW, mode));

  it('matches torch on 1×4 → 1×8 for each mode', () => {
    expect(up('nearest')).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(up('nearest-exact')).toEqual([0, 0, 1, 1, 2, 2, 3, 3]);
    expect(up('bilinear')).toEqual([0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
    // Keys cubic with a = −0.75 (torch's) and clamped border taps, worked out by hand; symmetric about 1.5.
    const bicubic = up('bicubic');
    [-0.10546875, 0.19140625, 0.66796875, 1.296875, 1.703125, 2.33203125, 2.80859375, 3.10546875].forEach((v, i) => expect(bicubic[i]).toBeCloseTo(v, 5));
    // Antialiasing only matters when shrinking; upscaling equals the plain mode.
    expect(up('bilinear-antialiased')).toEqual(up('bilinear'));
  });

  it('antialiased shrinking averages over the widened triangle (PIL/torch antialias), nearest picks', () => {
    const ramp = Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]);
    const aa = up('bilinear-antialiased', ramp, 2);
    // Triangle of half-width 4 around 2 and 6 (pixel centres at x + 0.5), clipped at the borders.
    expect(aa[0]).toBeCloseTo(6.625 / 3.5, 5);
    expect(aa[1]).toBeCloseTo(17.875 / 3.5, 5);
    expect(up('bilinear', ramp, 2)).toEqual([1.5, 5.5]);
    expect(up('nearest', ramp, 2)).toEqual([0, 4]);
    expect(up('nearest', Float32Array.from([0, 1, 2]), 5)).toEqual([0, 0, 1, 1, 2]);
    expect(up('nearest-exact', Float32Array.from([0, 1, 2]), 5)).toEqual([0, 0, 1, 2, 2]);
  });
});

describe('ESRGAN models (packaged TF.js layers converted to ONNX)', () => {
  let dir: string;
  let cache: SessionCache;
  let upscaler: ImageUpscaler;
  let store: EsrganModelStore;

  beforeAll(async () => {
    dir = await makeTempDir();
    store = new EsrganModelStore(path.join(dir, 'upscalers'));
    cache = new SessionCache({ memoryBudgetBytes: 1e9, sessionOptions: sessionOptions({ intraOpThreads: 1 }) });
    upscaler = new ImageUpscaler({ cache, store, tile: 64 });
    await tf.setBackend('cpu');
  });

  afterAll(async () => {
    await cache?.clear();
    await removeDir(dir);
  });

  it.each(['ESRGAN slim 2x', 'ESRGAN medium 4x'])('%s: the converted graph computes what TF.js computes', async (name) => {
    const model = ESRGAN_MODELS.find((m) => m.name === name)!;
    const file = path.join(packageFolder(model.packageName), model.modelPath);
    const json = JSON.parse(readFileSync(file, 'utf8')) as { modelTopology: object; weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[] };
    const shards = Buffer.concat(json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(path.join(path.dirname(file), p)))));
    const reference = await tf.loadLayersModel(
      tf.io.fromMemory({ modelTopology: json.modelTopology, weightSpecs: json.weightsManifest.flatMap((g) => g.weights), weightData: shards.buffer.slice(shards.byteOffset, shards.byteOffset + shards.length) }),
    );
    const img = await photo(20, 16);
    const expected = (reference.predict(tf.tensor4d(Float32Array.from(img.data), [1, 16, 20, 3])) as tf.Tensor).dataSync();
    reference.dispose();
    const converted = layersModelToOnnx(await readTfjsLayersModel(file), name);
    expect(converted.scale).toBe(model.scale);
    const session = await ort.InferenceSession.create(Buffer.from(converted.bytes));
    const chw = new Float32Array(3 * 16 * 20);
    for (let p = 0; p < 16 * 20; p++) for (let c = 0; c < 3; c++) chw[c * 320 + p] = img.data[p * 3 + c];
    const out = (await session.run({ input: new ort.Tensor('float32', chw, [1, 3, 16, 20]) })).output;
    await session.release();
    const s = model.scale;
    expect(out.dims).toEqual([1, 3, 16 * s, 20 * s]);
    const plane = 16 * s * 20 * s;
    let worst = 0;
    const got = out.data as Float32Array;
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(got[c * plane + p] - expected[p * 3 + c]));
    expect(worst).toBeLessThan(0.05); // of 0–255
  });

  it('stores the conversion once and reuses it (another store on the same folder reads the file)', async () => {
    const model = ESRGAN_MODELS.find((m) => m.name === 'ESRGAN slim 2x')!;
    const first = await store.get(model);
    const again = await new EsrganModelStore(store.cacheDir).get(model);
    expect(again).toEqual(first);
    expect(first.receptiveRadius).toBeGreaterThan(0);
  });

  it('tiles blend without seams: a tiled upscale equals the untiled one; without margins the seams show', async () => {
    const img = await photo(150, 110);
    const choice = chooseUpscaler('ESRGAN slim 2x');
    const stored = await store.get(choice.kind === 'model' ? choice.model : (undefined as never));
    const lease = await cache.acquire({ key: stored.file, file: stored.file, bytes: stored.bytes, modelKey: 'upscaler:test', label: 'esrgan' });
    try {
      const whole = await upscaleTiled(lease.component, img, 2, { tile: 512, margin: stored.receptiveRadius });
      let tiles = 0;
      const tiled = await upscaleTiled(lease.component, img, 2, { tile: 64, margin: stored.receptiveRadius, onTile: (_, total) => void (tiles = total) });
      // 150 × 110 in tiles of 64 overlapping by 2·radius + 16: several tiles each way.
      const overlap = 2 * stored.receptiveRadius + 16;
      expect(tiles).toBe(tileStarts(150, 64, overlap).length * tileStarts(110, 64, overlap).length);
      expect(tiles).toBeGreaterThanOrEqual(9);
      expect([tiled.width, tiled.height]).toEqual([300, 220]);
      expect(maxDiff(tiled, whole)).toBeLessThanOrEqual(1);
      // Control: tiles that trust their edges (no margin, hard cut-over) differ from the untiled result.
      const naive = await upscaleTiled(lease.component, img, 2, { tile: 64, margin: 0, feather: 1 });
      expect(maxDiff(naive, whole)).toBeGreaterThan(8);
    } finally {
      lease.release();
    }
  });

  it('upscales a real photo to an exact size: close to Lanczos overall, sharper than it, and it scales back to the input', async () => {
    const img = await photo(96, 72);
    const esrgan = await upscaler.upscale(img, 384, 288, chooseUpscaler('ESRGAN slim 4x') as never);
    const lanczos = await upscaler.upscale(img, 384, 288, chooseUpscaler('Lanczos') as never);
    const nearest = await upscaler.upscale(img, 384, 288, chooseUpscaler('Nearest') as never);
    expect([esrgan.width, esrgan.height]).toEqual([384, 288]);
    expect(meanAbsDiff(esrgan.data, lanczos.data)).toBeLessThan(8);
    expect(meanAbsDiff(esrgan.data, lanczos.data)).toBeGreaterThan(0.5);
    // Nearest repeats each pixel 4 × 4.
    expect(nearest.data.subarray(0, 3)).toEqual(nearest.data.subarray(9, 12));
    expect(Array.from(nearest.data.subarray(0, 3))).toEqual(Array.from(img.data.subarray(0, 3)));
    const back = await resizeRgb(esrgan, 96, 72);
    expect(meanAbsDiff(back.data, img.data)).toBeLessThan(4);
    // An odd target (not a multiple of the scale) is reached with passes then Lanczos.
    const odd = await upscaler.upscale(img, 200, 150, chooseUpscaler('ESRGAN slim 2x') as never);
    expect([odd.width, odd.height]).toEqual([200, 150]);
    // ×2 twice for ×4 (A1111 repeats a model until the image is large enough).
    const twice = await upscaler.upscale(img, 384, 288, chooseUpscaler('ESRGAN slim 2x') as never);
    expect(meanAbsDiff(twice.data, esrgan.data)).toBeLessThan(8);
  });
});
