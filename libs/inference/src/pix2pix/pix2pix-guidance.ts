import * as ort from 'onnxruntime-node';
import type { UNetCall } from '../samplers';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { floatData, floatTensor, OnnxComponent, timestepTensor, type ValueInfo } from '../engine/onnx-component';
import type { PromptConditioning } from '../engine/text-conditioning';
import { PIX2PIX_UNET_CHANNELS } from './pix2pix-plan';

/** The three InstructPix2Pix branches: text + image, image only (empty text), neither (empty text, zero image). */
type Branch = 'full' | 'image' | 'none';
interface Item {
  branch: Branch;
  image: number;
}

export interface Pix2pixUNetOptions {
  unet: OnnxComponent;
  count: number;
  latentHeight: number;
  latentWidth: number;
  /** Text guidance (the job's cfgScale). */
  textScale: number;
  /** Image guidance: how closely the result keeps to the input image. */
  imageScale: number;
  cond: PromptConditioning;
  uncond: PromptConditioning;
  /** Unscaled latent of the image to edit (the VAE encoder's mode): one shared, or one per image one after the other. */
  imageLatents: Float32Array;
  timeIds?: Float32Array;
  /** Most items per UNet call (absent: all 3 × count at once when the batch axis is dynamic). */
  maxBatch?: number;
}

function rows(info: ValueInfo, parts: Float32Array[], dims: number[]): ort.Tensor {
  const per = parts[0].length;
  const data = new Float32Array(per * parts.length);
  parts.forEach((p, i) => data.set(p, i * per));
  return floatTensor(info, data, dims);
}

/**
 * An InstructPix2Pix UNet with its three-way classifier-free guidance, as the samplers' UNetCall. Each image is
 * evaluated with (prompt, image latent), (negative prompt, image latent) and (negative prompt, zero latent); the
 * sample fed to the UNet is the 4 noisy channels followed by the 4 image channels. Result:
 * ε = ε_none + textScale · (ε_full − ε_image) + imageScale · (ε_image − ε_none)
 * (diffusers' StableDiffusionInstructPix2PixPipeline, with the negative prompt in the unconditional rows). With both
 * scales 1 this is ε_full and only that branch runs.
 */
export function pix2pixGuidedUNet(o: Pix2pixUNetOptions): UNetCall<Float32Array> {
  const { unet, count, latentHeight: h, latentWidth: w } = o;
  const plane = h * w;
  const latentSize = LATENT_CHANNELS * plane;
  const branches: Branch[] = o.textScale === 1 && o.imageScale === 1 ? ['full'] : ['full', 'image', 'none'];
  const items: Item[] = branches.flatMap((branch) => Array.from({ length: count }, (_, image) => ({ branch, image })));
  const size = unet.fixedBatch('sample') ?? Math.max(1, Math.min(o.maxBatch ?? items.length, items.length));
  const sampleInfo = unet.input('sample');
  const timestepInfo = unet.input('timestep');
  const outputName = unet.outputs.has('out_sample') ? 'out_sample' : [...unet.outputs.keys()][0];
  const imageOf = (i: number) => (o.imageLatents.length === latentSize ? o.imageLatents : o.imageLatents.subarray(i * latentSize, (i + 1) * latentSize));
  if (o.imageLatents.length !== latentSize && o.imageLatents.length !== count * latentSize) {
    throw new Error(`pix2pix: ${o.imageLatents.length} image-latent values for ${count} images of ${latentSize}`);
  }

  const groups: { part: Item[]; padded: Item[]; staticFeeds: Record<string, ort.Tensor>; sample: Float32Array }[] = [];
  for (let start = 0; start < items.length; start += size) {
    const part = items.slice(start, start + size);
    const padded = Array.from({ length: size }, (_, i) => part[Math.min(i, part.length - 1)]);
    const text = (it: { branch: Branch }) => (it.branch === 'full' ? o.cond : o.uncond);
    const staticFeeds: Record<string, ort.Tensor> = {
      encoder_hidden_states: rows(unet.input('encoder_hidden_states'), padded.map((it) => text(it).hidden), [size, o.cond.tokens, o.cond.dim]),
    };
    if (unet.hasInput('text_embeds')) {
      if (!o.cond.pooled || !o.uncond.pooled) throw new Error('this UNet takes text_embeds: pooled text embeddings are required');
      staticFeeds.text_embeds = rows(unet.input('text_embeds'), padded.map((it) => text(it).pooled as Float32Array), [size, o.cond.pooled.length]);
    }
    if (unet.hasInput('time_ids')) {
      if (!o.timeIds) throw new Error('this UNet takes time_ids: SDXL size conditioning is required');
      staticFeeds.time_ids = rows(unet.input('time_ids'), padded.map(() => o.timeIds as Float32Array), [size, o.timeIds.length]);
    }
    // The image half of every row's sample never changes: written once, the noisy half is refreshed per call.
    const sample = new Float32Array(size * PIX2PIX_UNET_CHANNELS * plane);
    padded.forEach((it, i) => {
      if (it.branch !== 'none') sample.set(imageOf(it.image), (i * PIX2PIX_UNET_CHANNELS + LATENT_CHANNELS) * plane);
    });
    groups.push({ part, padded, staticFeeds, sample });
  }

  return async (input, timestep) => {
    const outs: Record<Branch, Float32Array> = { full: new Float32Array(count * latentSize), image: new Float32Array(0), none: new Float32Array(0) };
    if (branches.length > 1) {
      outs.image = new Float32Array(count * latentSize);
      outs.none = new Float32Array(count * latentSize);
    }
    const t = timestepTensor(timestepInfo, timestep);
    for (const g of groups) {
      g.padded.forEach((it, i) => g.sample.set(input.subarray(it.image * latentSize, (it.image + 1) * latentSize), i * PIX2PIX_UNET_CHANNELS * plane));
      const feeds = { ...g.staticFeeds, sample: floatTensor(sampleInfo, g.sample, [size, PIX2PIX_UNET_CHANNELS, h, w]), timestep: t };
      const data = floatData((await unet.run(feeds, [outputName]))[outputName]);
      g.part.forEach((it, i) => outs[it.branch].set(data.subarray(i * latentSize, (i + 1) * latentSize), it.image * latentSize));
    }
    if (branches.length === 1) return outs.full;
    return combinePix2pixBranches(outs, o.textScale, o.imageScale);
  };
}

/** InstructPix2Pix's three-branch guidance: none + st · (full − image) + si · (image − none). */
function combinePix2pixBranches(outs: Record<Branch, Float32Array>, st: number, si: number): Float32Array {
  const result = new Float32Array(outs.full.length);
  for (let i = 0; i < result.length; i++) {
    const none = outs.none[i];
    const image = outs.image[i];
    result[i] = none + st * (outs.full[i] - image) + si * (image - none);
  }
  return result;
}
