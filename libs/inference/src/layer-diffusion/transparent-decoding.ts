import { LATENT_CHANNELS } from '../engine/guided-unet';
import { floatData, floatTensor, OnnxComponent } from '../engine/onnx-component';
import type { RgbImage } from '../engine/vae';

/**
 * The transparency decoder's inputs, found by name: `latent_sample` (the unscaled latent, as the VAE decoder takes
 * it) and/or `pixel` (the VAE's RGB in [0, 1], CHW). A graph with other names is refused at load.
 */
export function transparentDecoderInputs(decoder: OnnxComponent): { latent?: string; pixel?: string } {
  const latent = decoder.hasInput('latent_sample') ? 'latent_sample' : undefined;
  const pixel = decoder.hasInput('pixel') ? 'pixel' : undefined;
  const unknown = [...decoder.inputs.keys()].filter((n) => n !== latent && n !== pixel);
  if ((!latent && !pixel) || unknown.length) {
    throw new Error(`the transparency decoder must take "latent_sample" and/or "pixel"; it takes ${[...decoder.inputs.keys()].join(', ')}`);
  }
  return { latent, pixel };
}

/**
 * One image's RGBA from the transparency decoder: its output [1, 4, H, W] in [0, 1] holds alpha in channel 0 and
 * the foreground colour in channels 1–3 (LayerDiffuse's order); the colour replaces the VAE's RGB, which is
 * transparent-background-blended, and alpha becomes the image's alpha.
 */
export async function decodeTransparent(
  decoder: OnnxComponent,
  rgb: RgbImage,
  latent: Float32Array,
  latentHeight: number,
  latentWidth: number,
  scalingFactor: number,
): Promise<RgbImage> {
  const { latent: latentName, pixel: pixelName } = transparentDecoderInputs(decoder);
  const feeds: Parameters<OnnxComponent['run']>[0] = {};
  if (latentName) {
    const unscaled = new Float32Array(latent.length);
    for (let i = 0; i < latent.length; i++) unscaled[i] = latent[i] / scalingFactor;
    feeds[latentName] = floatTensor(decoder.input(latentName), unscaled, [1, LATENT_CHANNELS, latentHeight, latentWidth]);
  }
  const { width, height } = rgb;
  const plane = width * height;
  if (pixelName) {
    const chw = new Float32Array(3 * plane);
    for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) chw[c * plane + p] = rgb.data[p * 3 + c] / 255;
    feeds[pixelName] = floatTensor(decoder.input(pixelName), chw, [1, 3, height, width]);
  }
  const outputName = [...decoder.outputs.keys()][0];
  const out = (await decoder.run(feeds, [outputName]))[outputName];
  const [, channels, outH, outW] = out.dims;
  if (channels !== 4 || outH !== height || outW !== width) {
    throw new Error(`the transparency decoder returned [${out.dims.join(', ')}]; expected [1, 4, ${height}, ${width}] (alpha, R, G, B)`);
  }
  const data = floatData(out);
  const color = new Uint8ClampedArray(3 * plane);
  const alpha = new Uint8ClampedArray(plane);
  for (let p = 0; p < plane; p++) {
    alpha[p] = data[p] * 255;
    for (let c = 0; c < 3; c++) color[p * 3 + c] = data[(c + 1) * plane + p] * 255;
  }
  return { data: new Uint8Array(color.buffer), width, height, alpha: new Uint8Array(alpha.buffer) };
}
