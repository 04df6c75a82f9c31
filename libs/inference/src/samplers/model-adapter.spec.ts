import { denoiserFromUNet, epsilonModelFromUNet, type UNetCall } from './model-adapter';
import { ModelSchedule } from './model-schedule';
import { maxAbsDiff } from './vec';

// A "perfect" UNet for a known clean signal and noise: it answers exactly what a trained model would.
const clean = Float64Array.from({ length: 8 }, (_, i) => Math.cos(i));
const noise = Float64Array.from({ length: 8 }, (_, i) => Math.sin(2 * i + 1));

describe('UNet adapters', () => {
  const eps = ModelSchedule.sd1();
  const v = ModelSchedule.fromConfig({ prediction_type: 'v_prediction' });

  it('turns an epsilon UNet into a denoiser that recovers the clean signal', async () => {
    const sigma = 3.7;
    const seen: number[] = [];
    const unet: UNetCall<Float64Array> = async (input, t) => {
      seen.push(t);
      // input is the VP sample: (clean + sigma·noise) / sqrt(1 + sigma²)
      expect(maxAbsDiff(input, clean.map((c, i) => (c + sigma * noise[i]) / Math.sqrt(1 + sigma * sigma)))).toBeLessThan(1e-14);
      return noise.slice();
    };
    const x = clean.map((c, i) => c + sigma * noise[i]);
    const d = await denoiserFromUNet(eps, unet)(x, sigma);
    expect(maxAbsDiff(d, clean)).toBeLessThan(1e-13);
    expect(seen[0]).toBeCloseTo(eps.sigmaToTimestep(sigma), 12);
  });

  it('turns a v-prediction UNet into a denoiser that recovers the clean signal', async () => {
    const sigma = 0.8;
    const alpha = 1 / Math.sqrt(1 + sigma * sigma);
    const sigmaVp = sigma * alpha;
    // v = alpha·noise - sigma_vp·clean
    const unet: UNetCall<Float64Array> = async () => noise.map((n, i) => alpha * n - sigmaVp * clean[i]);
    const x = clean.map((c, i) => c + sigma * noise[i]);
    const d = await denoiserFromUNet(v, unet)(x, sigma);
    expect(maxAbsDiff(d, clean)).toBeLessThan(1e-13);
  });

  it('gives timestep samplers noise from a v-prediction UNet', async () => {
    const t = 600;
    const a = v.alphasCumprod[t];
    const xVp = clean.map((c, i) => Math.sqrt(a) * c + Math.sqrt(1 - a) * noise[i]);
    const unet: UNetCall<Float64Array> = async () => noise.map((n, i) => Math.sqrt(a) * n - Math.sqrt(1 - a) * clean[i]);
    const out = await epsilonModelFromUNet(v, unet)(xVp, t);
    expect(maxAbsDiff(out, noise)).toBeLessThan(1e-13);
    // An epsilon UNet passes through untouched.
    const passthrough = await epsilonModelFromUNet(eps, async () => noise)(xVp, t);
    expect(passthrough).toBe(noise);
  });
});
