import sharp from 'sharp';
import type { ResizeKernel, RgbImage } from '../engine/vae';

/** An 8-bit single-channel image (masks), row-major. */
export interface GrayImage {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Resizes a gray image with sharp (stretching); the same object when the size matches. */
export async function resizeGray(img: GrayImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<GrayImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 1 },
  })
    .resize(width, height, { fit: 'fill', kernel })
    .extractChannel(0)
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 1) throw new Error(`expected 1 channel, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** A rectangle in pixels: [x1, x2) × [y1, y2). */
export interface Box {
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** Copies a rectangle out of an image with `channels` bytes per pixel. */
function cropRaw(data: Uint8Array, width: number, channels: number, box: Box): Uint8Array {
  const w = box.x2 - box.x1;
  const out = new Uint8Array(w * (box.y2 - box.y1) * channels);
  for (let y = box.y1; y < box.y2; y++) out.set(data.subarray((y * width + box.x1) * channels, (y * width + box.x2) * channels), (y - box.y1) * w * channels);
  return out;
}

export function cropRgb(img: RgbImage, box: Box): RgbImage {
  return { data: cropRaw(img.data, img.width, 3, box), width: box.x2 - box.x1, height: box.y2 - box.y1 };
}

export function cropGray(img: GrayImage, box: Box): GrayImage {
  return { data: cropRaw(img.data, img.width, 1, box), width: box.x2 - box.x1, height: box.y2 - box.y1 };
}
