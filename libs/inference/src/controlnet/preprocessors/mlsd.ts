import * as ort from 'onnxruntime-node';
import * as path from 'node:path';
import type { OnnxComponent } from '../../engine/onnx-component';
import type { RgbImage } from '../../engine/vae';
import { grayToRgb, resizeHint } from '../image-ops';
import type { Preprocessor } from './preprocessor.types';

/** M-LSD "large" at 512 × 512 (the size A1111's mlsd preprocessor runs), from the npm package jp.keijiro.mlsd. */
export const MLSD_MODEL_FILE = path.join(path.dirname(require.resolve('jp.keijiro.mlsd/package.json')), 'ONNX', 'mlsd_512x512_large.onnx');

/** A line segment in pixels of the image it was detected on. */
export interface LineSegment {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  score: number;
}

export interface MlsdOptions {
  /** Least centre score of a line (A1111's "value threshold", 0.1). */
  scoreThreshold: number;
  /** Least length in cells of the half-resolution output grid (A1111's "distance threshold", 0.1). */
  distanceThreshold: number;
  /** Most lines kept, best first (M-LSD's own decoder keeps 200). */
  topK?: number;
}

/**
 * Line segments of an image with M-LSD. The graph takes [1, S, S, 4] floats (RGB 0–255 and a fourth channel of
 * ones; it normalises inside) and returns per cell of the S/2 grid a centre score (`scores`, already through the
 * sigmoid) and the displacements from the cell to the segment's two ends (`offsets`: x1, y1, x2, y2 in cells).
 * Decoding: local maxima of the score (3×3), best `topK`, above the score threshold and longer than the distance
 * threshold; ends = cell + displacement, × 2 to input pixels, scaled to the image.
 */
export async function detectLineSegments(session: OnnxComponent, img: RgbImage, o: MlsdOptions): Promise<LineSegment[]> {
  const inputName = [...session.inputs.keys()][0];
  const shape = session.input(inputName).shape;
  const size = typeof shape[1] === 'number' && shape[1] > 0 ? shape[1] : 512;
  const resized = await resizeHint(img, size, size);
  const input = new Float32Array(size * size * 4);
  for (let p = 0; p < size * size; p++) {
    input[p * 4] = resized.data[p * 3];
    input[p * 4 + 1] = resized.data[p * 3 + 1];
    input[p * 4 + 2] = resized.data[p * 3 + 2];
    input[p * 4 + 3] = 1;
  }
  const out = await session.run({ [inputName]: new ort.Tensor('float32', input, [1, size, size, 4]) }, ['scores', 'offsets']);
  const scores = out.scores.data as Float32Array;
  const offsets = out.offsets.data as Float32Array;
  const grid = out.scores.dims[2] as number;
  const rows = out.scores.dims[1] as number;
  const at = (x: number, y: number) => (x < 0 || y < 0 || x >= grid || y >= rows ? -Infinity : scores[y * grid + x]);
  const candidates: { x: number; y: number; score: number }[] = [];
  for (let y = 0; y < rows; y++) {
    for (let x = 0; x < grid; x++) {
      const s = scores[y * grid + x];
      if (!(s > o.scoreThreshold)) continue;
      let isMax = true;
      for (let ny = y - 1; ny <= y + 1 && isMax; ny++) for (let nx = x - 1; nx <= x + 1; nx++) if (at(nx, ny) > s) isMax = false;
      if (isMax) candidates.push({ x, y, score: s });
    }
  }
  candidates.sort((a, b) => b.score - a.score || a.y - b.y || a.x - b.x);
  const scaleX = (img.width / size) * (size / grid);
  const scaleY = (img.height / size) * (size / rows);
  const lines: LineSegment[] = [];
  for (const c of candidates.slice(0, o.topK ?? 200)) {
    const k = (c.y * grid + c.x) * 4;
    const [sx, sy, ex, ey] = [c.x + offsets[k], c.y + offsets[k + 1], c.x + offsets[k + 2], c.y + offsets[k + 3]];
    if (Math.hypot(ex - sx, ey - sy) <= o.distanceThreshold) continue;
    lines.push({ x1: sx * scaleX, y1: sy * scaleY, x2: ex * scaleX, y2: ey * scaleY, score: c.score });
  }
  return lines;
}

/** Draws 1-pixel lines (value 255) into a w × h plane: DDA over the longer axis, ends rounded to pixels. */
export function drawLines(lines: readonly LineSegment[], width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (const l of lines) {
    const x1 = Math.round(l.x1), y1 = Math.round(l.y1), x2 = Math.round(l.x2), y2 = Math.round(l.y2);
    const n = Math.max(Math.abs(x2 - x1), Math.abs(y2 - y1), 1);
    for (let i = 0; i <= n; i++) {
      const x = Math.round(x1 + ((x2 - x1) * i) / n);
      const y = Math.round(y1 + ((y2 - y1) * i) / n);
      if (x >= 0 && y >= 0 && x < width && y < height) out[y * width + x] = 255;
    }
  }
  return out;
}

export const mlsdPreprocessor: Preprocessor = {
  name: 'mlsd',
  aliases: [],
  params: [
    { key: 'value_threshold', aliases: ['threshold_a', 'valueThreshold', 'score_threshold'], min: 0.01, max: 2, default: 0.1 },
    { key: 'distance_threshold', aliases: ['threshold_b', 'distanceThreshold'], min: 0.01, max: 20, default: 0.1 },
  ],
  binary: true,
  ownResolution: false,
  async run(image, params, ctx) {
    const session = await ctx.sessions.get(MLSD_MODEL_FILE, 'mlsd');
    const lines = await detectLineSegments(session, image, { scoreThreshold: params.value_threshold, distanceThreshold: params.distance_threshold });
    return grayToRgb(drawLines(lines, image.width, image.height), image.width, image.height);
  },
};
