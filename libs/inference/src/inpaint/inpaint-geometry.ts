import type { ImageToInpaint } from '@darkroom/contracts';
import { cropGray, resizeGray, type Box, type GrayImage } from './gray-image';
import { expandCropRegion, maskCropRegion } from './crop-region';
import { binarize, blurMask, invertMask, maskIsEmpty } from './inpaint-mask';
import { resizeGrayByMode, type ImageResizeMode } from './resize-modes';

/** Where an inpaint pass works and which pixels it may change; the same for every image of the job. */
export interface InpaintGeometry {
  /** Nothing to repaint (the mask is empty after invert and blur): images pass through. */
  empty: boolean;
  /** Full-resolution inpainting: the box of the input image that is processed (at width × height). */
  region?: Box;
  /** The processing mask at width × height (blurred; what fill and the latent mask come from). */
  processMask: GrayImage;
  /** Alpha of the generated image in the final composite, at the output size. */
  overlayMask: GrayImage;
  /** Size of the stage's images: the input's for full resolution, else width × height. */
  output: { width: number; height: number };
  /** latentHeight × latentWidth, 1 = repaint (A1111: bicubic to latent size, rounded). */
  latentMask: Float32Array;
  /** 9-channel UNets: the rounded mask at pixel size (for the masked image) and at latent size (nearest). */
  conditioningPixels: Uint8Array;
  conditioningLatent: Float32Array;
}

export interface InpaintGeometryOptions {
  width: number;
  height: number;
  resizeMode: ImageResizeMode;
  maskBlur: number;
  invert: boolean;
  fullRes: boolean;
  fullResPadding: number;
}

/** The contract's resize mode as the one masks and overlays use (the latent variant stretches them). */
export function inpaintResizeMode(mode: ImageToInpaint['resizeMode']): ImageResizeMode {
  return mode === 'CROP_AND_RESIZE' || mode === 'RESIZE_AND_FILL' ? mode : 'JUST_RESIZE';
}

/**
 * A1111's mask preparation for img2img inpainting, for images of `input` size: the mask is brought to the input
 * size, inverted if asked, blurred (maskBlur), then either cropped to the masked area plus padding, grown to the
 * processing aspect ratio and fitted to width × height (inpaintFullRes: the output keeps the input size), or
 * resized to width × height with the resize mode (the overlay mask then doubles the blurred values, as A1111 does).
 */
export async function planInpaintGeometry(mask: GrayImage, input: { width: number; height: number }, o: InpaintGeometryOptions): Promise<InpaintGeometry> {
  let m = mask.width === input.width && mask.height === input.height ? mask : binarize(await resizeGray(mask, input.width, input.height));
  if (o.invert) m = invertMask(m);
  m = blurMask(m, o.maskBlur);
  const latentW = o.width / 8;
  const latentH = o.height / 8;
  let processMask: GrayImage;
  let overlayMask: GrayImage;
  let region: Box | undefined;
  let output: { width: number; height: number };
  const empty = maskIsEmpty(m);
  const box = o.fullRes ? maskCropRegion(m, o.fullResPadding) : null;
  if (o.fullRes && box) {
    region = expandCropRegion(box, o.width, o.height, input.width, input.height);
    processMask = await resizeGrayByMode(cropGray(m, region), 'RESIZE_AND_FILL', o.width, o.height);
    overlayMask = m;
    output = input;
  } else {
    processMask = await resizeGrayByMode(m, o.resizeMode, o.width, o.height);
    const doubled = new Uint8Array(processMask.data.length);
    for (let i = 0; i < doubled.length; i++) doubled[i] = Math.min(255, processMask.data[i] * 2);
    overlayMask = { ...processMask, data: doubled };
    output = { width: o.width, height: o.height };
  }
  const small = await resizeGray(processMask, latentW, latentH, 'cubic');
  const latentMask = new Float32Array(latentW * latentH);
  for (let i = 0; i < latentMask.length; i++) latentMask[i] = Math.round(small.data[i] / 255);
  const conditioningPixels = new Uint8Array(o.width * o.height);
  for (let i = 0; i < conditioningPixels.length; i++) conditioningPixels[i] = processMask.data[i] > 127 ? 1 : 0;
  const conditioningLatent = new Float32Array(latentW * latentH);
  for (let y = 0; y < latentH; y++) for (let x = 0; x < latentW; x++) conditioningLatent[y * latentW + x] = conditioningPixels[y * 8 * o.width + x * 8];
  return { empty, region, processMask, overlayMask, output, latentMask, conditioningPixels, conditioningLatent };
}
