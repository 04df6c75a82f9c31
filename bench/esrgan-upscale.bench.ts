/*
 * ESRGAN upscale speed: ImageUpscaler.upscale (tiles of TILE input pixels, context margins, cross-faded seams, the
 * exact-size Lanczos at the end) on a real photo, in ms per output megapixel, against the raw `session.run` time of
 * the same call (RunStats wraps every session.run) and against one untiled session.run on the whole image, both
 * measured in the same run. The first ratio is the engine's own overhead (tile copies, blending, rounding); the
 * second what tiling costs in recomputed overlap.
 * Run: node -r @swc-node/register bench/esrgan-upscale.bench.ts
 * Env: SIDE (384: input side), TILE (256), REPS (3), MODELS ("ESRGAN slim 2x,ESRGAN slim 4x,ESRGAN medium 2x"),
 * THREADS (0 = ONNX Runtime's default)
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { chooseUpscaler, EsrganModelStore, ImageUpscaler, packageFolder, RunStats, SessionCache, sessionOptions, type RgbImage } from '@darkroom/inference';

const SIDE = Number(process.env.SIDE ?? 384);
const TILE = Number(process.env.TILE ?? 256);
const REPS = Number(process.env.REPS ?? 3);
const THREADS = Number(process.env.THREADS ?? 0);
const MODELS = (process.env.MODELS ?? 'ESRGAN slim 2x,ESRGAN slim 4x,ESRGAN medium 2x').split(',').map((s) => s.trim());

async function photo(side: number): Promise<RgbImage> {
  const file = path.join(packageFolder('@vladmandic/face-api'), 'demo', 'sample2.jpg');
  const { data, info } = await sharp(readFileSync(file)).resize(side, side, { fit: 'cover' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-esrgan-'));
  try {
    const stats = new RunStats();
    const options = sessionOptions({ intraOpThreads: THREADS || undefined });
    const cache = new SessionCache({ memoryBudgetBytes: 4 * 1024 ** 3, sessionOptions: options, stats });
    const store = new EsrganModelStore(path.join(root, 'upscalers'));
    const upscaler = new ImageUpscaler({ cache, store, tile: TILE });
    const img = await photo(SIDE);
    console.log(`ESRGAN upscale (cpu, intra-op threads ${THREADS || 'default'}, ${os.cpus().length} CPUs): ${SIDE}² photo, tiles of ${TILE}, best of ${REPS}`);
    for (const name of MODELS) {
      const choice = chooseUpscaler(name);
      if (choice.kind !== 'model') throw new Error(`${name} is not a model upscaler`);
      const stored = await store.get(choice.model);
      const s = stored.scale;
      const outMp = (SIDE * s * SIDE * s) / 1e6;
      await upscaler.upscale(img, SIDE * s, SIDE * s, choice); // converts (first use), loads, warms up
      let wall = Infinity;
      let run = Infinity;
      for (let r = 0; r < REPS; r++) {
        stats.reset();
        const t = performance.now();
        await upscaler.upscale(img, SIDE * s, SIDE * s, choice);
        const ms = performance.now() - t;
        if (ms < wall) {
          wall = ms;
          run = stats.sessionRunMs;
        }
      }
      // Baseline: the whole image in one session.run (no tiles, no blending), same session options.
      const session = await ort.InferenceSession.create(stored.file, options);
      const chw = new Float32Array(3 * SIDE * SIDE);
      for (let p = 0; p < SIDE * SIDE; p++) for (let c = 0; c < 3; c++) chw[c * SIDE * SIDE + p] = img.data[p * 3 + c];
      const feeds = { input: new ort.Tensor('float32', chw, [1, 3, SIDE, SIDE]) };
      await session.run(feeds);
      let whole = Infinity;
      for (let r = 0; r < REPS; r++) {
        const t = performance.now();
        await session.run(feeds);
        whole = Math.min(whole, performance.now() - t);
      }
      await session.release();
      console.log(
        `  ${name.padEnd(17)} → ${SIDE * s}²: ${(wall / outMp).toFixed(0)} ms/MP (${wall.toFixed(0)} ms); session.run inside ${(run / outMp).toFixed(0)} ms/MP, ` +
          `wall / session.run ${(wall / run).toFixed(3)}×; untiled single run ${(whole / outMp).toFixed(0)} ms/MP, wall / untiled ${(wall / whole).toFixed(3)}×`,
      );
    }
    await cache.clear();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
