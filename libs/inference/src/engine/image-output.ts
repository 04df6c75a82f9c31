import sharp from 'sharp';
import { encodePng } from './png-encoder';
import { textChunk } from './png-text';
import type { RgbImage } from './vae';

export type OutputFormat = 'png' | 'webp' | 'jpeg';

export const CONTENT_TYPES: Record<OutputFormat, string> = { png: 'image/png', webp: 'image/webp', jpeg: 'image/jpeg' };

/**
 * Encodes an output image. PNG (the default) goes through the project's strip-parallel encoder (png-encoder.ts)
 * and carries the generation parameters in a "parameters" text chunk, where A1111 puts them; WebP and JPEG are
 * sharp's, with the parameters in EXIF ImageDescription.
 */
export async function encodeImageOutput(img: RgbImage, format: OutputFormat, parameters: string): Promise<Buffer> {
  // Images with alpha (layer diffusion) keep it in PNG and WebP; JPEG has none, so they are flattened on white.
  const withAlpha = img.alpha ? interleaveAlpha(img, img.alpha) : undefined;
  if (format === 'png') {
    const pixels = { data: withAlpha ?? img.data, width: img.width, height: img.height, channels: withAlpha ? 4 : 3 } as const;
    return encodePng(pixels, [textChunk('parameters', parameters)]);
  }
  let raw = sharp(withAlpha ?? Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: withAlpha ? 4 : 3 },
  });
  if (withAlpha && format === 'jpeg') raw = raw.flatten({ background: { r: 255, g: 255, b: 255 } });
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
