import sharp from 'sharp';
import type { RgbImage } from '../engine/vae';
import { expandCropRegion, maskCropRegion } from './crop-region';
import type { GrayImage } from './gray-image';
import { compositeInpaint } from './inpaint-composite';
import { planInpaintGeometry } from './inpaint-geometry';
import { blurMask, decodeMask } from './inpaint-mask';
import { fillMaskedArea } from './masked-fill';

const gray = (width: number, height: number, on: (x: number, y: number) => boolean): GrayImage => {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = on(x, y) ? 255 : 0;
  return { data, width, height };
};

/** Left half red, right half blue. */
const halves = (width: number, height: number): RgbImage => {
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set(x < width / 2 ? [220, 20, 20] : [20, 20, 220], (y * width + x) * 3);
  return { data, width, height };
};

describe('inpaint masks and composites', () => {
  it('reads a mask from its alpha when it has a transparent part, else from its luma (white = repaint)', async () => {
    const rgba = Buffer.alloc(4 * 4 * 4, 255);
    rgba[3] = 0; // pixel 0 transparent → 0; opaque white → 255
    const fromAlpha = await decodeMask(await sharp(rgba, { raw: { width: 4, height: 4, channels: 4 } }).png().toBuffer());
    expect([fromAlpha.data[0], fromAlpha.data[1]]).toEqual([0, 255]);
    const rgb = Buffer.alloc(2 * 1 * 3);
    rgb.set([200, 200, 200, 100, 100, 100]);
    const fromLuma = await decodeMask(await sharp(rgb, { raw: { width: 2, height: 1, channels: 3 } }).png().toBuffer());
    expect(Array.from(fromLuma.data)).toEqual([255, 0]);
  });

  it('blurs with a Gaussian of σ = maskBlur reaching ⌊2.5σ + 0.5⌋ pixels, symmetric', () => {
    const dot = gray(41, 1, (x) => x === 20);
    const b = blurMask(dot, 4);
    const reach = [...b.data].map((v, x) => (v > 0 ? Math.abs(x - 20) : -1)).reduce((m, d) => Math.max(m, d), 0);
    expect(reach).toBeLessThanOrEqual(10);
    expect(b.data[20 - 3]).toBe(b.data[20 + 3]);
    expect(b.data[20]).toBeGreaterThan(b.data[21]);
    expect(blurMask(dot, 0)).toBe(dot);
  });

  it('"fill" paints the masked area with the colours around it and keeps the rest exactly', () => {
    const img = halves(64, 32);
    // A block inside the red half: its surroundings are red, so it must come out red.
    const mask = gray(64, 32, (x, y) => x >= 8 && x < 20 && y >= 8 && y < 24);
    const filled = fillMaskedArea(img, mask);
    const at = (x: number, y: number) => Array.from(filled.data.subarray((y * 64 + x) * 3, (y * 64 + x) * 3 + 3));
    expect(at(14, 16)[0]).toBeGreaterThan(150);
    expect(at(14, 16)[2]).toBeLessThan(100);
    for (let p = 0; p < 64 * 32; p++) if (!mask.data[p]) expect(filled.data[p * 3]).toBe(img.data[p * 3]);
  });

  it('composites the generated image over the original only where the overlay mask is set', () => {
    const original = halves(8, 8);
    const generated: RgbImage = { data: new Uint8Array(8 * 8 * 3).fill(100), width: 8, height: 8 };
    const overlay: GrayImage = { data: new Uint8Array(64), width: 8, height: 8 };
    overlay.data[9] = 255;
    overlay.data[10] = 128;
    const out = compositeInpaint(original, generated, overlay);
    expect(Array.from(out.data.subarray(9 * 3, 9 * 3 + 3))).toEqual([100, 100, 100]);
    expect(out.data[10 * 3]).toBe(Math.round((220 * 127 + 100 * 128) / 255));
    expect(Buffer.from(out.data.subarray(0, 9 * 3)).equals(Buffer.from(original.data.subarray(0, 9 * 3)))).toBe(true);
  });

  it('only-masked crop: the mask box plus padding, grown to the processing aspect ratio inside the image', () => {
    const mask = gray(200, 100, (x, y) => x >= 150 && x < 170 && y >= 40 && y < 50);
    const box = maskCropRegion(mask, 10)!;
    expect(box).toEqual({ x1: 140, y1: 30, x2: 180, y2: 60 });
    // 40 × 30 to 1:1 → 40 × 40; to 2:1 → 60 × 30 (grown around the centre).
    expect(expandCropRegion(box, 64, 64, 200, 100)).toEqual({ x1: 140, y1: 25, x2: 180, y2: 65 });
    expect(expandCropRegion(box, 128, 64, 200, 100)).toEqual({ x1: 130, y1: 30, x2: 190, y2: 60 });
    // Pushed back inside at the border.
    expect(expandCropRegion({ x1: 180, y1: 0, x2: 200, y2: 80 }, 64, 64, 200, 100)).toEqual({ x1: 120, y1: 0, x2: 200, y2: 80 });
    expect(maskCropRegion(gray(4, 4, () => false), 4)).toBeNull();
  });

  it('geometry: latent mask of the repainted area; an inverted full mask is empty', async () => {
    const mask = gray(64, 64, (x, y) => x >= 16 && x < 48 && y >= 16 && y < 48);
    const g = await planInpaintGeometry(mask, { width: 64, height: 64 }, { width: 64, height: 64, resizeMode: 'JUST_RESIZE', maskBlur: 0, invert: false, fullRes: false, fullResPadding: 0 });
    expect(Array.from(g.latentMask.subarray(0, 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
    expect(Array.from(g.latentMask.subarray(3 * 8, 4 * 8))).toEqual([0, 0, 1, 1, 1, 1, 0, 0]);
    expect(g.latentMask.reduce((s, v) => s + v, 0)).toBe(16);
    const all = gray(64, 64, () => true);
    const inverted = await planInpaintGeometry(all, { width: 64, height: 64 }, { width: 64, height: 64, resizeMode: 'JUST_RESIZE', maskBlur: 4, invert: true, fullRes: false, fullResPadding: 0 });
    expect(inverted.empty).toBe(true);
  });
});
