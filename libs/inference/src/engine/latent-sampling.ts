import {
  denoiserFromUNet,
  epsilonModelFromUNet,
  latentNoise,
  planSampling,
  samplerNoise,
  SamplingCancelledError,
  type EpsilonModel,
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
  /**
   * img2img: start latents (scaled by the VAE factor), one image's (shared by all) or one per image, one after the
   * other; strength in (0, 1]. `steps`: take exactly that many steps on a schedule stretched to ⌊steps / strength⌋
   * (A1111's hires-fix second pass) instead of ⌊strength · steps⌋ + 1 of the job's schedule.
   */
  init?: { latent: Float32Array; strength: number; steps?: number };
  /**
   * Inpainting: per latent pixel (latentHeight × latentWidth, the same for every image and channel) 1 where the
   * image is repainted and 0 where the start latent stays. As in A1111, every denoised estimate is blended with the
   * start latent under the mask, and so is the final result. Needs `init`.
   */
  mask?: Float32Array;
  /**
   * Start noise of every item (standard normals, items one after the other), replacing the seeds' latent noise; the
   * seeds still drive the per-step noise. AnimateDiff clips use it for their frame-correlated noise.
   */
  startNoise?: Float32Array;
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
  /** Steps of the schedule the grid was cut from. */
  scheduleSteps: number;
}

/**
 * img2img cut of the grid. Sigma samplers follow A1111: t_enc = ⌊min(strength, 0.999) · steps⌋ and the run starts
 * at sigmas[steps − t_enc − 1], so it takes t_enc + 1 steps. DDIM and UniPC follow diffusers: the last
 * max(1, ⌊steps · strength⌋) timesteps.
 */
function grid(job: SamplingJob): Grid {
  const exact = job.init?.steps;
  const strength = min(job.init?.strength ?? 1, 0.999);
  const scheduleSteps = exact ? (strength > 0 ? max(exact, floor(exact / strength)) : exact) : job.steps;
  const plan = planSampling(job.resolved, job.schedule, scheduleSteps);
  if (plan.space === 'sigma') {
    let sigmas = plan.sigmas;
    if (job.init) {
      const steps = sigmas.length - 1;
      const tEnc = exact ? min(exact, steps) - 1 : floor(strength * steps);
      sigmas = sigmas.subarray(steps - tEnc - 1);
    }
    return { sigmas, total: sigmas.length - 1, scheduleSteps };
  }
  let timesteps = plan.timesteps;
  if (job.init) {
    const keep = exact ? min(timesteps.length, exact) : max(1, min(timesteps.length, floor(timesteps.length * job.init.strength)));
    timesteps = timesteps.slice(timesteps.length - keep);
  }
  return { timesteps, total: timesteps.length, scheduleSteps };
}

/** Steps a job will take (progress totals). */
export function samplingStepCount(job: SamplingJob): number {
  return grid(job).total;
}

/** denoised ← init where the mask keeps the start latent (mask 0), denoised where it repaints (mask 1); in place. */
function blendUnderMask(denoised: Float32Array, init: Float32Array, mask: Float32Array): Float32Array {
  const plane = mask.length;
  for (let i = 0; i < denoised.length; i++) {
    const m = mask[i % plane];
    if (m !== 1) denoised[i] = init[i % init.length] * (1 - m) + denoised[i] * m;
  }
  return denoised;
}

/**
 * The sampler's start: a · init + b · noise per element (init repeats per image when it holds one latent; no init
 * reads as 0). Sigma samplers use a = 1, b = sigma0; timestep samplers √ᾱ and √(1−ᾱ).
 */
