import type { GrayImage } from '../inpaint/gray-image';

/**
 * A running max (dilate) or min (erode) over `k` neighbours along rows or columns, OpenCV's way: the window of
 * pixel i is [i − ⌊k/2⌋, i − ⌊k/2⌋ + k), and pixels beyond the border count as 0 for dilation and as 255 for
 * erosion (they never change the result).
 */
function pass(src: Uint8Array, width: number, height: number, k: number, horizontal: boolean, dilate: boolean): Uint8Array {
  const out = new Uint8Array(src.length);
  const anchor = Math.floor(k / 2);
  const n = horizontal ? width : height;
  const lines = horizontal ? height : width;
  const step = horizontal ? 1 : width;
  for (let line = 0; line < lines; line++) {
    const base = horizontal ? line * width : line;
    for (let i = 0; i < n; i++) {
      const from = Math.max(0, i - anchor);
      const to = Math.min(n, i - anchor + k);
      let v = dilate ? 0 : 255;
      for (let j = from; j < to; j++) {
        const s = src[base + j * step];
        v = dilate ? (s > v ? s : v) : s < v ? s : v;
      }
      out[base + i * step] = v;
    }
  }
  return out;
}

/**
 * ADetailer's "mask erosion (−) / dilation (+)": a positive value dilates the mask with a value × value square
 * kernel, a negative one erodes it with a |value| × |value| kernel, 0 leaves it. A square kernel is separable, so
 * rows then columns give the same result as the 2-D window (cv2.dilate / cv2.erode with np.ones((k, k)), one
 * iteration). A box [x1, x2) grows to [x1 − (k − 1 − ⌊k/2⌋), x2 + ⌊k/2⌋) under dilation (k = 4: one pixel left and
 * top, two right and bottom) and shrinks by the same amounts, mirrored, under erosion.
 */
export function dilateErode(mask: GrayImage, value: number): GrayImage {
  const k = Math.abs(Math.trunc(value));
  if (k <= 1) return mask;
  const dilate = value > 0;
  const rows = pass(mask.data, mask.width, mask.height, k, true, dilate);
  return { ...mask, data: pass(rows, mask.width, mask.height, k, false, dilate) };
}
