import type { RgbImage } from '../../engine/vae';
import { gaussianBlur, grayToRgb, toPlanes } from '../image-ops';
import type { Preprocessor } from './preprocessor.types';

export interface CannyOptions {
  /** Gradient magnitude (L1, Sobel 3×3 on 0–255 values) above which a pixel may continue an edge. */
  low: number;
  /** Magnitude above which a pixel starts an edge. */
  high: number;
  /** Gaussian blur before the gradient (0 = none, as A1111's preprocessor feeds the image straight to Canny). */
  sigma?: number;
}

const TAN_22_5 = Math.tan(Math.PI / 8);
const TAN_67_5 = Math.tan((3 * Math.PI) / 8);
// Bound once: the per-pixel loops below then make no global lookups (slow inside a vm context such as Jest's).
const { abs, min, max } = Math;

/**
 * Canny edge detection, OpenCV's variant: per pixel the colour channel with the largest L1 gradient (|dx| + |dy|,
 * Sobel 3×3, replicated borders), non-maximum suppression along the gradient direction quantised to 0°/45°/90°/135°,
 * then hysteresis: pixels above `high` seed edges that grow (8-connected) through pixels above `low`.
 * Returns 255 on edges, 0 elsewhere.
 */
export function cannyEdges(img: RgbImage, o: CannyOptions): Uint8Array {
  const { width: w, height: h } = img;
  const planes = toPlanes(img).planes.map((p) => (o.sigma ? gaussianBlur(p, w, h, o.sigma) : p));
  const dx = new Float32Array(w * h);
  const dy = new Float32Array(w * h);
  const mag = new Float32Array(w * h);
  const at = (p: Float32Array, x: number, y: number) => p[min(h - 1, max(0, y)) * w + min(w - 1, max(0, x))];
  for (const p of planes) {
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        const a = at(p, x - 1, y - 1), b = at(p, x, y - 1), c = at(p, x + 1, y - 1);
        const d = at(p, x - 1, y), f = at(p, x + 1, y);
        const g = at(p, x - 1, y + 1), k = at(p, x, y + 1), l = at(p, x + 1, y + 1);
        const gx = c + 2 * f + l - (a + 2 * d + g);
        const gy = g + 2 * k + l - (a + 2 * b + c);
        const m = abs(gx) + abs(gy);
        const i = y * w + x;
        if (m > mag[i]) {
          mag[i] = m;
          dx[i] = gx;
          dy[i] = gy;
        }
      }
    }
  }

  // 0 = not an edge, 1 = weak candidate, 2 = strong (edge).
  const state = new Uint8Array(w * h);
  const stack: number[] = [];
  const m = (x: number, y: number) => (x < 0 || y < 0 || x >= w || y >= h ? 0 : mag[y * w + x]);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = y * w + x;
      const v = mag[i];
      if (v <= o.low) continue;
      const ax = abs(dx[i]);
      const ay = abs(dy[i]);
      let isMax: boolean;
      if (ay < ax * TAN_22_5) isMax = v > m(x - 1, y) && v >= m(x + 1, y);
      else if (ay > ax * TAN_67_5) isMax = v > m(x, y - 1) && v >= m(x, y + 1);
      else {
        const s = dx[i] * dy[i] < 0 ? -1 : 1;
        isMax = v > m(x - s, y - 1) && v > m(x + s, y + 1);
      }
      if (!isMax) continue;
      if (v > o.high) {
        state[i] = 2;
        stack.push(i);
      } else state[i] = 1;
    }
  }
  while (stack.length) {
    const i = stack.pop() as number;
    const x = i % w;
    const y = (i - x) / w;
    for (let ny = max(0, y - 1); ny <= min(h - 1, y + 1); ny++) {
      for (let nx = max(0, x - 1); nx <= min(w - 1, x + 1); nx++) {
        const j = ny * w + nx;
        if (state[j] === 1) {
          state[j] = 2;
          stack.push(j);
        }
      }
    }
  }
  const out = new Uint8Array(w * h);
  for (let i = 0; i < out.length; i++) out[i] = state[i] === 2 ? 255 : 0;
  return out;
}

export const cannyPreprocessor: Preprocessor = {
  name: 'canny',
  aliases: [],
  params: [
    { key: 'low_threshold', aliases: ['threshold_a', 'lowThreshold'], min: 1, max: 255, default: 100 },
    { key: 'high_threshold', aliases: ['threshold_b', 'highThreshold'], min: 1, max: 255, default: 200 },
    { key: 'sigma', aliases: ['blur'], min: 0, max: 10, default: 0 },
  ],
  binary: true,
  ownResolution: false,
  async run(image, params) {
    if (params.low_threshold > params.high_threshold) {
      throw new RangeError(`low_threshold (${params.low_threshold}) must not be greater than high_threshold (${params.high_threshold})`);
    }
    const edges = cannyEdges(image, { low: params.low_threshold, high: params.high_threshold, sigma: params.sigma });
    return grayToRgb(edges, image.width, image.height);
  },
};
