import { FatalRunError } from '../runner/job-runner';
import { ESRGAN_MODELS, type EsrganModel } from './esrgan-models';
import type { LatentResizeMode } from './latent-resize';

/** How an `hrUpscaler` name upscales: the latent (then the second pass), the pixels with a filter, or a model. */
export type UpscalerChoice =
  | { kind: 'latent'; name: string; mode: LatentResizeMode }
  | { kind: 'pixel'; name: string; kernel: 'lanczos3' | 'nearest' }
  | { kind: 'model'; name: string; model: EsrganModel };

/** A1111's latent upscale modes (torch.nn.functional.interpolate). */
export const LATENT_UPSCALERS: Readonly<Record<string, LatentResizeMode>> = {
  Latent: 'bilinear',
  'Latent (antialiased)': 'bilinear-antialiased',
  'Latent (bicubic)': 'bicubic',
  'Latent (bicubic antialiased)': 'bicubic-antialiased',
  'Latent (nearest)': 'nearest',
  'Latent (nearest-exact)': 'nearest-exact',
};

/** Plain resamplers on pixels; A1111's "None" upscaler is a Lanczos resize too. */
export const PIXEL_UPSCALERS: Readonly<Record<string, 'lanczos3' | 'nearest'>> = { None: 'lanczos3', Lanczos: 'lanczos3', Nearest: 'nearest' };

/** Every name `hrUpscaler` takes, in the order the error message lists them. */
export function supportedUpscalers(): string[] {
  return [...Object.keys(LATENT_UPSCALERS), ...Object.keys(PIXEL_UPSCALERS), ...ESRGAN_MODELS.map((m) => m.name)];
}

const normalise = (name: string) => name.trim().toLowerCase().replace(/[\s_-]+/g, ' ');

/** The upscaler a name means (case, spaces, "-" and "_" do not matter); FatalRunError listing the names otherwise. */
export function chooseUpscaler(name: string): UpscalerChoice {
  const key = normalise(name);
  for (const [label, mode] of Object.entries(LATENT_UPSCALERS)) if (normalise(label) === key) return { kind: 'latent', name: label, mode };
  for (const [label, kernel] of Object.entries(PIXEL_UPSCALERS)) if (normalise(label) === key) return { kind: 'pixel', name: label, kernel };
  const model = ESRGAN_MODELS.find((m) => normalise(m.name) === key);
  if (model) return { kind: 'model', name: model.name, model };
  throw new FatalRunError(`unknown hrUpscaler "${name}"; supported: ${supportedUpscalers().join(', ')}`);
}
