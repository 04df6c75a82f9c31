import { ModelSchedule } from './model-schedule';
import { DEFAULT_SAMPLER_LABEL, resolveSampler, SAMPLER_LABELS, SAMPLERS } from './sampler-registry';
import { SamplerConfigError } from './sampler.errors';
import { planSampling } from './sampling-plan';
import { karrasSigmas } from './schedules';

function thrown(fn: () => unknown): SamplerConfigError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(SamplerConfigError);
    return e as SamplerConfigError;
  }
  throw new Error('expected a SamplerConfigError');
}

describe('resolveSampler', () => {
  it('finds every sampler by its label and by its key', () => {
    for (const s of SAMPLERS) {
      expect(resolveSampler(s.label).sampler).toBe(s);
      expect(resolveSampler(s.key).sampler).toBe(s);
    }
    expect(new Set(SAMPLERS.map((s) => s.key)).size).toBe(SAMPLERS.length);
  });

  it('accepts lowercase, underscore and short spellings', () => {
    expect(resolveSampler('dpmpp_2m').sampler.label).toBe('DPM++ 2M');
    expect(resolveSampler('euler_ancestral').sampler.label).toBe('Euler a');
    expect(resolveSampler('euler a').sampler.label).toBe('Euler a');
    expect(resolveSampler('k_euler_a').sampler.label).toBe('Euler a');
    expect(resolveSampler('  dpm++ 2s a ').sampler.label).toBe('DPM++ 2S a');
    expect(resolveSampler('dpm2_a').sampler.label).toBe('DPM2 a');
    expect(resolveSampler('DPM++ 2M SDE Heun').sampler.key).toBe('dpmpp_2m_sde_heun');
  });

  it('reads schedule suffixes, which override scheduleName', () => {
    expect(resolveSampler('DPM++ 2M Karras')).toMatchObject({ sampler: { key: 'dpmpp_2m' }, schedule: 'karras' });
    expect(resolveSampler('DPM++ 2M SDE Exponential')).toMatchObject({ schedule: 'exponential' });
    expect(resolveSampler('Euler a Karras', 'exponential')).toMatchObject({ sampler: { key: 'euler_ancestral' }, schedule: 'karras' });
    expect(resolveSampler('dpmpp_2m_karras')).toMatchObject({ sampler: { key: 'dpmpp_2m' }, schedule: 'karras' });
    expect(resolveSampler('k_dpmpp_3m_sde_exp')).toMatchObject({ sampler: { key: 'dpmpp_3m_sde' }, schedule: 'exponential' });
    expect(resolveSampler('DPM++ 2M SDE Heun Karras')).toMatchObject({ sampler: { key: 'dpmpp_2m_sde_heun' }, schedule: 'karras' });
  });

  it('takes an explicit scheduleName, and the preferred schedule for automatic', () => {
    expect(resolveSampler('Euler', 'Karras').schedule).toBe('karras');
    expect(resolveSampler('Euler').schedule).toBe('normal');
    expect(resolveSampler('Euler', 'automatic').schedule).toBe('normal');
    expect(resolveSampler('DPM++ 2M', 'Automatic').schedule).toBe('karras');
    expect(resolveSampler('DPM++ 2M', 'normal').schedule).toBe('normal');
    expect(resolveSampler('DPM++ 3M SDE').schedule).toBe('exponential');
  });

  it('uses the documented default for an empty name', () => {
    for (const empty of [undefined, null, '', '   ']) {
      const r = resolveSampler(empty);
      expect(r.sampler.label).toBe(DEFAULT_SAMPLER_LABEL);
      expect(r.schedule).toBe('karras');
    }
  });

  it('gives timestep samplers no sigma schedule', () => {
    expect(resolveSampler('DDIM')).toMatchObject({ sampler: { space: 'timestep', key: 'ddim' }, schedule: null });
    expect(resolveSampler('unipc', 'karras').schedule).toBeNull();
  });

  it('refuses unknown names with a list of the supported ones', () => {
    const err = thrown(() => resolveSampler('PLMS'));
    expect(err.code).toBe('UNKNOWN_SAMPLER');
    expect(err.supported).toEqual(SAMPLER_LABELS);
    expect(err.supported).toEqual(expect.arrayContaining(['Euler a', 'DPM++ 2M', 'DDIM', 'UniPC']));
    expect(err.message).toContain('PLMS');
    expect(err.message).toContain('DPM++ 2M SDE');
    expect(thrown(() => resolveSampler('Euler Fancy')).code).toBe('UNKNOWN_SAMPLER');
    expect(thrown(() => resolveSampler('Euler', 'beta')).code).toBe('UNKNOWN_SCHEDULE');
  });
});

describe('planSampling', () => {
  const sd1 = ModelSchedule.sd1();

  it('builds the sigma list of the resolved schedule', () => {
    const plan = planSampling(resolveSampler('DPM++ 2M Karras'), sd1, 20);
    expect(plan.space).toBe('sigma');
    if (plan.space !== 'sigma') return;
    expect(Array.from(plan.sigmas)).toEqual(Array.from(karrasSigmas(20, sd1.sigmaMin, sd1.sigmaMax)));
    expect(plan.modelCalls).toBe(20);
  });

  it('drops the next-to-last sigma for the samplers that ask for it', () => {
    const plan = planSampling(resolveSampler('DPM2 Karras'), sd1, 10);
    if (plan.space !== 'sigma') throw new Error('expected a sigma plan');
    const eleven = karrasSigmas(11, sd1.sigmaMin, sd1.sigmaMax);
    expect(plan.sigmas).toHaveLength(11);
    expect(plan.sigmas[9]).toBe(eleven[9]);
    expect(plan.sigmas[10]).toBe(0);
    expect(plan.modelCalls).toBe(19);
  });

  it('builds timesteps for timestep samplers, honouring the model config spacing', () => {
    const plan = planSampling(resolveSampler('DDIM'), sd1, 10);
    expect(plan).toMatchObject({ space: 'timestep', timesteps: [901, 801, 701, 601, 501, 401, 301, 201, 101, 1] });
    const trailing = ModelSchedule.fromConfig({ timestep_spacing: 'trailing' });
    expect(planSampling(resolveSampler('UniPC'), trailing, 4)).toMatchObject({ timesteps: [999, 749, 499, 249] });
  });
});
