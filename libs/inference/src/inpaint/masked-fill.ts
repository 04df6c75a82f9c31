import type { RgbImage } from '../engine/vae';
import type { GrayImage } from './gray-image';

/** (radius, repeats) of A1111's "fill" masked content: wide blurs first, then ever sharper ones composited on top. */
const FILL_PASSES: ReadonlyArray<readonly [number, number]> = [
  [256, 1],
  [64, 1],
  [16, 2],
  [4, 4],
  [2, 2],
  [0, 1],
];

/** Box radius (fractional) whose 3 passes approximate a Gaussian of standard deviation sigma (as PIL computes it). */
function boxRadius(sigma: number, passes = 3): number {
  const s2 = (sigma * sigma) / passes;
  const L = Math.sqrt(12 * s2 + 1);
  const l = Math.floor((L - 1) / 2);
  const a = ((2 * l + 1) * (l * (l + 1) - 3 * s2)) / (6 * (s2 - (l + 1) * (l + 1)));
  return l + a;
}

/** One box pass along rows (stride 1) or columns (stride width) of a float plane; edges extend the border pixel. */
function boxPass(src: Float32Array, dst: Float32Array, width: number, height: number, radius: number, horizontal: boolean): void {
  const l = Math.floor(radius);
  const frac = radius - l;
  const norm = 1 / (2 * radius + 1);
  const lines = horizontal ? height : width;
  const n = horizontal ? width : height;
  const step = horizontal ? 1 : width;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * width : line;
    const at = (i: number) => src[base + Math.min(Math.max(i, 0), n - 1) * step];
    let sum = 0;
    for (let i = -l; i <= l; i++) sum += at(i);
    for (let i = 0; i < n; i++) {
      dst[base + i * step] = (sum + frac * (at(i - l - 1) + at(i + l + 1))) * norm;
      sum += at(i + l + 1) - at(i - l);
    }
  }
}

/** Gaussian-like blur (3 box passes each way) of `planes` float planes, in place. */
function blurPlanes(planes: Float32Array[], width: number, height: number, sigma: number): void {
  if (sigma <= 0) return;
  const r = boxRadius(sigma);
  const tmp = new Float32Array(width * height);
  for (const p of planes)
    for (let pass = 0; pass < 3; pass++) {
      boxPass(p, tmp, width, height, r, true);
      boxPass(tmp, p, width, height, r, false);
    }
}

/**
 * A1111's "fill" masked content: the masked area is painted with the blurred colours around it. The unmasked
 * image (alpha = 1 − mask, premultiplied) is blurred at radii 256 … 2 and composited over itself from the widest
 * blur to the image itself, so unmasked pixels come out exactly as they were and masked ones take the colour of
 * their surroundings. The blur is PIL's three-box approximation of a Gaussian, not bit-identical to it.
 */
export function fillMaskedArea(img: RgbImage, mask: GrayImage): RgbImage {
  const { width, height } = img;
  const n = width * height;
  const alpha = new Float32Array(n);
  const rgb = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (let p = 0; p < n; p++) {
    const a = (255 - mask.data[p]) / 255;
    alpha[p] = a;
    for (let c = 0; c < 3; c++) rgb[c][p] = img.data[p * 3 + c] * a;
  }
  // The composite so far: colour (straight) and alpha.
  const outA = new Float32Array(n);
  const out = [new Float32Array(n), new Float32Array(n), new Float32Array(n)];
  for (const [radius, repeats] of FILL_PASSES) {
    const planes = [Float32Array.from(rgb[0]), Float32Array.from(rgb[1]), Float32Array.from(rgb[2]), Float32Array.from(alpha)];
    blurPlanes(planes, width, height, radius);
    const [pr, pg, pb, pa] = planes;
    for (let r = 0; r < repeats; r++) {
      for (let p = 0; p < n; p++) {
        const sa = pa[p];
        if (sa <= 0) continue;
        const da = outA[p] * (1 - sa);
        const a = sa + da;
        // Source colour is the un-premultiplied blur: premultiplied / alpha.
        out[0][p] = (pr[p] + out[0][p] * da) / a;
        out[1][p] = (pg[p] + out[1][p] * da) / a;
        out[2][p] = (pb[p] + out[2][p] * da) / a;
        outA[p] = a;
      }
    }
  }
  const data = new Uint8Array(n * 3);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.min(255, Math.max(0, Math.round(out[c][p])));
  // Unmasked pixels: the last pass composited the image itself at alpha 1, so they are exact; keep the bytes.
  for (let p = 0; p < n; p++) if (mask.data[p] === 0) for (let c = 0; c < 3; c++) data[p * 3 + c] = img.data[p * 3 + c];
  return { data, width, height };
}
