import type * as ort from 'onnxruntime-node';
import type { UNetCall } from '../samplers';
import type { ControlNetGuidance } from '../controlnet/controlnet-guidance';
import { isResidualName } from '../controlnet/controlnet-residuals';
import { floatData, floatTensor, OnnxComponent, timestepTensor, type ValueInfo } from './onnx-component';
import type { PromptConditioning } from './text-conditioning';

export const LATENT_CHANNELS = 4;

export interface GuidedUNetOptions {
  unet: OnnxComponent;
  /** Images sampled together; the sampler's vector holds them one after the other. */
  count: number;
  latentHeight: number;
  latentWidth: number;
  cfgScale: number;
  cond: PromptConditioning;
  uncond: PromptConditioning;
  /** SDXL's six micro-conditioning values (original size, crop top-left, target size). */
  timeIds?: Float32Array;
  /**
   * Most items (images × cond/uncond) per UNet call. Absent: all of them at once when the batch axis is dynamic;
   * a fixed batch axis always gets its own size.
   */
  maxBatch?: number;
  /** ControlNet units: their summed residuals replace the zero residuals on the steps where a unit acts. */
  control?: ControlNetGuidance;
}

/** One UNet call's share of the work: which (branch, image) items, and the feeds that never change between steps. */
interface BatchGroup {
  items: { uncond: boolean; image: number }[];
  /** Per batch row (padding included): whether it is an unconditional item. */
  uncondRows: boolean[];
  size: number;
  staticFeeds: Record<string, ort.Tensor>;
  /** The UNet's `sample` input, filled anew each call (allocated once: a fresh 128 KiB array per step cost more than the copy). */
  sample: Float32Array;
}

function spatialDim(dim: number | string | undefined, full: number): number {
  if (typeof dim === 'number' && dim > 0) return dim;
  const m = typeof dim === 'string' ? /\/\s*(\d+)\s*$/.exec(dim) : null;
  return m ? Math.ceil(full / Number(m[1])) : full;
}

/**
 * Zero residuals for a UNet exported with ControlNet inputs (`down_block_additional_residuals.*`,
 * `mid_block_additional_residual`, or `down_block_<i>`) when no ControlNet acts: adding zero leaves the UNet as it is.
 */
function zeroResidualFeeds(unet: OnnxComponent, batch: number, h: number, w: number): Record<string, ort.Tensor> {
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, info] of unet.inputs) {
    if (!isResidualName(name)) continue;
    const channels = typeof info.shape[1] === 'number' ? info.shape[1] : 0;
    if (!channels) throw new Error(`${name}: its channel count is not fixed in the graph`);
    const dims = [batch, channels, spatialDim(info.shape[2], h), spatialDim(info.shape[3], w)];
    feeds[name] = floatTensor(info, new Float32Array(dims.reduce((a, b) => a * b, 1)), dims);
  }
  return feeds;
}

function repeatRows(info: ValueInfo, rows: Float32Array[], dims: number[]): ort.Tensor {
  const per = rows[0].length;
  const data = new Float32Array(per * rows.length);
  rows.forEach((r, i) => data.set(r, i * per));
  return floatTensor(info, data, dims);
}

/**
 * The UNet with classifier-free guidance, as the samplers' UNetCall: for every image it evaluates the unconditional
 * and conditional branches (one batch of 2 × count when the graph allows, else in groups) and returns
 * uncond + cfgScale · (cond − uncond). Guidance on the raw output is the same as A1111's guidance on the denoised
 * estimate, since the denoiser is affine in the output with the same coefficients for both branches. At cfgScale 1
 * the unconditional branch is skipped.
 */
