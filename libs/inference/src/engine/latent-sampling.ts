import {
  denoiserFromUNet,
  epsilonModelFromUNet,
  latentNoise,
  planSampling,
  samplerNoise,
  SamplingCancelledError,
  type ModelSchedule,
  type NoiseSource,
  type ResolvedSampler,
  type UNetCall,
} from '../samplers';
import { CanceledRunError } from '../runner/job-runner';
import { LATENT_CHANNELS } from './guided-unet';

const { sqrt, floor, min, max } = Math;

export interface SamplingJob {
  resolved: ResolvedSampler;
  schedule: ModelSchedule;
  steps: number;
  /** One seed per image: image i's starting noise comes from seeds[i], its sampler noise from seeds[i] + delta. */
  seeds: readonly bigint[];
  etaNoiseSeedDelta?: number;
  latentHeight: number;
  latentWidth: number;
  /** img2img: the start image's latent (scaled by the VAE factor), shared by all images; strength in (0, 1). */
  init?: { latent: Float32Array; strength: number };
}

export interface SamplingControl {
  /** After each step (1-based `step` of `total`) with the step's denoised estimate of every image. */
  onStep?(step: number, total: number, denoised: Float32Array): void | Promise<void>;
  isCancelled?(): boolean | Promise<boolean>;
}

/** The grid a job steps over, cut for img2img. */
interface Grid {
  sigmas?: Float64Array;
  timesteps?: number[];
  total: number;
}

/**
 * img2img cut of the grid. Sigma samplers follow A1111: t_enc = ⌊min(strength, 0.999) · steps⌋ and the run starts
 * at sigmas[steps − t_enc − 1], so it takes t_enc + 1 steps. DDIM and UniPC follow diffusers: the last
 * max(1, ⌊steps · strength⌋) timesteps.
 */
function grid(job: SamplingJob): Grid {
  const plan = planSampling(job.resolved, job.schedule, job.steps);
  if (plan.space === 'sigma') {
    let sigmas = plan.sigmas;
    if (job.init) {
      const steps = sigmas.length - 1;
      const tEnc = floor(min(job.init.strength, 0.999) * steps);
      sigmas = sigmas.subarray(steps - tEnc - 1);
    }
    return { sigmas, total: sigmas.length - 1 };
  }
  let timesteps = plan.timesteps;
  if (job.init) {
    const keep = max(1, min(timesteps.length, floor(timesteps.length * job.init.strength)));
    timesteps = timesteps.slice(timesteps.length - keep);
  }
  return { timesteps, total: timesteps.length };
}

/** Steps a job will take (progress totals). */
export function samplingStepCount(job: SamplingJob): number {
  return grid(job).total;
}

/** Concatenates per-image noise streams so a batch of images samples as one vector, each with its own seed. */
function perImage(seeds: readonly bigint[], length: number, make: (seed: bigint) => () => Float32Array): () => Float32Array {
  const sources = seeds.map(make);
  return () => {
    const out = new Float32Array(seeds.length * length);
    sources.forEach((next, i) => out.set(next(), i * length));
    return out;
  };
}

/**
 * Runs the sampler over all images at once and returns their final latents (images one after the other). The
 * samplers are element-wise, so sampling images together gives each the same result as sampling it alone with the
 * same seed; the UNet call batches them.
 */
export async function sampleLatents(unet: UNetCall<Float32Array>, job: SamplingJob, control: SamplingControl = {}): Promise<Float32Array> {
  const length = LATENT_CHANNELS * job.latentHeight * job.latentWidth;
  const start = perImage(job.seeds, length, (seed) => () => latentNoise(seed, length, 'float32') as Float32Array)();
  const noiseDraw = perImage(job.seeds, length, (seed) => {
    const source = samplerNoise({ seed, etaNoiseSeedDelta: job.etaNoiseSeedDelta ?? 0, length, type: 'float32' });
    return () => source(0, 0) as Float32Array;
  });
  const noise: NoiseSource = () => noiseDraw();
  const g = grid(job);
  const init = job.init?.latent;
  const onStep = control.onStep ? (i: number, _x: Float32Array, denoised: Float32Array) => control.onStep?.(i + 1, g.total, denoised) : undefined;
  try {
    if (g.sigmas) {
      const sigma0 = g.sigmas[0];
      const x = new Float32Array(start.length);
      for (let i = 0; i < x.length; i++) x[i] = (init ? init[i % length] : 0) + start[i] * sigma0;
      if (job.resolved.sampler.space !== 'sigma') throw new Error('unreachable: sigma grid for a timestep sampler');
      return await job.resolved.sampler.sample({
        denoiser: denoiserFromUNet(job.schedule, unet),
        sigmas: g.sigmas,
        x,
        noise,
        onStep,
        isCancelled: control.isCancelled,
      });
    }
    const timesteps = g.timesteps as number[];
    let x = start;
    if (init) {
      const a = job.schedule.alphasCumprod[timesteps[0]];
      const sa = sqrt(a);
      const sb = sqrt(1 - a);
      x = new Float32Array(start.length);
      for (let i = 0; i < x.length; i++) x[i] = sa * init[i % length] + sb * start[i];
    }
    if (job.resolved.sampler.space !== 'timestep') throw new Error('unreachable: timestep grid for a sigma sampler');
    return await job.resolved.sampler.sample({
      model: epsilonModelFromUNet(job.schedule, unet),
      schedule: job.schedule,
      timesteps,
      numInferenceSteps: job.steps,
      x,
      noise,
      onStep,
      isCancelled: control.isCancelled,
    });
  } catch (e) {
    if (e instanceof SamplingCancelledError) throw new CanceledRunError();
    throw e;
  }
}
