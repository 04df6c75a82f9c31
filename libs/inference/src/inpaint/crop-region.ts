import type { Box, GrayImage } from './gray-image';

/** Bounding box of the mask's non-zero pixels grown by `padding` (clipped to the image); null for an empty mask. */
export function maskCropRegion(mask: GrayImage, padding: number): Box | null {
  let x1 = mask.width;
  let y1 = mask.height;
  let x2 = 0;
  let y2 = 0;
  for (let y = 0; y < mask.height; y++)
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x] === 0) continue;
      if (x < x1) x1 = x;
      if (y < y1) y1 = y;
      if (x + 1 > x2) x2 = x + 1;
      if (y + 1 > y2) y2 = y + 1;
    }
  if (x2 === 0) return null;
  return { x1: Math.max(x1 - padding, 0), y1: Math.max(y1 - padding, 0), x2: Math.min(x2 + padding, mask.width), y2: Math.min(y2 + padding, mask.height) };
}

/**
 * A1111's expansion of the crop region to the processing aspect ratio: the short side grows around the centre,
 * shifted back inside the image, and clipped when the image is too small.
 */
export function expandCropRegion(box: Box, processingWidth: number, processingHeight: number, imageWidth: number, imageHeight: number): Box {
  let { x1, y1, x2, y2 } = box;
  const ratioCrop = (x2 - x1) / (y2 - y1);
  const ratioProcessing = processingWidth / processingHeight;
  if (ratioCrop > ratioProcessing) {
    const diff = Math.trunc((x2 - x1) / ratioProcessing - (y2 - y1));
    y1 -= Math.floor(diff / 2);
    y2 += diff - Math.floor(diff / 2);
    if (y2 >= imageHeight) {
      const over = y2 - imageHeight;
      y2 -= over;
      y1 -= over;
    }
    if (y1 < 0) {
      y2 -= y1;
      y1 = 0;
    }
    if (y2 >= imageHeight) y2 = imageHeight;
  } else {
    const diff = Math.trunc((y2 - y1) * ratioProcessing - (x2 - x1));
    x1 -= Math.floor(diff / 2);
    x2 += diff - Math.floor(diff / 2);
    if (x2 >= imageWidth) {
      const over = x2 - imageWidth;
      x2 -= over;
      x1 -= over;
    }
    if (x1 < 0) {
      x2 -= x1;
      x1 = 0;
    }
    if (x2 >= imageWidth) x2 = imageWidth;
  }
  return { x1, y1, x2, y2 };
}
