/** torch.nn.functional.interpolate modes A1111's latent upscalers use (align_corners false). */
export type LatentResizeMode = 'bilinear' | 'bilinear-antialiased' | 'bicubic' | 'bicubic-antialiased' | 'nearest' | 'nearest-exact';

/** For each output index along one axis: the input indices it reads and their weights. */
interface AxisTaps {
  index: Int32Array;
  weight: Float32Array;
  /** Taps per output index. */
  width: number;
}

const { floor, min, max, abs } = Math;

function cubic(x: number, a: number): number {
  const t = abs(x);
  if (t <= 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  return 0;
}

/** torch's per-axis sampling for one mode, as a tap table (scale = in / out, as torch computes it for sizes). */
function axisTaps(inSize: number, outSize: number, mode: LatentResizeMode): AxisTaps {
  const scale = inSize / outSize;
  const last = inSize - 1;
  const fixed = (width: number, fill: (o: number, index: Int32Array, weight: Float32Array, at: number) => void): AxisTaps => {
    const index = new Int32Array(outSize * width);
    const weight = new Float32Array(outSize * width);
    for (let o = 0; o < outSize; o++) fill(o, index, weight, o * width);
    return { index, weight, width };
  };
  switch (mode) {
    case 'nearest':
      return fixed(1, (o, index, weight, at) => {
        index[at] = min(floor(o * scale), last);
        weight[at] = 1;
      });
    case 'nearest-exact':
      return fixed(1, (o, index, weight, at) => {
        index[at] = min(floor((o + 0.5) * scale), last);
        weight[at] = 1;
      });
    case 'bilinear':
      return fixed(2, (o, index, weight, at) => {
        const src = max(scale * (o + 0.5) - 0.5, 0);
        const i0 = min(floor(src), last);
        const l = src - i0;
        index[at] = i0;
        index[at + 1] = min(i0 + 1, last);
        weight[at] = 1 - l;
        weight[at + 1] = l;
      });
    case 'bicubic':
      return fixed(4, (o, index, weight, at) => {
        const src = scale * (o + 0.5) - 0.5;
        const i0 = floor(src);
        const t = src - i0;
        for (let k = 0; k < 4; k++) {
          index[at + k] = min(max(i0 - 1 + k, 0), last);
          weight[at + k] = cubic(t + 1 - k, -0.75);
        }
      });
    case 'bilinear-antialiased':
    case 'bicubic-antialiased': {
      // torch's antialiased kernels (PIL's algorithm): the filter widens by the scale when shrinking.
      const bicubic = mode === 'bicubic-antialiased';
      const filter = (x: number) => (bicubic ? cubic(x, -0.5) : max(0, 1 - abs(x)));
      const support = (bicubic ? 2 : 1) * (scale >= 1 ? scale : 1);
      const invScale = scale >= 1 ? 1 / scale : 1;
      const width = Math.ceil(support) * 2 + 1;
      return fixed(width, (o, index, weight, at) => {
        const center = scale * (o + 0.5);
        const lo = max(Math.trunc(center - support + 0.5), 0);
        const hi = min(Math.trunc(center + support + 0.5), inSize);
        let total = 0;
        for (let j = 0; j < width; j++) {
          const x = lo + j;
          const w = x < hi ? filter((x - center + 0.5) * invScale) : 0;
          index[at + j] = min(x, last);
          weight[at + j] = w;
          total += w;
        }
        if (total > 0) for (let j = 0; j < width; j++) weight[at + j] /= total;
      });
    }
  }
}

/**
 * Resizes planes (channels × height × width, images one after the other) to outHeight × outWidth the way
 * torch.nn.functional.interpolate does for A1111's latent upscalers: separable, rows then columns, in float32.
 */
export function resizeLatent(
  latent: Float32Array,
  planes: number,
  height: number,
  width: number,
  outHeight: number,
  outWidth: number,
  mode: LatentResizeMode,
): Float32Array {
  const xs = axisTaps(width, outWidth, mode);
  const ys = axisTaps(height, outHeight, mode);
  const out = new Float32Array(planes * outHeight * outWidth);
  const rows = new Float32Array(height * outWidth);
  for (let p = 0; p < planes; p++) {
    const src = p * height * width;
    for (let y = 0; y < height; y++) {
      for (let o = 0; o < outWidth; o++) {
        let v = 0;
        for (let k = 0; k < xs.width; k++) v += latent[src + y * width + xs.index[o * xs.width + k]] * xs.weight[o * xs.width + k];
        rows[y * outWidth + o] = v;
      }
    }
    const dst = p * outHeight * outWidth;
    for (let o = 0; o < outHeight; o++) {
      for (let x = 0; x < outWidth; x++) {
        let v = 0;
        for (let k = 0; k < ys.width; k++) v += rows[ys.index[o * ys.width + k] * outWidth + x] * ys.weight[o * ys.width + k];
        out[dst + o * outWidth + x] = v;
      }
    }
  }
  return out;
}

/** A window of planes: rows [top, top + h) and columns [left, left + w) of every plane. */
export function cropPlanes(data: Float32Array, planes: number, height: number, width: number, top: number, left: number, h: number, w: number): Float32Array {
  const out = new Float32Array(planes * h * w);
  for (let p = 0; p < planes; p++)
    for (let y = 0; y < h; y++) out.set(data.subarray(p * height * width + (top + y) * width + left, p * height * width + (top + y) * width + left + w), (p * h + y) * w);
  return out;
}
