import type { RgbImage } from '../engine/vae';
import type { Box, GrayImage } from './gray-image';

/**
 * A1111's final inpaint composite: the original is laid over the generated image with alpha 255 − overlayMask,
 * so pixels outside the mask are the original's bytes exactly, masked ones the generated image's, and the blurred
 * edge a blend. With `region` (inpaint at full resolution) the generated image covers only that box (already
 * resized to it); elsewhere the original stays.
 */
export function compositeInpaint(original: RgbImage, generated: RgbImage, overlayMask: GrayImage, region?: Box): RgbImage {
  const { width, height } = original;
  if (overlayMask.width !== width || overlayMask.height !== height) throw new Error('composite: mask and image sizes differ');
  const box = region ?? { x1: 0, y1: 0, x2: width, y2: height };
  if (generated.width !== box.x2 - box.x1 || generated.height !== box.y2 - box.y1) throw new Error('composite: generated image does not fit the region');
  const data = Uint8Array.from(original.data);
  for (let y = box.y1; y < box.y2; y++)
    for (let x = box.x1; x < box.x2; x++) {
      const m = overlayMask.data[y * width + x];
      if (m === 0) continue;
      const o = (y * width + x) * 3;
      const g = ((y - box.y1) * generated.width + (x - box.x1)) * 3;
      for (let c = 0; c < 3; c++) data[o + c] = Math.round((original.data[o + c] * (255 - m) + generated.data[g + c] * m) / 255);
    }
  return { data, width, height };
}
