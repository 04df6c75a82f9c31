import { resizeRgb, type RgbImage } from '../engine/vae';
import { resizeGray, type GrayImage } from './gray-image';

/** A1111's resize modes for an image that is not the processing size. */
export type ImageResizeMode = 'JUST_RESIZE' | 'CROP_AND_RESIZE' | 'RESIZE_AND_FILL';

interface Raster {
  data: Uint8Array;
  width: number;
  height: number;
}

/**
 * Places `src` (already scaled) on a width × height canvas at offset (ox, oy); canvas pixels outside it take the
 * nearest edge pixel of `src` (A1111's "resize and fill" stretches the edge rows or columns; for "crop and resize"
 * the offsets are ≤ 0 and every canvas pixel lies inside).
 */
function place(src: Raster, channels: number, width: number, height: number, ox: number, oy: number): Uint8Array {
  const out = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    const sy = Math.min(Math.max(y - oy, 0), src.height - 1);
    for (let x = 0; x < width; x++) {
      const sx = Math.min(Math.max(x - ox, 0), src.width - 1);
      const s = (sy * src.width + sx) * channels;
      const d = (y * width + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = src.data[s + c];
    }
  }
  return out;
}

async function byMode<T extends Raster>(img: T, channels: number, mode: ImageResizeMode, width: number, height: number, resize: (r: T, w: number, h: number) => Promise<T>): Promise<T> {
  if (mode === 'JUST_RESIZE') return resize(img, width, height);
  const ratio = width / height;
  const srcRatio = img.width / img.height;
  let w: number;
  let h: number;
  if (mode === 'CROP_AND_RESIZE') {
    w = ratio > srcRatio ? width : Math.floor((img.width * height) / img.height);
    h = ratio <= srcRatio ? height : Math.floor((img.height * width) / img.width);
  } else {
    w = ratio < srcRatio ? width : Math.floor((img.width * height) / img.height);
    h = ratio >= srcRatio ? height : Math.floor((img.height * width) / img.width);
  }
  const scaled = await resize(img, w, h);
  if (w === width && h === height) return scaled;
  const ox = (width >> 1) - (w >> 1);
  const oy = (height >> 1) - (h >> 1);
  return { ...scaled, data: place(scaled, channels, width, height, ox, oy), width, height };
}

/** A1111's resize_image for RGB: stretch, crop the overflow (centred), or fit and fill the bars with edge pixels. */
export function resizeRgbByMode(img: RgbImage, mode: ImageResizeMode, width: number, height: number): Promise<RgbImage> {
  return byMode(img, 3, mode, width, height, (r, w, h) => resizeRgb(r, w, h));
}

/** The same for masks (Lanczos, as A1111 resizes "L" images). */
export function resizeGrayByMode(img: GrayImage, mode: ImageResizeMode, width: number, height: number): Promise<GrayImage> {
  return byMode(img, 1, mode, width, height, (r, w, h) => resizeGray(r, w, h));
}
