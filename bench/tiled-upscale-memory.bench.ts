/*
 * Peak memory of a model upscale job: COUNT images of SIDE² through IMAGE_TO_UPSCALER with an ESRGAN ×SCALE model
 * (tiled), run by OnnxJobRunner as the worker runs it (PNG outputs). Peak RSS is the kernel's high-water mark
 * (VmHWM), reset between phases through /proc/self/clear_refs, so a phase's peak is its own. Baseline measured in
 * the same run: the process after warm-up (runtime, sharp, the upscaler session loaded and run on one tile). Reported against the
 * bound the engine README states: baseline + COUNT output rasters (the images a stage hands on) + their PNGs + the
 * tiler's band of float accumulators.
 * Run: node -r @swc-node/register bench/tiled-upscale-memory.bench.ts
 * Env: SIDE (1536), COUNT (4), MODEL ("ESRGAN slim 4x"), TILE (256), THREADS (0 = ONNX Runtime's default)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseCreateJobRequest } from '@darkroom/contracts';
import { chooseUpscaler, createOnnxJobRunner, packageFolder } from '@darkroom/inference';

const SIDE = Number(process.env.SIDE ?? 1536);
const COUNT = Number(process.env.COUNT ?? 4);
const MODEL = process.env.MODEL ?? 'ESRGAN slim 4x';
const TILE = Number(process.env.TILE ?? 256);
const THREADS = Number(process.env.THREADS ?? 0);
const MiB = 1024 ** 2;

function status(field: 'VmRSS' | 'VmHWM'): number {
  const line = readFileSync('/proc/self/status', 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${field}:`));
  if (!line) throw new Error(`no ${field} in /proc/self/status`);
  return Number(line.split(/\s+/)[1]) * 1024;
}

/** Resets the peak RSS to the current RSS (Linux ≥ 4.0). */
function resetPeak(): void {
  writeFileSync('/proc/self/clear_refs', '5');
}

function job(side: number, count: number, scale: number) {
  const parsed = parseCreateJobRequest({
    requestId: 'bench-upscale',
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 1, count, imageResourceId: 'photo' } },
      {
        type: 'IMAGE_TO_UPSCALER',
        imageToUpscaler: { hrUpscaler: MODEL, hrScale: scale, denoisingStrength: 0, diffusion: { prompts: [{ text: 'x' }], width: 512, height: 512 } },
      },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-upmem-'));
  try {
    const choice = chooseUpscaler(MODEL);
    if (choice.kind !== 'model') throw new Error(`${MODEL} is not a model upscaler`);
    const scale = choice.model.scale;
    const file = path.join(packageFolder('@vladmandic/face-api'), 'demo', 'sample3.jpg');
    const resources: Record<string, Buffer> = {
      photo: await sharp(readFileSync(file)).resize(SIDE, SIDE, { fit: 'cover' }).png().toBuffer(),
      tile: await sharp(readFileSync(file)).resize(TILE, TILE, { fit: 'cover' }).png().toBuffer(),
    };
    const runner = createOnnxJobRunner({ intraOpThreads: THREADS || undefined, upscalerCacheDir: path.join(root, 'upscalers'), upscaleTile: TILE });
    const run = (side: number, count: number, resource: string) =>
      runner.run(
        { jobId: 'bench', request: job(side, count, scale), models: [], loadResource: async (id) => resources[id === 'photo' ? resource : id] },
        { onProgress: () => undefined, isCancelled: () => false },
      );
    // Warm-up on one tile's worth: converts the model, loads its session, grows ONNX Runtime's arena to a tile's
    // activations (part of the baseline: a worker keeps it between jobs).
    await run(TILE, 1, 'tile');
    global.gc?.();
    const baseline = status('VmRSS');
    resetPeak();
    const started = performance.now();
    const outputs = await run(SIDE, COUNT, 'photo');
    const ms = performance.now() - started;
    const peak = status('VmHWM');
    const out = SIDE * scale;
    const raster = out * out * 3;
    const pngs = outputs.reduce((s, o) => s + o.data.length, 0);
    const band = 2 * 3 * TILE * scale * out * 4; // the band and its shifted copy, float32
    const bound = baseline + COUNT * raster + pngs + band;
    if (outputs.length !== COUNT || outputs.some((o) => o.width !== out || o.height !== out)) throw new Error('unexpected outputs');
    console.log(`tiled upscale memory (${os.cpus().length} CPUs, node ${process.version}): ${COUNT} × ${SIDE}² → ${out}² with ${MODEL}, tiles of ${TILE}`);
    console.log(
      `  job ${(ms / 1000).toFixed(1)} s; peak RSS ${(peak / MiB).toFixed(0)} MiB; baseline (warm process) ${(baseline / MiB).toFixed(0)} MiB; ` +
        `peak − baseline ${((peak - baseline) / MiB).toFixed(0)} MiB`,
    );
    console.log(
      `  outputs: ${COUNT} rasters ${((COUNT * raster) / MiB).toFixed(0)} MiB + PNGs ${(pngs / MiB).toFixed(0)} MiB; tiler band ${(band / MiB).toFixed(0)} MiB; ` +
        `bound ${(bound / MiB).toFixed(0)} MiB; peak / bound ${(peak / bound).toFixed(3)}×; peak / baseline ${(peak / baseline).toFixed(2)}×`,
    );
    await runner.close();
    // The engine README states this bound with a 25 % margin (ONNX Runtime's tile tensors, garbage not yet collected).
    if (peak > 1.25 * bound) throw new Error(`peak RSS ${(peak / MiB).toFixed(0)} MiB exceeds 1.25 × the bound (${((1.25 * bound) / MiB).toFixed(0)} MiB)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
