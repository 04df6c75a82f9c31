import type { RgbImage } from '../../engine/vae';
import { cannyEdges, cannyPreprocessor } from './canny';
import { resolvePreprocessorParams } from './preprocessor-registry';
import { sharedAuxiliarySessions } from '../../engine/auxiliary-sessions';

const W = 64;
const H = 48;

/** A dark picture with a filled square [x0, x1] × [y0, y1] of the given grey. */
function square(value: number, x0 = 16, y0 = 12, x1 = 43, y1 = 35, background = 10): RgbImage {
  const data = new Uint8Array(W * H * 3).fill(background);
  for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) data.fill(value, (y * W + x) * 3, (y * W + x) * 3 + 3);
  return { data, width: W, height: H };
}

const edgePixels = (e: Uint8Array) => [...e].map((v, i) => (v ? [i % W, Math.floor(i / W)] : null)).filter((p): p is number[] => p !== null);

describe('canny', () => {
  it('finds the outline of a square and nothing else', () => {
    const edges = cannyEdges(square(230), { low: 100, high: 200 });
    const pixels = edgePixels(edges);
    // Every edge pixel lies on the square's boundary (the step between x 15|16, 43|44, y 11|12, 35|36) ±1 pixel.
    const nearBoundary = ([x, y]: number[]) =>
      ((Math.abs(x - 15.5) <= 1 || Math.abs(x - 43.5) <= 1) && y >= 10 && y <= 37) || ((Math.abs(y - 11.5) <= 1 || Math.abs(y - 35.5) <= 1) && x >= 14 && x <= 45);
    expect(pixels.length).toBeGreaterThan(0);
    expect(pixels.filter((p) => !nearBoundary(p))).toEqual([]);
    // The outline is closed: every row of the left and right sides and every column of the top and bottom sides has one.
    for (let y = 13; y <= 34; y++) {
      expect(pixels.some(([x, py]) => py === y && Math.abs(x - 15.5) <= 1)).toBe(true);
      expect(pixels.some(([x, py]) => py === y && Math.abs(x - 43.5) <= 1)).toBe(true);
    }
    for (let x = 17; x <= 42; x++) {
      expect(pixels.some(([px, y]) => px === x && Math.abs(y - 11.5) <= 1)).toBe(true);
      expect(pixels.some(([px, y]) => px === x && Math.abs(y - 35.5) <= 1)).toBe(true);
    }
    // Non-maximum suppression keeps the lines one pixel thin: each row crosses the left side once.
    expect(pixels.filter(([x, y]) => y === 20 && x < 30)).toHaveLength(1);
  });

  it('applies the thresholds with hysteresis', () => {
    // Two full-height stripes (no corners). Stripe 1's left and right edges are steps of 60 grey levels in the top
    // half (Sobel L1 magnitude 240) and 40 in the bottom half (160); stripe 2's are 40 everywhere.
    const data = new Uint8Array(W * H * 3).fill(10);
    for (let y = 0; y < H; y++) {
      for (let x = 8; x <= 23; x++) data.fill(y < 24 ? 70 : 50, (y * W + x) * 3, (y * W + x) * 3 + 3);
      for (let x = 40; x <= 55; x++) data.fill(50, (y * W + x) * 3, (y * W + x) * 3 + 3);
    }
    const img = { data, width: W, height: H };
    const rowsWithEdge = (pixels: number[][], x0: number, x1: number) => new Set(pixels.filter(([x]) => x >= x0 && x <= x1).map(([, y]) => y)).size;
    const strict = edgePixels(cannyEdges(img, { low: 100, high: 200 }));
    // The weak bottom half of stripe 1 continues its strong top half; stripe 2 is weak everywhere and has no seed.
    expect(rowsWithEdge(strict, 6, 9)).toBe(H);
    expect(rowsWithEdge(strict, 22, 25)).toBe(H);
    expect(rowsWithEdge(strict, 36, 63)).toBe(0);
    // With the high threshold under 160, stripe 2 seeds itself; with the low one over 160, stripe 1 loses its bottom.
    expect(rowsWithEdge(edgePixels(cannyEdges(img, { low: 100, high: 150 })), 38, 57)).toBe(H);
    // (rows 0–23, and row 24, whose Sobel window still reaches the top half: magnitude 60 + 2·40 + 40 = 180).
    expect(rowsWithEdge(edgePixels(cannyEdges(img, { low: 170, high: 200 })), 6, 9)).toBe(25);
  });

  it('blurs first when sigma is set, which removes single-pixel noise', () => {
    const img = square(230);
    // Salt noise: isolated bright pixels.
    for (const [x, y] of [[5, 5], [58, 6], [4, 40]]) img.data.fill(255, (y * W + x) * 3, (y * W + x) * 3 + 3);
    const plain = edgePixels(cannyEdges(img, { low: 100, high: 200 }));
    const blurred = edgePixels(cannyEdges(img, { low: 100, high: 200, sigma: 1.4 }));
    expect(plain.some(([x, y]) => x < 8 && y < 8)).toBe(true);
    expect(blurred.some(([x, y]) => x < 8 && y < 8)).toBe(false);
    expect(blurred.length).toBeGreaterThan(90);
  });

  it('as a preprocessor: thresholds from preprocessorParams (A1111 names too), white edges on black RGB', async () => {
    const params = resolvePreprocessorParams(cannyPreprocessor, { threshold_a: 100, high_threshold: 150 });
    expect(params).toEqual({ low_threshold: 100, high_threshold: 150, sigma: 0, processor_res: 512 });
    const hint = await cannyPreprocessor.run(square(50), params, { sessions: sharedAuxiliarySessions() });
    expect([hint.width, hint.height]).toEqual([W, H]);
    expect(new Set(hint.data)).toEqual(new Set([0, 255]));
    await expect(cannyPreprocessor.run(square(50), { ...params, low_threshold: 200 }, { sessions: sharedAuxiliarySessions() })).rejects.toThrow(
      'low_threshold (200) must not be greater than high_threshold (150)',
    );
  });
});
