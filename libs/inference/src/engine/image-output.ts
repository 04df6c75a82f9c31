import sharp from 'sharp';
import { insertPngText } from './png-text';
import type { RgbImage } from './vae';

export type OutputFormat = 'png' | 'webp' | 'jpeg';

export const CONTENT_TYPES: Record<OutputFormat, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * Encodes an image with sharp. PNG (the default) carries the generation parameters in a "parameters" text chunk,
 * where A1111 puts them; WebP and JPEG carry them in EXIF ImageDescription.
 */
/**
 * PNG outputs: zlib level 3 with adaptive row filters. Measured on 512² images here, about as fast as level 6
 * without filters (sharp's default) or faster, with files ~25% smaller; level 6 with filters costs ~2.5× the time.
 */
export const PNG_OPTIONS = { compressionLevel: 3, adaptiveFiltering: true } as const;

export async function encodeImageOutput(img: RgbImage, format: OutputFormat, parameters: string): Promise<Buffer> {
  // Images with alpha (layer diffusion) keep it in PNG and WebP; JPEG has none, so they are flattened on white.
  const withAlpha = img.alpha ? interleaveAlpha(img, img.alpha) : undefined;
  let raw = sharp(withAlpha ?? Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: withAlpha ? 4 : 3 },
  });
  if (withAlpha && format === 'jpeg') raw = raw.flatten({ background: { r: 255, g: 255, b: 255 } });
  if (format === 'png') return insertPngText(await raw.png(PNG_OPTIONS).toBuffer(), { parameters });
  const exif = { IFD0: { ImageDescription: asciiSafe(parameters) } };
  return format === 'webp' ? raw.webp({ quality: 90 }).withExif(exif).toBuffer() : raw.jpeg({ quality: 92 }).withExif(exif).toBuffer();
}

function interleaveAlpha(img: RgbImage, alpha: Uint8Array): Buffer {
  const plane = img.width * img.height;
  if (alpha.length !== plane) throw new Error(`alpha has ${alpha.length} values for ${plane} pixels`);
  const out = Buffer.alloc(plane * 4);
  for (let p = 0; p < plane; p++) {
    out[p * 4] = img.data[p * 3];
    out[p * 4 + 1] = img.data[p * 3 + 1];
    out[p * 4 + 2] = img.data[p * 3 + 2];
    out[p * 4 + 3] = alpha[p];
  }
  return out;
}

/** EXIF ASCII fields hold 7-bit text: other characters become \u escapes. */
function asciiSafe(text: string): string {
  return text.replace(/[^\x20-\x7e\n]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
