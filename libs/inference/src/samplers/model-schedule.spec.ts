import { ModelSchedule } from './model-schedule';
import { SamplerConfigError } from './sampler.errors';
import { golden } from './test-support/golden';

describe('ModelSchedule', () => {
  const sd1 = ModelSchedule.sd1();
  const ref = golden.model_schedule;

  it('matches the SD1 scaled_linear spot values', () => {
    expect(sd1.numTrainTimesteps).toBe(ref.num_train_timesteps);
    expect(Math.abs(sd1.sigmaMin - ref.sigma_min)).toBeLessThanOrEqual(1e-15);
    expect(Math.abs(sd1.sigmaMax - ref.sigma_max) / ref.sigma_max).toBeLessThanOrEqual(1e-14);
    for (const [t, v] of Object.entries(ref.sigma_at_t)) {
      expect(Math.abs(sd1.sigmas[Number(t)] - v) / v).toBeLessThanOrEqual(1e-14);
    }
    for (const [t, v] of Object.entries(ref.alphas_cumprod_at_t)) {
      expect(Math.abs(sd1.alphasCumprod[Number(t)] - v) / v).toBeLessThanOrEqual(1e-14);
    }
  });

  it('maps sigma to timestep and back by log-sigma interpolation', () => {
    for (const t of [0, 1, 250, 333.25, 500.5, 998.75, 999]) {
      const sigma = sd1.timestepToSigma(t);
      expect(sd1.sigmaToTimestep(sigma)).toBeCloseTo(t, 9);
    }
    expect(sd1.sigmaToTimestep(sd1.sigmas[777])).toBeCloseTo(777, 10);
    // Below sigma_min and above sigma_max the timestep clamps.
    expect(sd1.sigmaToTimestep(1e-4)).toBe(0);
    expect(sd1.sigmaToTimestep(100)).toBe(999);
    // Halfway in log-sigma between two training steps is halfway in t.
    const mid = Math.exp((sd1.logSigmas[10] + sd1.logSigmas[11]) / 2);
    expect(sd1.sigmaToTimestep(mid)).toBeCloseTo(10.5, 12);
  });

  it('reads a diffusers scheduler config (SD2 v-prediction)', () => {
    const sd2 = ModelSchedule.fromConfig({
      _class_name: 'DDIMScheduler',
      beta_start: 0.00085,
      beta_end: 0.012,
      beta_schedule: 'scaled_linear',
      num_train_timesteps: 1000,
      prediction_type: 'v_prediction',
      steps_offset: 1,
      set_alpha_to_one: false,
      clip_sample: false,
    });
    expect(sd2.predictionType).toBe('v_prediction');
    expect(sd2.options.stepsOffset).toBe(1);
    expect(sd2.options.timestepSpacing).toBeUndefined();
    expect(sd2.sigmas[999]).toBe(sd1.sigmas[999]);
    expect(sd2.finalAlphaCumprod).toBe(sd2.alphasCumprod[0]);
  });

  it('reads SDXL-style spacing and a linear beta schedule', () => {
    const xl = ModelSchedule.fromConfig({ timestep_spacing: 'leading', steps_offset: 1 });
    expect(xl.options.timestepSpacing).toBe('leading');
    const lin = ModelSchedule.fromConfig({ beta_schedule: 'linear', beta_start: 0.0001, beta_end: 0.02 });
    expect(lin.betas[0]).toBeCloseTo(0.0001, 15);
    expect(lin.betas[999]).toBeCloseTo(0.02, 15);
    expect(ModelSchedule.fromConfig({ set_alpha_to_one: true }).finalAlphaCumprod).toBe(1);
  });

  it('rounds the table to float32 on request, within 1e-6 of the float64 one', () => {
    const f32 = ModelSchedule.sd1({ precision: 'float32' });
    expect(Math.fround(f32.sigmas[500])).toBe(f32.sigmas[500]);
    expect(Math.abs(f32.sigmas[500] - sd1.sigmas[500]) / sd1.sigmas[500]).toBeLessThan(1e-6);
    expect(f32.sigmas[500]).not.toBe(sd1.sigmas[500]);
  });

  it('refuses unsupported configs with a listing error', () => {
    expect(() => ModelSchedule.fromConfig({ beta_schedule: 'squaredcos_cap_v2' })).toThrow(SamplerConfigError);
    try {
      ModelSchedule.fromConfig({ prediction_type: 'sample' });
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(SamplerConfigError);
      expect((e as SamplerConfigError).code).toBe('INVALID_MODEL_SCHEDULE');
      expect((e as SamplerConfigError).supported).toEqual(['epsilon', 'v_prediction']);
    }
  });
});