function noisedStart(noise: Float32Array, init: Float32Array | undefined, a: number, b: number): Float32Array {
  const x = new Float32Array(noise.length);
  if (!init) {
    for (let i = 0; i < x.length; i++) x[i] = 0 + noise[i] * b;
    return x;
  }
  for (let i = 0; i < x.length; i++) x[i] = a * init[i % init.length] + b * noise[i];
  return x;
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
 * The timestep samplers' noise prediction with the mask applied to the denoised estimate it implies
 * (x0 = (x − √(1−ᾱ)·ε) / √ᾱ, blended, turned back into ε): the same blend as the sigma samplers get.
 */
function maskedEpsilonModel(model: EpsilonModel<Float32Array>, schedule: ModelSchedule, init: Float32Array, mask: Float32Array): EpsilonModel<Float32Array> {
  return async (x, t) => {
    const eps = await model(x, t);
    const a = schedule.alphasCumprod[t];
    return maskedEpsilon(x, eps, sqrt(a), sqrt(1 - a), init, mask);
  };
}

/** x0 = (x − sb·ε) / sa, blended under the mask, and the ε that this x0 implies: (x − sa·x0) / sb. */
function maskedEpsilon(x: Float32Array, eps: Float32Array, sa: number, sb: number, init: Float32Array, mask: Float32Array): Float32Array {
  const x0 = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) x0[i] = (x[i] - sb * eps[i]) / sa;
  blendUnderMask(x0, init, mask);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = (x[i] - sa * x0[i]) / sb;
  return out;
}

/**
 * Runs the sampler over all images at once and returns their final latents (images one after the other). The
 * samplers are element-wise, so sampling images together gives each the same result as sampling it alone with the
 * same seed; the UNet call batches them.
 */
export async function sampleLatents(unet: UNetCall<Float32Array>, job: SamplingJob, control: SamplingControl = {}): Promise<Float32Array> {
  const length = LATENT_CHANNELS * job.latentHeight * job.latentWidth;
  if (job.startNoise && job.startNoise.length !== job.seeds.length * length) throw new Error(`startNoise holds ${job.startNoise.length} values for ${job.seeds.length} items of ${length}`);
  const start = job.startNoise ?? perImage(job.seeds, length, (seed) => () => latentNoise(seed, length, 'float32') as Float32Array)();
  const noiseDraw = perImage(job.seeds, length, (seed) => {
    const source = samplerNoise({ seed, etaNoiseSeedDelta: job.etaNoiseSeedDelta ?? 0, length, type: 'float32' });
    return () => source(0, 0) as Float32Array;
  });
  const noise: NoiseSource = () => noiseDraw();
  const g = grid(job);
  const init = job.init?.latent;
  const mask = init && job.mask ? job.mask : undefined;
  if (job.mask && !init) throw new Error('an inpainting mask needs start latents');
  const onStep = control.onStep ? (i: number, _x: Float32Array, denoised: Float32Array) => control.onStep?.(i + 1, g.total, denoised) : undefined;
  try {
    if (g.sigmas) {
      const sigma0 = g.sigmas[0];
      const x = noisedStart(start, init, 1, sigma0);
      if (job.resolved.sampler.space !== 'sigma') throw new Error('unreachable: sigma grid for a timestep sampler');
      const plain = denoiserFromUNet(job.schedule, unet);
      const denoiser = mask && init ? async (v: Float32Array, sigma: number) => blendUnderMask(await plain(v, sigma), init, mask) : plain;
      const out = await job.resolved.sampler.sample({
        denoiser,
        sigmas: g.sigmas,
        x,
        noise,
        onStep,
        isCancelled: control.isCancelled,
      });
      return mask && init ? blendUnderMask(out, init, mask) : out;
    }
    const timesteps = g.timesteps as number[];
    let x = start;
    if (init) {
      const a = job.schedule.alphasCumprod[timesteps[0]];
      const sa = sqrt(a);
      const sb = sqrt(1 - a);
      x = noisedStart(start, init, sa, sb);
    }
    if (job.resolved.sampler.space !== 'timestep') throw new Error('unreachable: timestep grid for a sigma sampler');
    const plain = epsilonModelFromUNet(job.schedule, unet);
    const out = await job.resolved.sampler.sample({
      model: mask && init ? maskedEpsilonModel(plain, job.schedule, init, mask) : plain,
      schedule: job.schedule,
      timesteps,
      numInferenceSteps: g.scheduleSteps,
      x,
      noise,
      onStep,
      isCancelled: control.isCancelled,
    });
    return mask && init ? blendUnderMask(out, init, mask) : out;
  } catch (e) {
    if (e instanceof SamplingCancelledError) throw new CanceledRunError();
    throw e;
  }
}
