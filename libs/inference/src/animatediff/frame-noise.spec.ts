import { latentNoise } from '../samplers';
import { clipNoise, FRAME_NOISE_CORRELATION, frameSeed, SHARED_NOISE_SHARE } from './frame-noise';
import { frameWindows, windowCoverage } from './frame-windows';

function correlation(a: Float32Array, b: Float32Array): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return ab / Math.sqrt(aa * bb);
}

describe('clip noise', () => {
  const length = 4 * 32 * 32;
  const frames = 12;
  const noise = clipNoise(1234n, frames, length);
  const frame = (f: number) => noise.subarray(f * length, (f + 1) * length);

  it('gives every frame standard normal noise', () => {
    for (const f of [0, 5, 11]) {
      const x = frame(f);
      const mean = x.reduce((a, b) => a + b, 0) / length;
      const variance = x.reduce((a, b) => a + (b - mean) ** 2, 0) / length;
      expect(Math.abs(mean)).toBeLessThan(0.05);
      expect(variance).toBeGreaterThan(0.93);
      expect(variance).toBeLessThan(1.07);
    }
  });

  it('correlates frames by λ + (1 − λ)·ρ^distance: neighbours most, far frames down to the shared part', () => {
    const expected = (d: number) => SHARED_NOISE_SHARE + (1 - SHARED_NOISE_SHARE) * FRAME_NOISE_CORRELATION ** d;
    for (const [f, g] of [
      [0, 1],
      [4, 5],
      [0, 4],
      [0, 11],
    ]) {
      expect(correlation(frame(f), frame(g))).toBeCloseTo(expected(g - f), 1);
    }
    expect(correlation(frame(0), frame(1))).toBeGreaterThan(correlation(frame(0), frame(11)));
  });

  it('is independent of other seeds, whose frame streams never meet the job’s image seeds', () => {
    const other = clipNoise(1235n, frames, length);
    expect(Math.abs(correlation(frame(3), other.subarray(3 * length, 4 * length)))).toBeLessThan(0.05);
    expect(frameSeed(1234n, 0)).toBe(1234n);
    expect(frameSeed(4294967295n, 1) > 4294967295n).toBe(true);
    // Deterministic: the same seed gives the same bytes.
    expect(clipNoise(1234n, 2, length)).toEqual(noise.subarray(0, 2 * length));
    expect(Math.abs(correlation(frame(0), latentNoise(1234n, length, 'float32') as Float32Array))).toBeCloseTo(Math.sqrt(SHARED_NOISE_SHARE), 1);
  });
});

describe('frame windows', () => {
  it('uses one window for a clip that fits, looping a short clip over a fixed frame axis', () => {
    expect(frameWindows(6, 16, false)).toEqual([[0, 1, 2, 3, 4, 5]]);
    expect(frameWindows(3, 8, true)).toEqual([[0, 1, 2, 0, 1, 2, 0, 1]]);
    expect(Array.from(windowCoverage(3, frameWindows(3, 8, true)))).toEqual([3, 3, 2]);
  });

  it('slides overlapping windows over a long clip, the last one aligned to its end', () => {
    expect(frameWindows(20, 16, false)).toEqual([Array.from({ length: 16 }, (_, k) => k), Array.from({ length: 16 }, (_, k) => k + 4)]);
    const w = frameWindows(64, 16, true);
    expect(w.map((x) => x[0])).toEqual([0, 12, 24, 36, 48]);
    expect(w.every((x) => x.length === 16)).toBe(true);
    const cover = windowCoverage(64, w);
    expect(Math.min(...cover)).toBe(1);
    expect(Array.from(cover.subarray(12, 16))).toEqual([2, 2, 2, 2]);
  });

  it('rejects nonsense', () => {
    expect(() => frameWindows(0, 16, false)).toThrow(/frames/);
    expect(() => frameWindows(4, 0, false)).toThrow(/window/);
  });
});
