import { rm } from 'node:fs/promises';
import * as path from 'node:path';
import { buildMotionUnet } from './motion-unet.graph';
import { TensorSpec } from './onnx-graph.builder';
import { json, TinyFamily, unetConfig } from './pipeline-configs';
import { generateTinyPipeline, resolveTinyOptions, tinyUnetSpec, TinyModelDescription, TinyModelOptions, writeAll } from './tiny-pipeline.generator';

export interface TinyMotionModelOptions extends Omit<TinyModelOptions, 'controlNet'> {
  /** sd15 (default) or sd2; SDXL motion models are not generated. */
  family?: Exclude<TinyFamily, 'sdxl'>;
  /**
   * Where the motion UNet goes: `unet_motion/` beside the image UNet (default; the checkpoint serves images and
   * videos), or `unet/` itself (the layout of an exported AnimateDiff pipeline, whose only UNet is the motion one).
   */
  layout?: 'unet_motion' | 'unet';
  /** A fixed frame axis (an export traced at one clip length); default dynamic. */
  frames?: number;
  /** Frame positions the motion modules know (`motion_max_seq_length`; default 32). */
  maxFrames?: number;
  /** Scale of the motion modules' output projections (default 1; 0 = identity modules). */
  motionScale?: number;
}

export interface TinyMotionModelDescription extends TinyModelDescription {
  /** Folder of the motion UNet: `unet_motion` or `unet`. */
  motionFolder: string;
  motionInputs: TensorSpec[];
  motionWeights: string[];
}

/**
 * A tiny checkpoint with an AnimateDiff motion UNet (see motion-unet.graph.ts): the regular tiny pipeline plus the
 * motion UNet in `unet_motion/` (or replacing `unet/`), with a `config.json` of class `UNetMotionModel`. Its spatial
 * weights equal the image UNet's for the same options.
 */
export async function generateTinyMotionModel(dir: string, opts: TinyMotionModelOptions = {}): Promise<TinyMotionModelDescription> {
  const { family = 'sd15', layout = 'unet_motion', frames, maxFrames = 32, motionScale = 1, ...base } = opts;
  if (frames !== undefined && !(Number.isInteger(frames) && frames > 0 && frames <= maxFrames)) throw new Error(`frames must be an integer in 1…${maxFrames}`);
  const desc = await generateTinyPipeline(dir, family, base);
  const o = resolveTinyOptions(base);
  const spec = tinyUnetSpec(family, o);
  const graph = buildMotionUnet({ ...spec, frames: frames ?? 'frames', maxFrames, motionScale });
  const config = {
    ...unetConfig({ family, channels: spec.channels, crossAttentionDim: spec.crossAttentionDim }),
    _class_name: 'UNetMotionModel',
    motion_layers_per_block: 1,
    motion_max_seq_length: maxFrames,
    motion_num_attention_heads: 1,
    use_motion_mid_block: false,
  };
  if (layout === 'unet') await rm(path.join(dir, 'unet'), { recursive: true, force: true });
  await writeAll(
    dir,
    new Map<string, string | Uint8Array>([
      [`${layout}/model.onnx`, graph.toBytes()],
      [`${layout}/config.json`, json(config)],
    ]),
  );
  const files = new Set(desc.files.filter((f) => layout !== 'unet' || !f.startsWith('unet/')));
  files.add(`${layout}/model.onnx`).add(`${layout}/config.json`);
  return { ...desc, files: [...files].sort(), motionFolder: layout, motionInputs: [...graph.inputSpecs], motionWeights: [...graph.weights.keys()] };
}
