import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Denoiser, EpsilonModel, NoiseSource } from '../sampler.types';
import type { ModelSchedule } from '../model-schedule';
import { like, type Vec } from '../vec';

/** A run record of a sigma-space sampler in the golden file. */
export interface GoldenKRun {
  sigmas: number[];
  x_init: number[][];
  x_after_first_step: number[][];
  x_final: number[][];
  denoiser_calls: number;
  denoiser_sigmas: number[];
  noise_calls?: number;
  noise_call_args?: [number, number][];
}

export interface GoldenVpRun {
  timesteps: number[];
  sigmas?: number[];
  x_init: number[][];
  x_after_first_step: number[][];
  x_final: number[][];
  denoiser_calls: number;
}

export interface GoldenFile {
  model_schedule: {
    num_train_timesteps: number;
    beta_start: number;
    beta_end: number;
    sigma_min: number;
    sigma_max: number;
    sigma_at_t: Record<string, number>;
    alphas_cumprod_at_t: Record<string, number>;
  };
  toy_denoiser: { c: number; d: number };
  x0: number[][] | number[];
  noise_first_two: number[][];
  schedules: Record<string, number[]>;
  k_diffusion: Record<string, { a1111_name: string; kwargs: Record<string, unknown>; runs: Record<string, GoldenKRun> }>;
  diffusers: Record<'ddim' | 'unipc', { runs: Record<'n10' | 'n4', GoldenVpRun> }>;
}

/** The reference vectors (a read-only copy of darkroom's shared golden file). */
export const golden: GoldenFile = JSON.parse(
  readFileSync(join(__dirname, '..', 'testdata', 'samplers.golden.json'), 'utf8'),
) as GoldenFile;

/** Flattens a [1, 16] (or flat) array from the JSON. */
export function flat(v: number[][] | number[]): number[] {
  return (v as (number | number[])[]).flat();
}

/** The toy start point x0[i] = sin(1.3 (i + 1)), rebuilt rather than read. */
export function toyX0(length = 16): Float64Array {
  return Float64Array.from({ length }, (_, i) => Math.sin(1.3 * (i + 1)));
}

const C = 0.8;
const D = 0.5;

/** The toy denoiser: D(x, sigma) = 0.8 tanh(x) + 0.5 x / (1 + sigma²), elementwise. */
export function toyDenoise<V extends Vec>(x: V, sigma: number): V {
  const out = like(x);
  for (let i = 0; i < x.length; i++) out[i] = C * Math.tanh(x[i]) + (D * x[i]) / (1 + sigma ** 2);
  return out;
}

/** The toy denoiser that records the sigma of each call. */
export function recordingDenoiser<V extends Vec>(): { denoiser: Denoiser<V>; sigmas: number[] } {
  const sigmas: number[] = [];
  return {
    sigmas,
    denoiser: async (x, sigma) => {
      sigmas.push(sigma);
      return toyDenoise(x, sigma);
    },
  };
}

/** The counter noise: call k returns cos(7.1 k + 0.37 i); records its arguments. */
export function counterNoise(length = 16, type: 'float64' | 'float32' = 'float64'): { noise: NoiseSource; args: [number, number][] } {
  const args: [number, number][] = [];
  return {
    args,
    noise: (sigma, sigmaNext) => {
      const k = args.length;
      args.push([sigma, sigmaNext]);
      const out = type === 'float32' ? new Float32Array(length) : new Float64Array(length);
      for (let i = 0; i < length; i++) out[i] = Math.cos(7.1 * k + 0.37 * i);
      return out;
    },
  };
}

/**
 * The epsilon model built from the toy denoiser in VP space at integer timestep t:
 * s = sigma_t, x_k = x sqrt(1 + s²), eps = (x_k - D(x_k, s)) / s.
 */
export function toyEpsilonModel<V extends Vec>(schedule: ModelSchedule): { model: EpsilonModel<V>; timesteps: number[] } {
  const timesteps: number[] = [];
  return {
    timesteps,
    model: async (x, t) => {
      timesteps.push(t);
      const s = schedule.sigmas[t];
      const scale = Math.sqrt(1 + s ** 2);
      const xk = like(x);
      for (let i = 0; i < x.length; i++) xk[i] = x[i] * scale;
      const den = toyDenoise(xk, s);
      const eps = like(x);
      for (let i = 0; i < x.length; i++) eps[i] = (xk[i] - den[i]) / s;
      return eps;
    },
  };
}
