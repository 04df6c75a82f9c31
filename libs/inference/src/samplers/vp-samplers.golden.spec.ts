import { ddimSampler } from './ddim.sampler';
import { ModelSchedule } from './model-schedule';
import { counterNoise, flat, golden, toyEpsilonModel, toyX0 } from './test-support/golden';
import { unipcSampler, unipcSigmas } from './unipc.sampler';
import { maxAbsDiff } from './vec';

/** Tighter than the 1e-9 contract: this port reaches ~1e-15 (see README). */
const TOLERANCE = 1e-12;

describe('timestep samplers against the golden vectors', () => {
  // SD 1.x scheduler config: leading spacing with offset 1 for DDIM; UniPC keeps its linspace default.
  const schedule = ModelSchedule.sd1();

  it('the start point is the rebuilt toy x0', () => {
    expect(maxAbsDiff(toyX0(), flat(golden.x0))).toBe(0);
    expect(maxAbsDiff(toyX0(), flat(golden.diffusers.ddim.runs.n10.x_init))).toBe(0);
  });

  it.each([
    ['ddim', 'n10'],
    ['ddim', 'n4'],
    ['unipc', 'n10'],
    ['unipc', 'n4'],
  ] as const)('%s %s', async (key, runName) => {
    const ref = golden.diffusers[key].runs[runName];
    const sampler = key === 'ddim' ? ddimSampler : unipcSampler;
    const steps = ref.timesteps.length;
    const timesteps = sampler.timesteps(schedule, steps);
    expect(timesteps).toEqual(ref.timesteps);
    if (ref.sigmas) expect(maxAbsDiff(unipcSigmas(schedule, timesteps), ref.sigmas)).toBeLessThanOrEqual(1e-14);

    const { model, timesteps: called } = toyEpsilonModel<Float64Array>(schedule);
    const { noise, args } = counterNoise();
    const seen: Float64Array[] = [];
    const denoised: Float64Array[] = [];
    const out = await sampler.sample({
      model,
      schedule,
      timesteps,
      x: toyX0(),
      noise,
      onStep: (i, x, d) => {
        seen[i] = x;
        denoised[i] = d;
      },
    });
    expect(maxAbsDiff(seen[0], flat(ref.x_after_first_step))).toBeLessThanOrEqual(TOLERANCE);
    expect(maxAbsDiff(out, flat(ref.x_final))).toBeLessThanOrEqual(TOLERANCE);
    expect(called).toEqual(ref.timesteps);
    expect(called).toHaveLength(ref.denoiser_calls);
    expect(sampler.modelCalls(steps)).toBe(ref.denoiser_calls);
    expect(args).toHaveLength(0);
    expect(denoised).toHaveLength(steps);
  });
});
