import { dpmpp2mSampler } from './dpmpp-2m.sampler';
import { dpmppSdeSampler } from './dpmpp-sde.sampler';
import { eulerAncestralSampler } from './euler-ancestral.sampler';
import { ModelSchedule } from './model-schedule';
import type { SigmaSampler } from './sampler.types';
import { karrasSigmas } from './schedules';
import { counterNoise, recordingDenoiser, toyEpsilonModel, toyX0 } from './test-support/golden';
import { unipcSampler } from './unipc.sampler';
import { maxAbsDiff, type Vec } from './vec';

const sd1 = ModelSchedule.sd1();
const sigmas = karrasSigmas(20, sd1.sigmaMin, sd1.sigmaMax);
const LENGTH = 64;

function start(type: 'float32' | 'float64'): Vec {
  const x = Float64Array.from({ length: LENGTH }, (_, i) => Math.sin(1.3 * (i + 1)) * sigmas[0]);
  return type === 'float32' ? Float32Array.from(x) : x;
}

function relativeError(a: Vec, b: Vec): number {
  let scale = 0;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  return maxAbsDiff(a, b) / scale;
}

describe('float32 runs use the same code as float64 runs', () => {
  it.each<[string, SigmaSampler]>([
    ['DPM++ 2M', dpmpp2mSampler],
    ['Euler a', eulerAncestralSampler],
    ['DPM++ SDE', dpmppSdeSampler],
  ])('%s agrees within 1e-5 relative', async (_, sampler) => {
    const r64 = await sampler.sample({
      denoiser: recordingDenoiser<Float64Array>().denoiser,
      sigmas,
      x: start('float64') as Float64Array,
      noise: counterNoise(LENGTH).noise,
    });
    const r32 = await sampler.sample({
      denoiser: recordingDenoiser<Float32Array>().denoiser,
      sigmas,
      x: start('float32') as Float32Array,
      noise: counterNoise(LENGTH, 'float32').noise,
    });
    expect(r32).toBeInstanceOf(Float32Array);
    expect(r64).toBeInstanceOf(Float64Array);
    const err = relativeError(r32, r64);
    expect(err).toBeLessThan(1e-5);
    expect(err).toBeGreaterThan(0); // it really ran in single precision
  });

  it('UniPC agrees within 1e-5 relative', async () => {
    const timesteps = unipcSampler.timesteps(sd1, 12);
    const x64 = Float64Array.from({ length: LENGTH }, (_, i) => Math.sin(1.3 * (i + 1)));
    const r64 = await unipcSampler.sample({ model: toyEpsilonModel<Float64Array>(sd1).model, schedule: sd1, timesteps, x: x64 });
    const r32 = await unipcSampler.sample({
      model: toyEpsilonModel<Float32Array>(sd1).model,
      schedule: sd1,
      timesteps,
      x: Float32Array.from(x64),
    });
    expect(r32).toBeInstanceOf(Float32Array);
    expect(relativeError(r32, r64)).toBeLessThan(1e-5);
  });
});
