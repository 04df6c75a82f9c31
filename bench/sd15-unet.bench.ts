/*
 * The UNet loop at SD1.5's real cost: a model whose UNet has SD1.5's architecture and 859,520,964 weights (random,
 * float16; `generateSd15ScaleModel`), txt2img at 512² for 20 and 50 steps with CFG through OnnxJobRunner, against a
 * raw loop of the same UNet's `session.run` with the same batch (cond + uncond) and session options, same run.
 * Engine it/s = steps ÷ (job wall time − text encoder and VAE session time): everything else the engine does
 * (sampler, guidance, conversions, PNG) counts against it. Meant for a GPU (EP=webgpu|cuda; `bench/device/gpu-check.sh`
 * runs it on the machine the `device` tool lends); on the CPU it defaults to base width 32 (same architecture).
 * Run: node -r @swc-node/register bench/sd15-unet.bench.ts
 * Env: EP (cpu|cuda|webgpu; default cpu), BASE (320 on a GPU, 32 on the CPU), SIZE (512), STEPS ("20,50" on a GPU,
 *      "4,8" on the CPU), REPS (2 on a GPU, 1 on the CPU), COMPUTE (float16|float32: what the UNet computes in;
 *      default float16 on a GPU, float32 on the CPU, whose provider has few half-precision kernels)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ort from 'onnxruntime-node';
import { parseCreateJobRequest } from '@darkroom/contracts';
import { createOnnxJobRunner, sessionOptions, toFloat16, type ExecutionProviderName, type OnnxJobRunner, type RunnerModel } from '@darkroom/inference';
import { generateSd15ScaleModel, SD15_CONTEXT_DIM } from '@darkroom/testing';

const EP = (process.env.EP ?? 'cpu') as ExecutionProviderName;
const GPU = EP !== 'cpu';
// The full-width UNet at 20 and 50 steps is far too much work for a 2-core CPU: there the defaults are a tenth of the width.
const BASE = Number(process.env.BASE ?? (GPU ? 320 : 32));
const SIZE = Number(process.env.SIZE ?? 512);
const STEPS = (process.env.STEPS ?? (GPU ? '20,50' : '4,8')).split(',').map(Number);
const REPS = Number(process.env.REPS ?? (GPU ? 2 : 1));
const COMPUTE = (process.env.COMPUTE ?? (GPU ? 'float16' : 'float32')) as 'float16' | 'float32';
const CFG_BATCH = 2;
const TOKENS = 77;

async function engineJob(runner: OnnxJobRunner, model: RunnerModel, steps: number, seed: number): Promise<{ wallMs: number; loopMs: number; unetMs: number }> {
  const parsed = parseCreateJobRequest({
    requestId: `sd15-${seed}`,
    stages: [
      { type: 'INPUT_INITIALIZE', inputInitialize: { seed, count: 1 } },
      { type: 'DIFFUSION', diffusion: { prompts: [{ text: 'a lighthouse on a cliff at dusk' }], negativePrompts: [{ text: 'blurry' }], steps, sampler: 'DPM++ 2M', cfgScale: 7, width: SIZE, height: SIZE } },
    ],
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.issues));
  runner.stats.reset();
  const started = performance.now();
  await runner.run(
    { jobId: `sd15-${seed}`, request: parsed.value, models: [model], loadResource: async () => Buffer.alloc(0) },
    { onProgress: () => undefined, isCancelled: () => false },
  );
  const wallMs = performance.now() - started;
  const ms = (component: string) => runner.stats.byComponent.get(component)?.ms ?? 0;
  return { wallMs, loopMs: wallMs - ms('text_encoder') - ms('vae_decoder'), unetMs: ms('unet') };
}

/** `steps` UNet runs back to back with the engine's session options and the batch a CFG step feeds. */
async function rawLoop(session: ort.InferenceSession, steps: number): Promise<number> {
  const latent = SIZE / 8;
  // The model's inputs are float16 whatever it computes in.
  const float = (n: number, dims: number[]) => new ort.Tensor('float16', toFloat16(Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37))), dims);
  const feeds = {
    sample: float(CFG_BATCH * 4 * latent * latent, [CFG_BATCH, 4, latent, latent]),
    encoder_hidden_states: float(CFG_BATCH * TOKENS * SD15_CONTEXT_DIM, [CFG_BATCH, TOKENS, SD15_CONTEXT_DIM]),
  };
  const started = performance.now();
  for (let i = 0; i < steps; i++) {
    await session.run({ ...feeds, timestep: new ort.Tensor('int64', [BigInt(999 - Math.floor((i * 999) / steps))], [1]) });
  }
  return performance.now() - started;
}

async function main(): Promise<void> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'darkroom-bench-sd15-'));
  try {
    const generated = performance.now();
    const desc = await generateSd15ScaleModel(path.join(root, 'sd15'), { baseChannels: BASE, float16: true, computeType: COMPUTE });
    console.log(
      `SD1.5-architecture UNet, base width ${BASE}: ${desc.unetWeights.toLocaleString('en')} weights, ${(desc.unetBytes / 2 ** 20).toFixed(0)} MiB (float16, computes in ${COMPUTE}); ` +
        `generated in ${((performance.now() - generated) / 1000).toFixed(1)} s; ${EP}, ${SIZE}², CFG batch ${CFG_BATCH}, ${os.cpus().length} CPUs`,
    );
    const model: RunnerModel = { id: 'sd15-scale', kind: 'CHECKPOINT', name: 'sd15-scale', baseModel: 'SD1', path: desc.dir };
    const runner = createOnnxJobRunner({ executionProvider: EP });
    const loaded = performance.now();
    await engineJob(runner, model, 2, 1); // loads the sessions and warms the provider
    console.log(`engine: first 2-step job (session loads included) ${((performance.now() - loaded) / 1000).toFixed(1)} s`);
    const raw = await ort.InferenceSession.create(path.join(desc.dir, 'unet', 'model.onnx'), sessionOptions({ executionProvider: EP }));
    await rawLoop(raw, 2);

    console.log('steps | engine it/s (loop) | engine UNet session it/s | raw session.run loop it/s | engine ÷ raw');
    for (const steps of STEPS) {
      let engine = Infinity;
      let engineUnet = Infinity;
      let rawBest = Infinity;
      for (let r = 0; r < REPS; r++) {
        const e = await engineJob(runner, model, steps, 10 + r);
        engine = Math.min(engine, e.loopMs);
        engineUnet = Math.min(engineUnet, e.unetMs);
        rawBest = Math.min(rawBest, await rawLoop(raw, steps));
      }
      const its = (ms: number) => (steps * 1000) / ms;
      console.log(`${String(steps).padStart(5)} | ${its(engine).toFixed(2)} | ${its(engineUnet).toFixed(2)} | ${its(rawBest).toFixed(2)} | ${(its(engine) / its(rawBest)).toFixed(3)}×`);
    }
    await raw.release();
    await runner.close();
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
