import { PRICE_TABLE_V1 } from './price-table';
import { priceJob, PricedStage, roundCredits } from './pricing';

const diffusion = (over: Partial<NonNullable<PricedStage['diffusion']>> = {}) => ({ width: 512, height: 512, steps: 20, ...over });

describe('priceJob', () => {
  it('prices one 512² image at 20 steps at the base rate and scales with pixels, steps and count', () => {
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion() }]).credits).toBe(0.2);
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ width: 1024, height: 1024 }) }]).credits).toBe(0.8);
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ steps: 40 }) }]).credits).toBe(0.4);
    const four = priceJob([{ type: 'INPUT_INITIALIZE', inputInitialize: { count: 4 } }, { type: 'DIFFUSION', diffusion: diffusion() }]);
    expect(four.credits).toBe(0.8);
  });

  it('charges ControlNet units and video frames', () => {
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ controlnet: { args: [{}, {}] } }) }]).credits).toBe(0.3);
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ animateDiff: { args: [{ videoLength: 16 }] } }) }]).credits).toBe(3.2);
  });

  it('prices hires fix as its second pass on the upscaled size, plus model upscales', () => {
    const latent = priceJob([
      { type: 'DIFFUSION', diffusion: diffusion() },
      { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Latent', hrScale: 2, hrSecondPassSteps: 20, denoisingStrength: 0.5 } },
    ]);
    // 0.2 first pass + 4× pixels at ceil(20 × 0.5) = 10 steps = 0.4
    expect(latent.credits).toBe(0.6);
    const esrgan = priceJob([
      { type: 'DIFFUSION', diffusion: diffusion() },
      { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'R-ESRGAN 4x+', hrScale: 2, denoisingStrength: 0 } },
    ]);
    expect(esrgan.credits).toBe(roundCredits(0.2 + (1024 * 1024) / 1e6 * 0.02));
  });

  it('makes the base image of a hires fix without an earlier image', () => {
    const p = priceJob([
      { type: 'IMAGE_TO_UPSCALER', imageToUpscaler: { hrUpscaler: 'Latent', hrResizeX: 1024, hrResizeY: 1024, denoisingStrength: 0.5, diffusion: diffusion() } },
    ]);
    expect(p.lines.map((l) => l.what)).toEqual(['upscaler base pass', 'upscaler']);
    expect(p.credits).toBe(0.6);
  });

  it('never prices below the minimum and rounds up to 4 places', () => {
    expect(priceJob([]).credits).toBe(0.01);
    expect(roundCredits(0.00001)).toBe(0.0001);
    expect(roundCredits(0.2)).toBe(0.2);
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ steps: 1 }) }]).credits).toBe(0.01);
  });
});

describe('plan multipliers', () => {
  const table = { ...PRICE_TABLE_V1, version: 'v7', planMultipliers: { pro: 0.5, enterprise: 0.25 } };
  const stages = [{ type: 'DIFFUSION', diffusion: { width: 1024, height: 1024, steps: 20 } }];

  it('scales the total by the plan multiplier and names the version', () => {
    expect(priceJob(stages, table, 'pro')).toMatchObject({ credits: 0.4, version: 'v7', multiplier: 0.5 });
    expect(priceJob(stages, table, 'free')).toMatchObject({ credits: 0.8, multiplier: 1 });
    expect(priceJob(stages, table)).toMatchObject({ credits: 0.8, multiplier: 1 });
  });

  it('applies the minimum after the multiplier', () => {
    expect(priceJob([{ type: 'DIFFUSION', diffusion: diffusion({ steps: 1 }) }], table, 'enterprise').credits).toBe(0.01);
  });
});
