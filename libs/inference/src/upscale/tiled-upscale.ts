import { CanceledRunError } from '../runner/job-runner';
import { floatData, floatTensor, type OnnxComponent } from '../engine/onnx-component';
import type { RgbImage } from '../engine/vae';

export interface TiledUpscaleOptions {
  /** Input tile side in pixels, context included (default 256). */
  tile?: number;
  /** Input pixels at an inner tile edge that get no weight (default: the model's receptive radius). */
  margin?: number;
  /** Input pixels over which neighbouring tiles cross-fade (default 16). */
  feather?: number;
  /** Checked between tiles; true stops with a CanceledRunError. */
  isCancelled?: () => boolean | Promise<boolean>;
  onTile?(done: number, total: number): void | Promise<void>;
}

export const DEFAULT_TILE = 256;
export const DEFAULT_FEATHER = 16;

/** Start offsets of tiles of `size` covering `length` with at least `overlap` shared pixels, spread evenly. */
export function tileStarts(length: number, size: number, overlap: number): number[] {
  if (length <= size) return [0];
  const n = Math.ceil((length - overlap) / (size - overlap));
  return Array.from({ length: n }, (_, i) => Math.round((i * (length - size)) / (n - 1)));
}

/**
 * Weight of output position u (input coordinates, relative to the tile start) in a tile of `size` along one axis:
 * 0 within `margin` of an inner edge (those pixels lack context), then a linear ramp over `feather` pixels, 1
 * inside; edges on the image border keep full weight.
 */
function edgeWeight(u: number, size: number, innerStart: boolean, innerEnd: boolean, margin: number, feather: number): number {
  let w = 1;
  if (innerStart) w = Math.min(w, Math.max(0, Math.min(1, (u - margin) / feather)));
  if (innerEnd) w = Math.min(w, Math.max(0, Math.min(1, (size - u - margin) / feather)));
  return w;
}

/** Per output coordinate along one axis: each tile's weight, and their sum (the normaliser). */
function axisWeights(starts: number[], size: number, length: number, scale: number, margin: number, feather: number): { weights: Float32Array[]; sum: Float32Array } {
  const outLength = length * scale;
  const sum = new Float32Array(outLength);
  const weights = starts.map((p, i) => {
    const w = new Float32Array(size * scale);
    for (let x = 0; x < w.length; x++) {
      w[x] = edgeWeight((x + 0.5) / scale, size, i > 0, i < starts.length - 1, margin, feather);
      sum[p * scale + x] += w[x];
    }
    return w;
  });
  return { weights, sum };
}

/**
 * Upscales an RGB image with an image-to-image ONNX model (NCHW `input` in 0–255 → `output` × scale) tile by tile:
 * overlapping tiles, each output pixel a weighted mean of the tiles that cover it, the weights zero within
 * `margin` of an inner tile edge and cross-fading over `feather` pixels. With margin ≥ the model's receptive radius
 * every weighted pixel saw its full context, so the result equals an untiled run up to float rounding. Memory: the
 * output image plus float accumulators for one band of tile rows (about 2 × tile × scale × output width × 12
 * bytes), whatever the image size.
 */
export async function upscaleTiled(model: OnnxComponent, img: RgbImage, scale: number, o: TiledUpscaleOptions & { margin: number }): Promise<RgbImage> {
  const feather = o.feather ?? DEFAULT_FEATHER;
  const margin = o.margin;
  const overlap = 2 * margin + feather;
  const tile = Math.max(o.tile ?? DEFAULT_TILE, overlap + 16);
  const { width: W, height: H } = img;
  const outW = W * scale;
  const outH = H * scale;
  const tw = Math.min(tile, W);
  const th = Math.min(tile, H);
  const xs = tileStarts(W, tw, overlap);
  const ys = tileStarts(H, th, overlap);
  const wx = axisWeights(xs, tw, W, scale, margin, feather);
  const wy = axisWeights(ys, th, H, scale, margin, feather);
  const inputInfo = model.input('input');
  const outputName = model.outputs.has('output') ? 'output' : [...model.outputs.keys()][0];
  const out = new Uint8Array(outW * outH * 3);
  const bandRows = th * scale;
  const plane = bandRows * outW;
  let band = new Float32Array(3 * plane);
  let bandTop = 0;
  let done = 0;
  const total = xs.length * ys.length;
  const chw = new Float32Array(3 * tw * th);

  for (let j = 0; j < ys.length; j++) {
    const py = ys[j];
    // The band now starts at this tile row; rows carried over from the previous band move up.
    if (py * scale !== bandTop) {
      const shift = py * scale - bandTop;
      const next = new Float32Array(3 * plane);
      for (let c = 0; c < 3; c++) next.set(band.subarray(c * plane + shift * outW, (c + 1) * plane), c * plane);
      band = next;
      bandTop = py * scale;
    }
    for (let i = 0; i < xs.length; i++) {
      if (o.isCancelled && (await o.isCancelled())) throw new CanceledRunError();
      const px = xs[i];
      for (let y = 0; y < th; y++)
        for (let x = 0; x < tw; x++) {
          const s = ((py + y) * W + px + x) * 3;
          const d = y * tw + x;
          chw[d] = img.data[s];
          chw[tw * th + d] = img.data[s + 1];
          chw[2 * tw * th + d] = img.data[s + 2];
        }
      const result = await model.run({ [inputInfo.name]: floatTensor(inputInfo, chw, [1, 3, th, tw]) }, [outputName]);
      const t = floatData(result[outputName]);
      const ow = tw * scale;
      const oh = th * scale;
      const colW = wx.weights[i];
      const rowW = wy.weights[j];
      for (let c = 0; c < 3; c++)
        for (let y = 0; y < oh; y++) {
          const ry = rowW[y];
          if (ry === 0) continue;
          const dst = c * plane + y * outW + px * scale;
          const src = (c * oh + y) * ow;
          for (let x = 0; x < ow; x++) band[dst + x] += t[src + x] * colW[x] * ry;
        }
      await o.onTile?.(++done, total);
    }
    // Rows above the next tile row get nothing more: normalise them into the output.
    const finalEnd = j + 1 < ys.length ? ys[j + 1] * scale : outH;
    for (let y = bandTop; y < finalEnd; y++) {
      const norm = wy.sum[y];
      for (let x = 0; x < outW; x++) {
        const n = norm * wx.sum[x];
        const at = (y * outW + x) * 3;
        const b = (y - bandTop) * outW + x;
        for (let c = 0; c < 3; c++) {
          const v = band[c * plane + b] / n;
          out[at + c] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
  }
  return { data: out, width: outW, height: outH };
}
