import type * as ort from 'onnxruntime-node';
import { LATENT_CHANNELS } from '../engine/guided-unet';
import { floatData, floatTensor, timestepTensor, type OnnxComponent, type ValueInfo } from '../engine/onnx-component';
import type { PromptConditioning } from '../engine/text-conditioning';
import type { UNetCall } from '../samplers';
import { windowCoverage } from './frame-windows';

export interface MotionGuidedUNetOptions {
  /** A motion UNet: sample [batch, 4, frames, h, w] → out_sample of the same shape. */
  unet: OnnxComponent;
  /** Clips sampled together. */
  count: number;
  /** Frames per clip; the sampler's vector holds clip i's frame f at item i · frames + f. */
  frames: number;
  /** Frame indices of each UNet call (frameWindows). */
  windows: readonly (readonly number[])[];
  latentHeight: number;
  latentWidth: number;
  cfgScale: number;
  cond: PromptConditioning;
  uncond: PromptConditioning;
  /** SDXL micro-conditioning, one row per clip. */
  timeIds?: Float32Array;
  /** Most clips (× cond/uncond) per UNet call; absent = all where the batch axis is dynamic. */
  maxBatch?: number;
}

interface Row {
  uncond: boolean;
  clip: number;
}

function repeatRows(info: ValueInfo, rows: Float32Array[], dims: number[]): ort.Tensor {
  const per = rows[0].length;
  const data = new Float32Array(per * rows.length);
  rows.forEach((r, i) => data.set(r, i * per));
  return floatTensor(info, data, dims);
}

/**
 * A motion UNet with classifier-free guidance, as the samplers' UNetCall over all frames of all clips. Each window
 * of frames goes through the UNet as one clip per (branch, clip) row, so the motion modules see the frames
 * together; frames in several windows get the mean of their predictions. The text conditioning is one row per clip
 * (the graph repeats it for every frame). Guidance is uncond + cfgScale · (cond − uncond); cfgScale 1 skips uncond.
 */
export function motionGuidedUNet(o: MotionGuidedUNetOptions): UNetCall<Float32Array> {
  const { unet, count, frames, latentHeight: h, latentWidth: w } = o;
  const hw = h * w;
  const latentSize = LATENT_CHANNELS * hw;
  const guided = o.cfgScale !== 1;
  const rows: Row[] = [
    ...(guided ? Array.from({ length: count }, (_, clip) => ({ uncond: true, clip })) : []),
    ...Array.from({ length: count }, (_, clip) => ({ uncond: false, clip })),
  ];
  const size = unet.fixedBatch('sample') ?? Math.max(1, Math.min(o.maxBatch ?? rows.length, rows.length));
  const sampleInfo = unet.input('sample');
  const timestepInfo = unet.input('timestep');
  const outputName = unet.outputs.has('out_sample') ? 'out_sample' : [...unet.outputs.keys()][0];
  const coverage = windowCoverage(frames, o.windows);

  const groups: { rows: Row[]; padded: Row[]; feeds: Record<string, ort.Tensor> }[] = [];
  for (let start = 0; start < rows.length; start += size) {
    const part = rows.slice(start, start + size);
    // A fixed batch larger than what is left repeats the last row; its output is ignored.
    const padded = Array.from({ length: size }, (_, i) => part[Math.min(i, part.length - 1)]);
    const pick = (c: 'hidden' | 'pooled') => padded.map((r) => (r.uncond ? o.uncond : o.cond)[c] as Float32Array);
    const feeds: Record<string, ort.Tensor> = {
      encoder_hidden_states: repeatRows(unet.input('encoder_hidden_states'), pick('hidden'), [size, o.cond.tokens, o.cond.dim]),
    };
    if (unet.hasInput('text_embeds')) {
      if (!o.cond.pooled || !o.uncond.pooled) throw new Error('this motion UNet takes text_embeds: pooled text embeddings are required');
      feeds.text_embeds = repeatRows(unet.input('text_embeds'), pick('pooled'), [size, o.cond.pooled.length]);
    }
    if (unet.hasInput('time_ids')) {
      if (!o.timeIds) throw new Error('this motion UNet takes time_ids: SDXL size conditioning is required');
      feeds.time_ids = repeatRows(unet.input('time_ids'), padded.map(() => o.timeIds as Float32Array), [size, o.timeIds.length]);
    }
    groups.push({ rows: part, padded, feeds });
  }

  return async (input, timestep) => {
    const sums = { cond: new Float32Array(count * frames * latentSize), uncond: guided ? new Float32Array(count * frames * latentSize) : undefined };
    const t = timestepTensor(timestepInfo, timestep);
    for (const window of o.windows) {
      const wf = window.length;
      for (const g of groups) {
        // [rows, 4, frames, h, w]: channel-major per row, the window's frames inside each channel.
        const sample = new Float32Array(size * LATENT_CHANNELS * wf * hw);
        g.padded.forEach((r, ri) => {
          window.forEach((f, k) => {
            const from = (r.clip * frames + f) * latentSize;
            for (let c = 0; c < LATENT_CHANNELS; c++) {
              sample.set(input.subarray(from + c * hw, from + (c + 1) * hw), ((ri * LATENT_CHANNELS + c) * wf + k) * hw);
            }
          });
        });
        const out = await unet.run({ ...g.feeds, sample: floatTensor(sampleInfo, sample, [size, LATENT_CHANNELS, wf, h, w]), timestep: t }, [outputName]);
        const data = floatData(out[outputName]);
        g.rows.forEach((r, ri) => {
          const target = r.uncond ? (sums.uncond as Float32Array) : sums.cond;
          window.forEach((f, k) => {
            const to = (r.clip * frames + f) * latentSize;
            for (let c = 0; c < LATENT_CHANNELS; c++) {
              const src = ((ri * LATENT_CHANNELS + c) * wf + k) * hw;
              const dst = to + c * hw;
              for (let p = 0; p < hw; p++) target[dst + p] += data[src + p];
            }
          });
        });
      }
    }
    const result = new Float32Array(sums.cond.length);
    const scale = o.cfgScale;
    for (let item = 0; item < count * frames; item++) {
      const inv = 1 / coverage[item % frames];
      const off = item * latentSize;
      for (let i = off; i < off + latentSize; i++) {
        const c = sums.cond[i] * inv;
        result[i] = sums.uncond ? sums.uncond[i] * inv + scale * (c - sums.uncond[i] * inv) : c;
      }
    }
    return result;
  };
}
