import { ModelSchedule } from './model-schedule';
import { SamplerConfigError } from './sampler.errors';
import { computeSigmas, exponentialSigmas, karrasSigmas, normalSigmas, parseScheduleName } from './schedules';
import { golden } from './test-support/golden';
import { ddimTimesteps, unipcTimesteps } from './timesteps';
import { maxAbsDiff } from './vec';

describe('step schedules', () => {
  const sd1 = ModelSchedule.sd1();

  it.each([10, 4])('karras, exponential and normal match the reference for n = %i', (n) => {
    const karras = karrasSigmas(n, sd1.sigmaMin, sd1.sigmaMax);
    const exponential = exponentialSigmas(n, sd1.sigmaMin, sd1.sigmaMax);
    const normal = normalSigmas(sd1, n);
    expect(karras).toHaveLength(n + 1);
    expect(karras[n]).toBe(0);
    expect(maxAbsDiff(karras, golden.schedules[`karras_${n}`])).toBeLessThanOrEqual(1e-13);
    expect(maxAbsDiff(exponential, golden.schedules[`exponential_${n}`])).toBeLessThanOrEqual(1e-13);
    expect(maxAbsDiff(normal, golden.schedules[`normal_${n}`])).toBeLessThanOrEqual(1e-13);
  });

  it('computeSigmas dispatches by name and can drop the next-to-last sigma', () => {
    expect(Array.from(computeSigmas('karras', sd1, 4))).toEqual(Array.from(karrasSigmas(4, sd1.sigmaMin, sd1.sigmaMax)));
    const dropped = computeSigmas('karras', sd1, 4, { discardNextToLastSigma: true });
    const five = karrasSigmas(5, sd1.sigmaMin, sd1.sigmaMax);
    expect(Array.from(dropped)).toEqual([five[0], five[1], five[2], five[3], 0]);
  });

  it('fractional timesteps interpolate in log-sigma', () => {
    const s = normalSigmas(sd1, 7); // t = 999, 832.5, … has fractional entries
    expect(s[1]).toBeCloseTo(Math.sqrt(sd1.sigmas[832] * sd1.sigmas[833]), 12);
  });

  it('parses names case-insensitively and lists the supported ones for unknown names', () => {
    expect(parseScheduleName('Karras')).toBe('karras');
    expect(parseScheduleName(' Exponential ')).toBe('exponential');
    expect(parseScheduleName('')).toBe('automatic');
    expect(parseScheduleName(undefined)).toBe('automatic');
    expect(parseScheduleName('Uniform')).toBe('normal');
    try {
      parseScheduleName('polyexponential');
      throw new Error('expected a throw');
    } catch (e) {
      expect(e).toBeInstanceOf(SamplerConfigError);
      const err = e as SamplerConfigError;
      expect(err.code).toBe('UNKNOWN_SCHEDULE');
      expect(err.supported).toEqual(['automatic', 'normal', 'karras', 'exponential']);
      expect(err.message).toContain('karras');
    }
  });

  it('rejects a non-positive step count', () => {
    expect(() => karrasSigmas(0, 0.03, 14)).toThrow(SamplerConfigError);
  });
});

describe('timestep grids', () => {
  it('DDIM leading spacing with offset 1 gives the reference timesteps', () => {
    expect(ddimTimesteps(10, 1000, 'leading', 1)).toEqual(golden.diffusers.ddim.runs.n10.timesteps);
    expect(ddimTimesteps(4, 1000, 'leading', 1)).toEqual(golden.diffusers.ddim.runs.n4.timesteps);
  });

  it('UniPC linspace spacing gives the reference timesteps (half-to-even rounding)', () => {
    expect(unipcTimesteps(10, 1000, 'linspace', 0)).toEqual(golden.diffusers.unipc.runs.n10.timesteps);
    expect(unipcTimesteps(4, 1000, 'linspace', 0)).toEqual(golden.diffusers.unipc.runs.n4.timesteps);
  });

  it('supports the other spacings', () => {
    expect(ddimTimesteps(4, 1000, 'trailing', 0)).toEqual([999, 749, 499, 249]);
    expect(ddimTimesteps(4, 1000, 'linspace', 0)).toEqual([999, 666, 333, 0]);
    expect(unipcTimesteps(4, 1000, 'leading', 1)).toEqual([801, 601, 401, 201]);
    expect(unipcTimesteps(4, 1000, 'trailing', 0)).toEqual([999, 749, 499, 249]);
  });
});
