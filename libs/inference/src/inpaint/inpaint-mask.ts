import sharp from 'sharp';
import type { GrayImage } from './gray-image';

/**
 * An uploaded mask as A1111 reads it (white = repaint): the alpha channel when the image has a non-opaque one,
 * else its luma (ITU-R 601, as PIL's "L"), rounded to 0/255 at > 128.
 */
export async function decodeMask(bytes: Buffer): Promise<GrayImage> {
  const { data, info } = await sharp(bytes).rotate().raw().toBuffer({ resolveWithObject: true });
  const n = info.width * info.height;
  const ch = info.channels;
  const hasAlpha = ch === 2 || ch === 4;
  let useAlpha = false;
  if (hasAlpha) for (let p = 0; p < n && !useAlpha; p++) useAlpha = data[p * ch + ch - 1] !== 255;
  const out = new Uint8Array(n);
  for (let p = 0; p < n; p++) {
    const at = p * ch;
    let v: number;
    if (useAlpha) v = data[at + ch - 1];
    else if (ch >= 3) v = (data[at] * 19595 + data[at + 1] * 38470 + data[at + 2] * 7471 + 0x8000) >> 16;
    else v = data[at];
    out[p] = v > 128 ? 255 : 0;
  }
  return { data: out, width: info.width, height: info.height };
}

export function invertMask(mask: GrayImage): GrayImage {
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = 255 - mask.data[i];
  return { ...mask, data: out };
}

/** 0/255 again after a resize smeared the edges (> 128 is inside). */
export function binarize(mask: GrayImage): GrayImage {
  const out = new Uint8Array(mask.data.length);
  for (let i = 0; i < out.length; i++) out[i] = mask.data[i] > 128 ? 255 : 0;
  return { ...mask, data: out };
}

/** Reflect-101 border (…2 1 | 0 1 2 … n−1 | n−2 …), OpenCV's default. */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  while (i < 0 || i >= n) i = i < 0 ? -i : 2 * n - 2 - i;
  return i;
}

/**
 * A1111's mask blur: a Gaussian of standard deviation `sigma` along x, then along y (OpenCV GaussianBlur with a
 * kernel of 2·⌊2.5·sigma + 0.5⌋ + 1 taps, reflect-101 borders), rounded back to 8 bits.
 */
export function blurMask(mask: GrayImage, sigma: number): GrayImage {
  if (!(sigma > 0)) return mask;
  const radius = Math.floor(2.5 * sigma + 0.5);
  const kernel = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += kernel[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma));
  for (let i = 0; i < kernel.length; i++) kernel[i] /= sum;
  const { width: w, height: h } = mask;
  const pass = (src: Uint8Array, horizontal: boolean): Uint8Array => {
    const out = new Uint8Array(src.length);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        let v = 0;
        for (let k = -radius; k <= radius; k++) {
          const at = horizontal ? y * w + reflect101(x + k, w) : reflect101(y + k, h) * w + x;
          v += src[at] * kernel[k + radius];
        }
        out[y * w + x] = Math.min(255, Math.round(v));
      }
    return out;
  };
  return { ...mask, data: pass(pass(mask.data, true), false) };
}

/** Whether any pixel is set. */
export function maskIsEmpty(mask: GrayImage): boolean {
  return !mask.data.some((v) => v !== 0);
}
