/*
 * Engine overhead: wall time of full txt2img jobs through OnnxJobRunner (prompt parsing, tokenizer, sampler math,
 * guidance, float conversions, VAE decode, PNG + parameters chunk, progress) against the sum of the raw
 * `session.run` calls those same jobs make, measured in the same run (RunStats wraps every session.run). Target:
 * wall / session.run ≤ 1.05. Then throughput in images/s for count 1..4, with the UNet batch of all images ×
 * cond/uncond in one call vs one call per image and branch.
 * Run: node -r @swc-node/register bench/engine-overhead.bench.ts
 * Env: STEPS (20), MID_STEPS (10), REPS (3), MID_REPS (2), TP_REPS (3), THREADS (0 = ONNX Runtime's default),
 * EP (cpu|cuda|webgpu), SPIN_WAIT (0|1: ONNX Runtime threads spin-wait between runs; off by default, as in the worker)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner, encodeImageOutput, readPngText, type ExecutionProviderName, type OnnxJobRunner, type RunnerModel } from '@darkroom/inference';
import sharp from 'sharp';
import { generateTinySd15, MID_SIZE_OPTIONS, type TinyModelOptions } from '@darkroom/testing';

const STEPS = Number(process.env.STEPS ?? 20);
const MID_STEPS = Number(process.env.MID_STEPS ?? 10);
const REPS = Number(process.env.REPS ?? 3);
const MID_REPS = Number(process.env.MID_REPS ?? 2);
const THREADS = Number(process.env.THREADS ?? 0);
const TP_REPS = Number(process.env.TP_REPS ?? 3);
const EP = (process.env.EP ?? 'cpu') as ExecutionProviderName;
const SPIN_WAIT = process.env.SPIN_WAIT === '1';

function request(steps: number, count: number, seed: number): CreateJobRequest {
  const parsed = parseCreateJobRequest({
    requestId: `bench-${seed}`,
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed, count } },
      {
        type: 'DIFFUSION',
        diffusion: {
          prompts: [{ text: 'a (photo:1.2) of a cat on a red sofa, detailed, soft light' }],
          negativePrompts: [{ text: 'blurry, low quality' }],
          steps,
          sampler: 'DPM++ 2M',
          width: 512,
          height: 512,
        },
      },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  return parsed.value;
}

interface JobTimes {
  wallMs: number;
  ortMs: number;
  /** encodeImageOutput on the job's first image again (its own pixels and parameters text), timed on its own. */
  encodeMs: number;
}

async function job(runner: OnnxJobRunner, model: RunnerModel, steps: number, count: number, seed: number): Promise<JobTimes> {
  runner.stats.reset();
  const started = performance.now();
  const out = await runner.run(
    { jobId: `bench-${seed}`, request: request(steps, count, seed), models: [model], loadResource: async () => Buffer.alloc(0) },
    { onProgress: () => undefined, isCancelled: () => false },
  );
  const wallMs = performance.now() - started;
  if (out.length !== count) throw new Error(`expected ${count} images, got ${out.length}`);
  return { wallMs, ortMs: runner.stats.sessionRunMs, encodeMs: await encodeAgain(out[0].data) };
}

async function encodeAgain(png: Buffer): Promise<number> {
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const parameters = readPngText(png).parameters ?? '';
  const started = performance.now();
  await encodeImageOutput({ data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height }, 'png', parameters);
  return performance.now() - started;
}

async function overhead(label: string, dir: string, opts: TinyModelOptions, steps: number, reps: number): Promise<void> {
  await generateTinySd15(dir, opts);
  const model: RunnerModel = { id: label, kind: 'CHECKPOINT', name: label, baseModel: 'SD1', path: dir };
  const runner = createOnnxJobRunner({ executionProvider: EP, intraOpThreads: THREADS || undefined, spinWait: SPIN_WAIT });
  // A full job first: loads sessions and tokenizer, warms ONNX Runtime and lets V8 optimise the step code, as in a
  // worker that has run a few jobs.
  await job(runner, model, steps, 1, 1);
  let wall = 0;
  let ort = 0;
  let encode = 0;
  const split = new Map<string, number>();
  for (let r = 0; r < reps; r++) {
    const t = await job(runner, model, steps, 1, 100 + r);
    wall += t.wallMs;
    ort += t.ortMs;
    encode += t.encodeMs;
    for (const [k, v] of runner.stats.byComponent) split.set(k, (split.get(k) ?? 0) + v.ms);
  }
  const parts = [...split].map(([k, v]) => `${k} ${(v / reps).toFixed(1)}`).join(', ');
  console.log(
    `${label.padEnd(6)} 512², ${steps} steps, ${reps} jobs: wall ${(wall / reps).toFixed(1)} ms/job, session.run ${(ort / reps).toFixed(1)} ms/job ` +
      `(${parts}); ratio ${(wall / ort).toFixed(3)}× (overhead ${(wall - ort) / reps >= 0 ? '' : '-'}${Math.abs((wall - ort) / reps).toFixed(1)} ms/job, ` +
      `of which PNG encoding ${(encode / reps).toFixed(1)} ms; without it ${((wall - encode) / ort).toFixed(3)}×)`,
  );
  await runner.close();
}

async function throughput(dir: string, steps: number): Promise<void> {
  const model: RunnerModel = { id: 'tiny', kind: 'CHECKPOINT', name: 'tiny', baseModel: 'SD1', path: dir };
  const batched = createOnnxJobRunner({ executionProvider: EP, intraOpThreads: THREADS || undefined, spinWait: SPIN_WAIT });
  const single = createOnnxJobRunner({ executionProvider: EP, intraOpThreads: THREADS || undefined, spinWait: SPIN_WAIT, maxUNetBatch: 1 });
  await job(batched, model, 2, 4, 1);
  await job(single, model, 2, 4, 1);
  console.log(`throughput (tiny, 512², ${steps} steps, best of ${TP_REPS} alternating runs): count | batched img/s | unbatched img/s | speed-up`);
  for (let count = 1; count <= 4; count++) {
    let b = Infinity;
    let s = Infinity;
    for (let r = 0; r < TP_REPS; r++) {
      b = Math.min(b, (await job(batched, model, steps, count, 7)).wallMs);
      s = Math.min(s, (await job(single, model, steps, count, 7)).wallMs);
    }
    const bi = (count * 1000) / b;
    const si = (count * 1000) / s;
    console.log(`  ${count} | ${bi.toFixed(2)} | ${si.toFixed(2)} | ${(bi / si).toFixed(2)}×`);
  }
  await batched.close();
  await single.close();
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-engine-'));
  try {
    console.log(`engine overhead (${EP}, intra-op threads ${THREADS || 'default'}, spin-wait ${SPIN_WAIT ? 'on' : 'off'}, ${os.cpus().length} CPUs)`);
    await overhead('tiny', path.join(root, 'tiny'), {}, STEPS, REPS);
    await overhead('mid', path.join(root, 'mid'), MID_SIZE_OPTIONS, MID_STEPS, MID_REPS);
    await throughput(path.join(root, 'tiny'), STEPS);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
