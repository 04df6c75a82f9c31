import sharp from 'sharp';
import type { ModelFamily } from './model-folder';

/**
 * Cheap previews: each latent pixel's 4 channels map linearly to RGB (the "approximate" previews of the common web
 * UIs; the factors are the published least-squares fits for the SD and SDXL VAEs). No VAE call, so a preview costs
 * microseconds plus a small WebP encode.
 */
const FACTORS: Record<'SD' | 'SDXL', number[][]> = {
  SD: [
    [0.3512, 0.2297, 0.3227],
    [0.325, 0.4974, 0.235],
    [-0.2829, 0.1762, 0.2721],
    [-0.212, -0.2616, -0.7177],
  ],
  SDXL: [
    [0.392, 0.4054, 0.4549],
    [-0.2634, -0.0196, 0.0653],
    [0.0568, 0.1687, -0.0755],
    [-0.3112, -0.2359, -0.2076],
  ],
};

/** One image's latent [4, h, w] (sampler space) → interleaved RGB at latent resolution. */
export function latentToRgb(latent: Float32Array, offset: number, height: number, width: number, family: ModelFamily): Uint8Array {
  const f = FACTORS[family === 'SDXL' ? 'SDXL' : 'SD'];
  const plane = height * width;
  const out = new Uint8ClampedArray(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) {
      let v = 0;
      for (let k = 0; k < 4; k++) v += latent[offset + k * plane + p] * f[k][c];
      out[p * 3 + c] = (v + 1) * 127.5;
    }
  }
  return new Uint8Array(out.buffer);
}

export async function latentPreviewWebp(
  latent: Float32Array,
  image: number,
  height: number,
  width: number,
  family: ModelFamily,
): Promise<{ data: Buffer; width: number; height: number }> {
  const rgb = latentToRgb(latent, image * 4 * height * width, height, width, family);
  const data = await sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.length), { raw: { width, height, channels: 3 } })
    .webp({ quality: 60, effort: 0 })
    .toBuffer();
  return { data, width, height };
}
