import type { ControlnetResizeMode } from '@darkroom/contracts';
import type { RgbImage } from '../engine/vae';
import { cropRgb, resizeHint } from './image-ops';

/** How a hint of another aspect ratio is fitted to the generation size. */
export type HintFit = 'JUST_RESIZE' | 'CROP_AND_RESIZE' | 'RESIZE_AND_FILL';

/** DEFAULT is A1111's default for ControlNet units: crop and resize. */
export function hintFit(mode: ControlnetResizeMode | undefined): HintFit {
  return !mode || mode === 'DEFAULT' ? 'CROP_AND_RESIZE' : mode;
}

/**
 * A1111's "pixel perfect" preprocessor resolution: the short side of the input scaled as it will be scaled onto
 * the target, so the hint's details land one-to-one on output pixels. Crop (and stretch) use the larger scale
 * factor of the two axes, fill the smaller one.
 */
export function pixelPerfectResolution(src: { width: number; height: number }, target: { width: number; height: number }, fit: HintFit): number {
  const k0 = target.height / src.height;
  const k1 = target.width / src.width;
  const k = fit === 'RESIZE_AND_FILL' ? Math.min(k0, k1) : Math.max(k0, k1);
  return Math.round(k * Math.min(src.width, src.height));
}

/** Resizes an image so that its short side is `resolution` (aspect kept): the size preprocessors work at. */
export function atResolution(img: RgbImage, resolution: number): Promise<RgbImage> {
  const k = resolution / Math.min(img.width, img.height);
  return resizeHint(img, Math.max(1, Math.round(img.width * k)), Math.max(1, Math.round(img.height * k)));
}

/** Per-channel median of the border pixels: the fill colour of RESIZE_AND_FILL. */
function borderMedian(img: RgbImage): [number, number, number] {
  const values: number[][] = [[], [], []];
  const push = (x: number, y: number) => {
    for (let c = 0; c < 3; c++) values[c].push(img.data[(y * img.width + x) * 3 + c]);
  };
  for (let x = 0; x < img.width; x++) {
    push(x, 0);
    push(x, img.height - 1);
  }
  for (let y = 0; y < img.height; y++) {
    push(0, y);
    push(img.width - 1, y);
  }
  return values.map((v) => {
    v.sort((a, b) => a - b);
    const mid = v.length >> 1;
    return v.length % 2 ? v[mid] : Math.round((v[mid - 1] + v[mid]) / 2);
  }) as [number, number, number];
}

/**
 * Fits a preprocessed hint to width × height: JUST_RESIZE stretches; CROP_AND_RESIZE scales to cover and crops the
 * centre; RESIZE_AND_FILL scales to fit and centres it on the median colour of its border. Binary hints are
 * resized with nearest neighbour so that they stay binary.
 */
export async function fitHint(hint: RgbImage, width: number, height: number, fit: HintFit, binary: boolean): Promise<RgbImage> {
  const kernel = binary ? 'nearest' : 'smooth';
  if (fit === 'JUST_RESIZE') return resizeHint(hint, width, height, kernel);
  const kh = height / hint.height;
  const kw = width / hint.width;
  if (fit === 'CROP_AND_RESIZE') {
    const k = Math.max(kh, kw);
    const scaled = await resizeHint(hint, Math.max(width, Math.round(hint.width * k)), Math.max(height, Math.round(hint.height * k)), kernel);
    return cropRgb(scaled, (scaled.width - width) >> 1, (scaled.height - height) >> 1, width, height);
  }
  const k = Math.min(kh, kw);
  const scaled = await resizeHint(hint, Math.min(width, Math.max(1, Math.round(hint.width * k))), Math.min(height, Math.max(1, Math.round(hint.height * k))), kernel);
  const fill = borderMedian(hint);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) data.set(fill, p * 3);
  const left = (width - scaled.width) >> 1;
  const top = (height - scaled.height) >> 1;
  for (let y = 0; y < scaled.height; y++) {
    data.set(scaled.data.subarray(y * scaled.width * 3, (y + 1) * scaled.width * 3), ((top + y) * width + left) * 3);
  }
  return { data, width, height };
}