export function guidedUNet(o: GuidedUNetOptions): UNetCall<Float32Array> {
  const { unet, count, latentHeight: h, latentWidth: w } = o;
  const latentSize = LATENT_CHANNELS * h * w;
  const guided = o.cfgScale !== 1;
  const items = [
    ...(guided ? Array.from({ length: count }, (_, image) => ({ uncond: true, image })) : []),
    ...Array.from({ length: count }, (_, image) => ({ uncond: false, image })),
  ];
  const fixed = unet.fixedBatch('sample');
  const size = fixed ?? Math.max(1, Math.min(o.maxBatch ?? items.length, items.length));
  const sampleInfo = unet.input('sample');
  const timestepInfo = unet.input('timestep');
  const contextInfo = unet.input('encoder_hidden_states');
  const outputName = unet.outputs.has('out_sample') ? 'out_sample' : [...unet.outputs.keys()][0];

  const groups: BatchGroup[] = [];
  for (let start = 0; start < items.length; start += size) {
    const part = items.slice(start, start + size);
    // A fixed batch larger than what is left repeats the last item; its output is ignored.
    const padded = Array.from({ length: size }, (_, i) => part[Math.min(i, part.length - 1)]);
    const pick = (c: 'hidden' | 'pooled') => padded.map((it) => (it.uncond ? o.uncond : o.cond)[c] as Float32Array);
    const staticFeeds: Record<string, ort.Tensor> = {
      encoder_hidden_states: repeatRows(contextInfo, pick('hidden'), [size, o.cond.tokens, o.cond.dim]),
      ...zeroResidualFeeds(unet, size, h, w),
    };
    if (unet.hasInput('text_embeds')) {
      if (!o.cond.pooled || !o.uncond.pooled) throw new Error('this UNet takes text_embeds: pooled text embeddings are required');
      staticFeeds.text_embeds = repeatRows(unet.input('text_embeds'), pick('pooled'), [size, o.cond.pooled.length]);
    }
    if (unet.hasInput('time_ids')) {
      if (!o.timeIds) throw new Error('this UNet takes time_ids: SDXL size conditioning is required');
      staticFeeds.time_ids = repeatRows(unet.input('time_ids'), padded.map(() => o.timeIds as Float32Array), [size, o.timeIds.length]);
    }
    groups.push({ items: part, uncondRows: padded.map((it) => it.uncond), size, staticFeeds, sample: new Float32Array(size * latentSize) });
  }
  // Scratch for the unconditional outputs, read before the call returns; the conditional ones go back to the sampler.
  const uncondOut = guided ? new Float32Array(count * latentSize) : undefined;

  return async (input, timestep) => {
    const condOut = new Float32Array(count * latentSize);
    const t = timestepTensor(timestepInfo, timestep);
    for (const g of groups) {
      const { sample } = g;
      for (let i = 0; i < g.size; i++) {
        const image = g.items[Math.min(i, g.items.length - 1)].image;
        sample.set(input.subarray(image * latentSize, (image + 1) * latentSize), i * latentSize);
      }
      const sampleTensor = floatTensor(sampleInfo, sample, [g.size, LATENT_CHANNELS, h, w]);
      const residuals = o.control ? await o.control.residuals({ uncond: g.uncondRows, sample: sampleTensor, timestep, context: g.staticFeeds }) : undefined;
      const out = await unet.run({ ...g.staticFeeds, ...residuals, sample: sampleTensor, timestep: t }, [outputName]);
      const data = floatData(out[outputName]);
      g.items.forEach((it, i) => {
        (it.uncond ? (uncondOut as Float32Array) : condOut).set(data.subarray(i * latentSize, (i + 1) * latentSize), it.image * latentSize);
      });
    }
    return uncondOut ? applyGuidance(uncondOut, condOut, o.cfgScale) : condOut;
  };
}

/** uncond + scale · (cond − uncond), written into cond (a fresh array of this call). */
function applyGuidance(uncond: Float32Array, cond: Float32Array, scale: number): Float32Array {
  for (let i = 0; i < cond.length; i++) cond[i] = uncond[i] + scale * (cond[i] - uncond[i]);
  return cond;
}
