/*
 * ADetailer overhead: an IMAGE_TO_ADETAILER job (BlazeFace detection, box mask, dilate, crop inpaint of the face)
 * against an IMAGE_TO_INPAINT job that inpaints the same region from an uploaded mask (the same dilated box, mask
 * blur 4, "only masked" with padding 32, same seed, sampler, steps and strength), both through OnnxJobRunner on the
 * tiny generated SD 1.5 model, measured in the same run. Also the detector alone. Target: ratio ≤ 1.10 (detection
 * and mask work are small next to the diffusion pass).
 * Run: node -r @swc-node/register bench/adetailer.bench.ts
 * Env: REPS (5), STEPS (20), SIZE (512), THREADS (0 = ONNX Runtime's default)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import { BlazeFaceDetector, createOnnxJobRunner, dilateErode, masksFromBoxes, type OnnxJobRunner, type RgbImage, type RunnerModel } from '@darkroom/inference';
import { generateTinySd15 } from '@darkroom/testing';

const REPS = Number(process.env.REPS ?? 5);
const STEPS = Number(process.env.STEPS ?? 20);
const SIZE = Number(process.env.SIZE ?? 512);
const THREADS = Number(process.env.THREADS ?? 0);
const DILATE = 4;
const STRENGTH = 0.4;

const diffusion = { prompts: [{ text: 'a detailed face, soft light' }], steps: STEPS, sampler: 'Euler a', denoisingStrength: STRENGTH };

function parse(stages: unknown[]): CreateJobRequest {
  const parsed = parseCreateJobRequest({ requestId: 'bench-adetailer', stages });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

const init = { type: 'INPUT_INITIALIZE', inputInitialize: { seed: 5, imageResourceId: 'photo' } };
const adetailerJob = parse([
  init,
  { type: 'IMAGE_TO_ADETAILER', imageToAdetailer: { args: [{ adModel: 'face_yolov8n.pt', adDilateErode: DILATE, adDenoisingStrength: STRENGTH }], diffusion } },
]);
const inpaintJob = parse([
  init,
  {
    type: 'IMAGE_TO_INPAINT',
    imageToInpaint: { maskImageResourceId: 'mask', maskBlur: 4, inpaintFullRes: true, inpaintFullResPadding: 32, diffusion: { ...diffusion, width: SIZE, height: SIZE } },
  },
]);

async function timed(runner: OnnxJobRunner, request: CreateJobRequest, model: RunnerModel, resources: Record<string, Buffer>): Promise<{ wallMs: number; ortMs: number }> {
  runner.stats.reset();
  const started = performance.now();
  const out = await runner.run(
    { jobId: 'bench', request, models: [model], loadResource: async (id) => resources[id] },
    { onProgress: () => undefined, isCancelled: () => false },
  );
  const wallMs = performance.now() - started;
  if (out.length !== 1) throw new Error(`expected 1 image, got ${out.length}`);
  return { wallMs, ortMs: runner.stats.sessionRunMs };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-adetailer-'));
  try {
    const dir = path.join(root, 'tiny');
    await generateTinySd15(dir);
    const model: RunnerModel = { id: 'tiny', kind: 'CHECKPOINT', name: 'tiny', baseModel: 'SD1', path: dir };
    // A square crop of a real group photo around one face (the face-api package's demo picture).
    const sample = path.join(path.dirname(require.resolve('@vladmandic/face-api/package.json')), 'demo', 'sample1.jpg');
    const photoPng = await sharp(sample).extract({ left: 220, top: 200, width: 600, height: 600 }).resize(SIZE, SIZE).png().toBuffer();
    const { data, info } = await sharp(photoPng).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const rgb: RgbImage = { data: new Uint8Array(data), width: info.width, height: info.height };

    const detector = await BlazeFaceDetector.load('full');
    const faces = await detector.detect(rgb, 0.3);
    if (faces.length !== 1) throw new Error(`expected one face in the bench picture, found ${faces.length}`);
    const detectMs: number[] = [];
    for (let r = 0; r < REPS * 4; r++) {
      const t = performance.now();
      await detector.detect(rgb, 0.3);
      detectMs.push(performance.now() - t);
    }
    // The uploaded mask of the plain inpaint: the same dilated box ADetailer builds.
    const [mask] = masksFromBoxes(faces, SIZE, SIZE).map((m) => dilateErode(m, DILATE));
    const maskPng = await sharp(Buffer.from(mask.data), { raw: { width: SIZE, height: SIZE, channels: 1 } }).png().toBuffer();
    const resources = { photo: photoPng, mask: maskPng };

    const runner = createOnnxJobRunner({ intraOpThreads: THREADS || undefined, previewEveryMs: -1 });
    await timed(runner, adetailerJob, model, resources); // loads sessions, detector, tokenizer
    await timed(runner, inpaintJob, model, resources);
    const ad: { wallMs: number; ortMs: number }[] = [];
    const inp: { wallMs: number; ortMs: number }[] = [];
    for (let r = 0; r < REPS; r++) {
      ad.push(await timed(runner, adetailerJob, model, resources));
      inp.push(await timed(runner, inpaintJob, model, resources));
    }
    await runner.close();
    const adWall = median(ad.map((t) => t.wallMs));
    const inWall = median(inp.map((t) => t.wallMs));
    const face = faces[0];
    console.log(`ADetailer vs plain inpaint (tiny SD 1.5, ${SIZE}² photo, one face ${Math.round(face.x2 - face.x1)}×${Math.round(face.y2 - face.y1)} px, Euler a ${STEPS} steps at ${STRENGTH}, median of ${REPS}, ${os.cpus().length} CPUs)`);
    console.log(`  BlazeFace full-range detect: ${median(detectMs).toFixed(1)} ms/image (median of ${detectMs.length})`);
    console.log(`  ADetailer job:     wall ${adWall.toFixed(1)} ms, session.run ${median(ad.map((t) => t.ortMs)).toFixed(1)} ms (diffusion sessions; the detector is in wall only)`);
    console.log(`  plain inpaint job: wall ${inWall.toFixed(1)} ms, session.run ${median(inp.map((t) => t.ortMs)).toFixed(1)} ms`);
    console.log(`  ratio ADetailer / inpaint: ${(adWall / inWall).toFixed(3)}× (overhead ${(adWall - inWall).toFixed(1)} ms/image; target ≤ 1.10×)`);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
