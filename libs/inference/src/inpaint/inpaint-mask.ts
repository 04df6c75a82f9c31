import sharp from 'sharp';
import type { GrayImage } from './gray-image';

// Bound once: the per-pixel loops make no global lookups (slow inside a vm context such as Jest's).
const { round } = Math;

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
  const { width: w, height: h, data } = mask;
  // Only the set pixels' box grown by the radius can become non-zero (reflected taps included), so both passes
  // run inside it: a small region (an ADetailer face) costs its own size, not the image's.
  const box = setBox(mask);
  if (!box) return mask;
  const x0 = Math.max(0, box.x0 - radius);
  const x1 = Math.min(w - 1, box.x1 + radius);
  const y0 = Math.max(0, box.y0 - radius);
  const y1 = Math.min(h - 1, box.y1 + radius);
  const across = new Uint8Array(data.length);
  for (let y = box.y0; y <= box.y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let v = 0;
      for (let k = -radius; k <= radius; k++) v += data[y * w + reflect101(x + k, w)] * kernel[k + radius];
      across[y * w + x] = v >= 255 ? 255 : round(v);
    }
  }
  const out = new Uint8Array(data.length);
  for (let y = y0; y <= y1; y++) {
    for (let x = x0; x <= x1; x++) {
      let v = 0;
      for (let k = -radius; k <= radius; k++) v += across[reflect101(y + k, h) * w + x] * kernel[k + radius];
      out[y * w + x] = v >= 255 ? 255 : round(v);
    }
  }
  return { ...mask, data: out };
}

/** The box holding every set pixel (inclusive bounds), or null for an empty mask. */
function setBox(mask: GrayImage): { x0: number; y0: number; x1: number; y1: number } | null {
  const { width: w, height: h, data } = mask;
  let x0 = w;
  let y0 = h;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      if (data[y * w + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x0, y0, x1, y1 };
}

/** Whether any pixel is set. */
export function maskIsEmpty(mask: GrayImage): boolean {
  return !mask.data.some((v) => v !== 0);
}
