/*
 * Batching throughput: images/s of full txt2img jobs (OnnxJobRunner, PNG outputs) for count 1..4, with the UNet
 * batch of all images × cond/uncond in one call per step ("batched", the default) vs one call per image and branch
 * (`maxUNetBatch: 1`, "unbatched"), alternating runs in one process. Ratios: batched / unbatched at the same
 * count, and each against the unbatched count-1 baseline (images/s of single-image jobs) measured in the same run.
 * Run: node -r @swc-node/register bench/batching.bench.ts
 * Env: STEPS (20), REPS (3, best of), SIZE (512), MID (0; 1 adds the mid-size model), THREADS (0 = default), EP
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseCreateJobRequest, type CreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner, type ExecutionProviderName, type OnnxJobRunner, type RunnerModel } from '@darkroom/inference';
import { generateTinySd15, MID_SIZE_OPTIONS, type TinyModelOptions } from '@darkroom/testing';

const STEPS = Number(process.env.STEPS ?? 20);
const REPS = Number(process.env.REPS ?? 3);
const SIZE = Number(process.env.SIZE ?? 512);
const MID = process.env.MID === '1';
const THREADS = Number(process.env.THREADS ?? 0);
const EP = (process.env.EP ?? 'cpu') as ExecutionProviderName;

function request(count: number, seed: number): CreateJobRequest {
  const parsed = parseCreateJobRequest({
    requestId: `bench-batching-${seed}`,
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed, count } },
      {
        type: 'DIFFUSION',
        diffusion: { prompts: [{ text: 'a photo of a cat on a red sofa' }], negativePrompts: [{ text: 'blurry' }], steps: STEPS, sampler: 'Euler a', width: 512, height: 512 },
      },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  const d = parsed.value.stages[1].diffusion!;
  d.width = SIZE;
  d.height = SIZE;
  return parsed.value;
}

/** Wall ms of one job and its UNet calls. */
async function job(runner: OnnxJobRunner, model: RunnerModel, count: number): Promise<{ ms: number; unetCalls: number }> {
  runner.stats.reset();
  const started = performance.now();
  const out = await runner.run(
    { jobId: 'bench', request: request(count, 42), models: [model], loadResource: async () => Buffer.alloc(0) },
    { onProgress: () => undefined, isCancelled: () => false },
  );
  const ms = performance.now() - started;
  if (out.length !== count) throw new Error(`expected ${count} images, got ${out.length}`);
  return { ms, unetCalls: runner.stats.byComponent.get('unet')?.calls ?? 0 };
}

async function measure(label: string, dir: string, opts: TinyModelOptions): Promise<void> {
  await generateTinySd15(dir, opts);
  const model: RunnerModel = { id: label, kind: 'CHECKPOINT', name: label, baseModel: 'SD1', path: dir };
  const options = { executionProvider: EP, intraOpThreads: THREADS || undefined, previewEveryMs: -1 };
  const batched = createOnnxJobRunner(options);
  const unbatched = createOnnxJobRunner({ ...options, maxUNetBatch: 1 });
  try {
    // Warm-up: sessions, tokenizer, ONNX Runtime's per-shape allocations for every batch size used below.
    for (let count = 1; count <= 4; count++) {
      await job(batched, model, count);
      await job(unbatched, model, count);
    }
    const rows: { count: number; b: number; u: number; bCalls: number; uCalls: number }[] = [];
    for (let count = 1; count <= 4; count++) {
      let b = Infinity;
      let u = Infinity;
      let bCalls = 0;
      let uCalls = 0;
      for (let r = 0; r < REPS; r++) {
        const x = await job(batched, model, count);
        const y = await job(unbatched, model, count);
        b = Math.min(b, x.ms);
        u = Math.min(u, y.ms);
        bCalls = x.unetCalls;
        uCalls = y.unetCalls;
      }
      rows.push({ count, b: (count * 1000) / b, u: (count * 1000) / u, bCalls, uCalls });
    }
    const baseline = rows[0].u;
    console.log(`${label}: ${SIZE}², ${STEPS} steps, Euler a, CFG 7, best of ${REPS} alternating runs; baseline = unbatched count 1 = ${baseline.toFixed(2)} img/s`);
    console.log('  count | batched img/s (UNet calls) | unbatched img/s (UNet calls) | batched/unbatched | batched/baseline | unbatched/baseline');
    for (const r of rows) {
      console.log(
        `  ${r.count}     | ${r.b.toFixed(2).padStart(6)} (${r.bCalls})`.padEnd(36) +
          `| ${r.u.toFixed(2).padStart(6)} (${r.uCalls})`.padEnd(31) +
          `| ${(r.b / r.u).toFixed(2)}×              | ${(r.b / baseline).toFixed(2)}×            | ${(r.u / baseline).toFixed(2)}×`,
      );
    }
  } finally {
    await Promise.all([batched.close(), unbatched.close()]);
  }
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-batching-'));
  try {
    console.log(`batching throughput (${EP}, intra-op threads ${THREADS || 'default'}, ${os.cpus().length} CPUs)`);
    await measure('tiny', path.join(root, 'tiny'), {});
    if (MID) await measure('mid', path.join(root, 'mid'), MID_SIZE_OPTIONS);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
