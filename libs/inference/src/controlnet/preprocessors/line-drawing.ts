import { gaussianBlur, grayToRgb, medianWhere, toPlanes } from '../image-ops';
import type { Preprocessor } from './preprocessor.types';

/**
 * Scribble by difference of Gaussians (XDoG-style): blurs of σ 0.5 and σ 5, per pixel the smallest channel of
 * (wide − narrow); where twice that exceeds the threshold (default 32) the hint is white. Dark strokes on a light
 * background become white scribbles on black, as the scribble ControlNets expect.
 */
export const scribbleXdogPreprocessor: Preprocessor = {
  name: 'scribble_xdog',
  aliases: ['scribble', 'xdog'],
  params: [{ key: 'threshold', aliases: ['threshold_a', 'xdog_threshold'], min: 1, max: 64, default: 32 }],
  binary: true,
  ownResolution: false,
  async run(image, params) {
    const { width: w, height: h, planes } = toPlanes(image);
    const narrow = planes.map((p) => gaussianBlur(p, w, h, 0.5));
    const wide = planes.map((p) => gaussianBlur(p, w, h, 5));
    const out = new Uint8Array(w * h);
    for (let i = 0; i < out.length; i++) {
      const d = Math.min(wide[0][i] - narrow[0][i], wide[1][i] - narrow[1][i], wide[2][i] - narrow[2][i]);
      // A1111 rounds 255 − d to 8 bits before the test; clamping d to [0, 255] and flooring matches that.
      const dog = Math.floor(255 - Math.max(0, Math.min(255, d)));
      out[i] = 2 * (255 - dog) > params.threshold ? 255 : 0;
    }
    return grayToRgb(out, w, h);
  },
};

/**
 * Line art from a white background and dark lines ("lineart_standard"): per pixel the smallest channel of
 * (blur σ 6 − image), clipped to [0, 255], divided by max(16, median of the values above 8) and × 127. Soft grey
 * lines on black; no model involved.
 */
export const lineartStandardPreprocessor: Preprocessor = {
  name: 'lineart_standard',
  aliases: ['lineart'],
  params: [],
  binary: false,
  ownResolution: false,
  async run(image) {
    const { width: w, height: h, planes } = toPlanes(image);
    const blurred = planes.map((p) => gaussianBlur(p, w, h, 6));
    const intensity = new Float32Array(w * h);
    for (let i = 0; i < intensity.length; i++) {
      const v = Math.min(blurred[0][i] - planes[0][i], blurred[1][i] - planes[1][i], blurred[2][i] - planes[2][i]);
      intensity[i] = Math.max(0, Math.min(255, v));
    }
    const scale = 127 / Math.max(16, medianWhere(intensity, (v) => v > 8) ?? 16);
    for (let i = 0; i < intensity.length; i++) intensity[i] = Math.floor(Math.min(255, intensity[i] * scale));
    return grayToRgb(intensity, w, h);
  },
};
