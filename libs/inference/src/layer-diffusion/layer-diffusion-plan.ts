import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DiffusionParams } from '@darkroom/contracts';
import { loadLora, type LoadedLora } from '../engine/lora-merge';
import { readComponent, type ComponentFiles, type ModelFolder } from '../engine/model-folder';
import { FatalRunError } from '../runner/job-runner';

export const LAYER_DIFFUSION_FOLDER = 'layer_diffusion';
export const TRANSPARENT_DECODER = 'vae_transparent_decoder';
export const LAYER_LORA_FILE = 'layer_lora.safetensors';

export interface LayerDiffusionPlan {
  /** `layer_diffusion/vae_transparent_decoder/model.onnx`. */
  decoder: ComponentFiles;
  /** `layer_diffusion/layer_lora.safetensors` at `layerDiffusion.weight` (default 1), merged like a LoRA item. */
  lora?: LoadedLora;
}

/**
 * Checks `layerDiffusion.enable` against the checkpoint: the transparency decoder is required; the layer LoRA (the
 * UNet weights that make it draw on transparency) is used when present, at `layerDiffusion.weight`. Without it a
 * weight other than 1 has nothing to act on, which is reported. Videos have no alpha: AnimateDiff is refused with it.
 */
export async function planLayerDiffusion(
  d: DiffusionParams,
  model: ModelFolder,
  checkpoint: { id: string; name: string },
  notices: string[],
): Promise<LayerDiffusionPlan> {
  const root = path.join(model.dir, LAYER_DIFFUSION_FOLDER);
  const decoder = existsSync(root) ? readComponent(root, TRANSPARENT_DECODER) : null;
  if (!decoder) {
    throw new FatalRunError(
      `layerDiffusion needs a layer_diffusion/ component (transparency decoder and attention weights) in "${checkpoint.name}": missing ${LAYER_DIFFUSION_FOLDER}/${TRANSPARENT_DECODER}/model.onnx`,
    );
  }
  if (d.animateDiff?.args.length) throw new FatalRunError('layerDiffusion makes transparent images; it cannot be combined with animateDiff.args');
  const weight = d.layerDiffusion?.weight ?? 1;
  const loraFile = path.join(root, LAYER_LORA_FILE);
  if (!existsSync(loraFile)) {
    if (weight !== 1) notices.push(`layerDiffusion.weight ${weight} has no effect: "${checkpoint.name}" has no ${LAYER_DIFFUSION_FOLDER}/${LAYER_LORA_FILE}`);
    return { decoder };
  }
  const lora = await loadLora({ id: `${checkpoint.id}:layer_diffusion`, name: `${checkpoint.name} layer diffusion`, file: loraFile, weight }, model.family);
  return { decoder, lora };
}
