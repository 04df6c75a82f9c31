import { samplerByKey } from './sampler-registry';
import type { SigmaSampler, SigmaSamplerKey } from './sampler.types';
import { counterNoise, flat, golden, recordingDenoiser } from './test-support/golden';
import { maxAbsDiff } from './vec';

/** Tighter than the 1e-9 contract: this port reaches ~1e-14 (see README). */
const TOLERANCE = 1e-12;

const KEYS = Object.keys(golden.k_diffusion) as SigmaSamplerKey[];
const RUNS = ['karras_10', 'exponential_10', 'normal_10', 'karras_4', 'exponential_4', 'normal_4'];

const cases = KEYS.flatMap((key) => RUNS.map((run) => [key, run] as const));

describe('sigma samplers against the golden vectors', () => {
  it('covers every sampler of the golden file', () => {
    expect(KEYS).toHaveLength(11);
    for (const key of KEYS) expect(samplerByKey(key).label).toBe(golden.k_diffusion[key].a1111_name);
  });

  it.each(cases)('%s on %s', async (key, runName) => {
    const ref = golden.k_diffusion[key].runs[runName];
    const sampler = samplerByKey(key) as SigmaSampler;
    expect(sampler.space).toBe('sigma');

    const xInit = Float64Array.from(flat(ref.x_init));
    const { denoiser, sigmas: calledSigmas } = recordingDenoiser<Float64Array>();
    const { noise, args } = counterNoise();
    const steps: Float64Array[] = [];
    const out = await sampler.sample({
      denoiser,
      sigmas: ref.sigmas,
      x: xInit,
      noise,
      onStep: (i, x) => {
        steps[i] = x;
      },
    });

    expect(maxAbsDiff(out, flat(ref.x_final))).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(steps[0], flat(ref.x_after_first_step))).toBeLessThanOrEqual(TOLERANCE);
    expect(steps).toHaveLength(ref.sigmas.length - 1);
    expect(calledSigmas).toHaveLength(ref.denoiser_calls);
    expect(maxAbsDiff(calledSigmas, ref.denoiser_sigmas)).toBeLessThanOrEqual(TOLERANCE);
    expect(sampler.modelCalls(ref.sigmas.length - 1)).toBe(ref.denoiser_calls);
    if (ref.noise_call_args) {
      expect(sampler.stochastic).toBe(true);
      expect(args).toHaveLength(ref.noise_calls ?? -1);
      expect(maxAbsDiff(args.flat(), ref.noise_call_args.flat())).toBeLessThanOrEqual(TOLERANCE);
    } else {
      expect(sampler.stochastic).toBe(false);
      expect(args).toHaveLength(0);
    }
    // The caller's start point is left untouched.
    expect(Array.from(xInit)).toEqual(flat(ref.x_init));
  });
});
