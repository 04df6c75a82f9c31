import { dpmpp2mSampler } from './dpmpp-2m.sampler';
import { ddimSampler } from './ddim.sampler';
import { eulerAncestralSampler } from './euler-ancestral.sampler';
import { heunSampler } from './heun.sampler';
import { lmsCoefficient } from './lms.sampler';
import { ModelSchedule } from './model-schedule';
import { ancestralStep } from './sampler-loop';
import { SamplingCancelledError } from './sampler.errors';
import { karrasSigmas } from './schedules';
import { recordingDenoiser, toyEpsilonModel, toyX0 } from './test-support/golden';
import { unipcSampler } from './unipc.sampler';

const sd1 = ModelSchedule.sd1();
const sigmas = karrasSigmas(6, sd1.sigmaMin, sd1.sigmaMax);

describe('the sampler loop', () => {
  it('stops before the next step when cancelled and reports which one', async () => {
    const { denoiser, sigmas: called } = recordingDenoiser<Float64Array>();
    let steps = 0;
    const run = heunSampler.sample({
      denoiser,
      sigmas,
      x: toyX0(),
      onStep: () => {
        steps++;
      },
      isCancelled: () => steps === 2,
    });
    await expect(run).rejects.toBeInstanceOf(SamplingCancelledError);
    await expect(run).rejects.toMatchObject({ step: 2, code: 'SAMPLING_CANCELLED' });
    expect(called).toHaveLength(4); // two full Heun steps, nothing of the third
  });

  it('awaits an async cancellation check and async step callbacks', async () => {
    const { model } = toyEpsilonModel<Float64Array>(sd1);
    const order: string[] = [];
    const run = unipcSampler.sample({
      model,
      schedule: sd1,
      timesteps: [999, 749, 500, 250],
      x: toyX0(),
      onStep: async (i) => {
        await new Promise((r) => setTimeout(r, 1));
        order.push(`step ${i}`);
      },
      isCancelled: async () => order.length >= 3,
    });
    await expect(run).rejects.toMatchObject({ step: 3 });
    expect(order).toEqual(['step 0', 'step 1', 'step 2']);
  });

  it('reports every step with arrays that later steps do not overwrite', async () => {
    const { denoiser } = recordingDenoiser<Float64Array>();
    const seen: Float64Array[] = [];
    const copies: number[][] = [];
    const out = await dpmpp2mSampler.sample({
      denoiser,
      sigmas,
      x: toyX0(),
      onStep: (_, x) => {
        seen.push(x);
        copies.push(Array.from(x));
      },
    });
    expect(seen).toHaveLength(6);
    seen.forEach((x, i) => expect(Array.from(x)).toEqual(copies[i]));
    expect(Array.from(out)).toEqual(copies[5]);
  });

  it('needs a noise source only when eta > 0', async () => {
    const { denoiser } = recordingDenoiser<Float64Array>();
    await expect(eulerAncestralSampler.sample({ denoiser, sigmas, x: toyX0() })).rejects.toThrow(/noise source/);
    const deterministic = await eulerAncestralSampler.sample({ denoiser, sigmas, x: toyX0(), eta: 0 });
    const euler = await (await import('./euler.sampler')).eulerSampler.sample({ denoiser, sigmas, x: toyX0() });
    expect(Array.from(deterministic)).toEqual(Array.from(euler));
  });

  it('rejects noise of the wrong size', async () => {
    const { denoiser } = recordingDenoiser<Float64Array>();
    const run = eulerAncestralSampler.sample({ denoiser, sigmas, x: toyX0(), noise: () => new Float64Array(3) });
    await expect(run).rejects.toThrow(RangeError);
  });

  it('DDIM with eta > 0 adds noise and draws once per step', async () => {
    const { model } = toyEpsilonModel<Float64Array>(sd1);
    let draws = 0;
    const noise = () => {
      draws++;
      return new Float64Array(16).fill(0.5);
    };
    const timesteps = ddimSampler.timesteps(sd1, 5);
    const noisy = await ddimSampler.sample({ model, schedule: sd1, timesteps, x: toyX0(), eta: 1, noise });
    const plain = await ddimSampler.sample({ model, schedule: sd1, timesteps, x: toyX0() });
    expect(draws).toBe(5);
    expect(Array.from(noisy)).not.toEqual(Array.from(plain));
  });
});

describe('step math', () => {
  it('ancestral steps split the variance exactly', () => {
    const { sigmaDown, sigmaUp } = ancestralStep(5, 3);
    expect(sigmaDown ** 2 + sigmaUp ** 2).toBeCloseTo(9, 12);
    expect(ancestralStep(5, 3, 0)).toEqual({ sigmaDown: 3, sigmaUp: 0 });
    expect(ancestralStep(5, 0)).toEqual({ sigmaDown: 0, sigmaUp: 0 });
    // eta large: sigma_up is capped at sigma_to.
    expect(ancestralStep(5, 3, 10).sigmaUp).toBe(3);
  });

  it('LMS coefficients integrate the Lagrange basis exactly', () => {
    const s = [10, 6, 3, 1.5, 0.5, 0];
    for (let i = 0; i < 5; i++) {
      const order = Math.min(i + 1, 4);
      let sum = 0;
      for (let j = 0; j < order; j++) sum += lmsCoefficient(order, s, i, j);
      // The basis sums to 1, so the coefficients sum to the step length.
      expect(sum).toBeCloseTo(s[i + 1] - s[i], 13);
    }
    // Order 2 over nodes 6 and 10, from 6 to 3: ∫ (τ-10)/(6-10) dτ = -4.125 and ∫ (τ-6)/(10-6) dτ = 1.125.
    expect(lmsCoefficient(2, s, 1, 0)).toBeCloseTo(-4.125, 13);
    expect(lmsCoefficient(2, s, 1, 1)).toBeCloseTo(1.125, 13);
    expect(() => lmsCoefficient(3, s, 1, 0)).toThrow(RangeError);
  });
});
