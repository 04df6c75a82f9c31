import { resizeRgb, type RgbImage } from '../engine/vae';

// Bound once: per-pixel loops then make no global lookups (slow inside a vm context such as Jest's).
const { max, min, round } = Math;

/** Float planes (one per channel, row-major) of an image: what the preprocessors compute on. */
export interface FloatPlanes {
  width: number;
  height: number;
  planes: Float32Array[];
}

/**
 * Resizes an RGB image to exactly width × height: `nearest` keeps binary maps (edges, lines) binary; otherwise
 * Lanczos for shrinking and cubic for enlarging (as OpenCV's INTER_AREA / INTER_CUBIC are used for hints).
 */
export function resizeHint(img: RgbImage, width: number, height: number, kernel: 'nearest' | 'smooth' = 'smooth'): Promise<RgbImage> {
  const shrinking = width * height < img.width * img.height;
  return resizeRgb(img, width, height, kernel === 'nearest' ? 'nearest' : shrinking ? 'lanczos3' : 'cubic');
}

/** Crops a region (inside the image) of an RGB image. */
export function cropRgb(img: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const from = ((top + y) * img.width + left) * 3;
    data.set(img.data.subarray(from, from + width * 3), y * width * 3);
  }
  return { data, width, height };
}

export function toPlanes(img: RgbImage): FloatPlanes {
  const n = img.width * img.height;
  const planes = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let p = 0; p < n; p++) {
    planes[0][p] = img.data[p * 3];
    planes[1][p] = img.data[p * 3 + 1];
    planes[2][p] = img.data[p * 3 + 2];
  }
  return { width: img.width, height: img.height, planes };
}

/** One 8-bit value per pixel (clamped, rounded) repeated on the three channels. */
export function grayToRgb(values: ArrayLike<number>, width: number, height: number): RgbImage {
  const n = width * height;
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) {
    const v = max(0, min(255, round(values[p])));
    data[p * 3] = v;
    data[p * 3 + 1] = v;
    data[p * 3 + 2] = v;
  }
  return { data, width, height };
}

/** Index of a coordinate mirrored at the borders without repeating the edge pixel (OpenCV's BORDER_REFLECT_101). */
function reflect101(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  let m = ((i % period) + period) % period;
  if (m >= n) m = period - m;
  return m;
}

/** Normalised 1-D Gaussian taps of radius r. */
function gaussianTaps(sigma: number, radius: number): Float32Array {
  const taps = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const v = Math.exp(-(i * i) / (2 * sigma * sigma));
    taps[i + radius] = v;
    sum += v;
  }
  for (let i = 0; i < taps.length; i++) taps[i] /= sum;
  return taps;
}

/**
 * Separable Gaussian blur of one plane with standard deviation `sigma` (radius ⌈4σ⌉, as OpenCV sizes kernels of
 * float images), mirrored borders. sigma ≤ 0 returns a copy.
 */
export function gaussianBlur(plane: Float32Array, width: number, height: number, sigma: number): Float32Array {
  if (!(sigma > 0)) return plane.slice();
  const radius = Math.max(1, Math.round(4 * sigma));
  const taps = gaussianTaps(sigma, radius);
  const tmp = new Float32Array(plane.length);
  const out = new Float32Array(plane.length);
  const xIndex = Int32Array.from({ length: width + 2 * radius }, (_, i) => reflect101(i - radius, width));
  const yIndex = Int32Array.from({ length: height + 2 * radius }, (_, i) => reflect101(i - radius, height));
  for (let y = 0; y < height; y++) {
    const row = y * width;
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < taps.length; k++) s += taps[k] * plane[row + xIndex[x + k]];
      tmp[row + x] = s;
    }
  }
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < taps.length; k++) s += taps[k] * tmp[yIndex[y + k] * width + x];
      out[y * width + x] = s;
    }
  }
  return out;
}

/** Median of the values that pass a filter; undefined when none does. */
export function medianWhere(values: Float32Array, keep: (v: number) => boolean): number | undefined {
  const kept = values.filter(keep).sort();
  if (!kept.length) return undefined;
  const mid = kept.length >> 1;
  return kept.length % 2 ? kept[mid] : (kept[mid - 1] + kept[mid]) / 2;
}
