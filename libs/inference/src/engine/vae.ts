import sharp from 'sharp';
import { floatData, floatTensor, OnnxComponent } from './onnx-component';
import { LATENT_CHANNELS } from './guided-unet';
import { scale } from '../samplers/vec';

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  /** Optional alpha, one byte per pixel (layer diffusion's transparent images); stages that resample images drop it. */
  alpha?: Uint8Array;
}

/** CHW floats in (−1, 1) → interleaved 8-bit RGB (clamped, rounded to nearest by Uint8ClampedArray). */
export function chwToRgb(chw: Float32Array, width: number, height: number): RgbImage {
  const plane = width * height;
  const data = new Uint8ClampedArray(plane * 3);
  for (let p = 0, o = 0; p < plane; p++, o += 3) {
    data[o] = (chw[p] + 1) * 127.5;
    data[o + 1] = (chw[plane + p] + 1) * 127.5;
    data[o + 2] = (chw[2 * plane + p] + 1) * 127.5;
  }
  return { data: new Uint8Array(data.buffer), width, height };
}

/** Interleaved 8-bit RGB → CHW floats in [−1, 1], the VAE encoder's input. */
export function rgbToChw(img: RgbImage): Float32Array {
  const plane = img.width * img.height;
  const out = new Float32Array(plane * 3);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) out[c * plane + p] = img.data[p * 3 + c] / 127.5 - 1;
  }
  return out;
}

/** Decodes any image sharp reads and resizes it (stretching, A1111's "just resize") to width × height RGB. */
export async function loadRgb(bytes: Buffer, width: number, height: number): Promise<RgbImage> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .resize(width, height, { fit: 'fill' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after flattening, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Latents (already multiplied by the scaling factor) of one image → RGB through the VAE decoder. */
export async function decodeLatent(decoder: OnnxComponent, latent: Float32Array, latentHeight: number, latentWidth: number, scalingFactor: number): Promise<RgbImage> {
  const scaled = scale(latent, 1 / scalingFactor);
  const inputName = decoder.hasInput('latent_sample') ? 'latent_sample' : [...decoder.inputs.keys()][0];
  const outputName = decoder.outputs.has('sample') ? 'sample' : [...decoder.outputs.keys()][0];
  const out = await decoder.run({ [inputName]: floatTensor(decoder.input(inputName), scaled, [1, LATENT_CHANNELS, latentHeight, latentWidth]) }, [outputName]);
  const t = out[outputName];
  const [, , height, width] = t.dims;
  return chwToRgb(floatData(t), width, height);
}

/**
 * An RGB image → its latent through the VAE encoder, multiplied by the scaling factor. Exports that return the
 * distribution (`latent_parameters`, mean then log-variance) give their mean; `latent_sample` exports give what
 * the graph computed (real ones sample inside the graph).
 */
export async function encodeImage(encoder: OnnxComponent, img: RgbImage, scalingFactor: number): Promise<Float32Array> {
  return encodeChw(encoder, rgbToChw(img), img.width, img.height, scalingFactor);
}

/** CHW floats in [−1, 1] (e.g. a masked image, whose hidden part is 0: mid grey) → latent, as `encodeImage`. */
export async function encodeChw(encoder: OnnxComponent, chw: Float32Array, width: number, height: number, scalingFactor: number): Promise<Float32Array> {
  const inputName = encoder.hasInput('sample') ? 'sample' : [...encoder.inputs.keys()][0];
  const outputName = encoder.outputs.has('latent_sample')
    ? 'latent_sample'
    : encoder.outputs.has('latent_parameters')
      ? 'latent_parameters'
      : [...encoder.outputs.keys()][0];
  const out = await encoder.run({ [inputName]: floatTensor(encoder.input(inputName), chw, [1, 3, height, width]) }, [outputName]);
  const t = out[outputName];
  const data = floatData(t);
  const size = LATENT_CHANNELS * (t.dims[2] as number) * (t.dims[3] as number);
  const latent = new Float32Array(size);
  // The mean is the first four channels of either layout.
  for (let i = 0; i < size; i++) latent[i] = data[i] * scalingFactor;
  return latent;
}

export type ResizeKernel = 'lanczos3' | 'nearest' | 'cubic' | 'linear' | 'mitchell';

/** Stretches an RGB image to width × height with sharp (Lanczos 3 unless told); the same object when the size matches. */
export async function resizeRgb(img: RgbImage, width: number, height: number, kernel: ResizeKernel = 'lanczos3'): Promise<RgbImage> {
  if (img.width === width && img.height === height) return img;
  const { data, info } = await sharp(Buffer.from(img.data.buffer, img.data.byteOffset, img.data.length), {
    raw: { width: img.width, height: img.height, channels: 3 },
  })
    .resize(width, height, { fit: 'fill', kernel })
    .raw()
    .toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}

/** Decodes any image sharp reads at its own size (EXIF-rotated, alpha flattened on white) to RGB. */
export async function decodeRgb(bytes: Buffer): Promise<RgbImage> {
  const { data, info } = await sharp(bytes)
    .rotate()
    .flatten({ background: { r: 255, g: 255, b: 255 } })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`expected 3 channels after flattening, got ${info.channels}`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height };
}
