import { TinyFamily } from './pipeline-configs';
import { Prng } from './prng';
import { floatTensor, SafetensorsInput, writeSafetensors } from './safetensors';
import { buildPipelineGraphs, resolveTinyOptions, TinyModelOptions } from './tiny-pipeline.generator';

/**
 * A kohya-style LoRA (the format of most LoRA files in the wild) for a tiny model: for each targeted Linear weight
 * `W` [out, in] three tensors `<key>.lora_down.weight` [rank, in], `<key>.lora_up.weight` [out, rank] and
 * `<key>.alpha` (a scalar), where `<key>` is `lora_unet_` / `lora_te_` (SDXL: `lora_te1_`, `lora_te2_`) followed by
 * the weight's name without `.weight`, dots turned into underscores. Merging at multiplier m:
 * W ← W + m · (alpha / rank) · up @ down, which lands on the ONNX initializer of the same name as is.
 */

export type LoraTargetSet = 'attention' | 'attention+mlp';

export interface TinyLoraOptions {
  family?: TinyFamily;
  /** The options the base model was generated with (sizes must match). */
  base?: TinyModelOptions;
  rank?: number;
  /** Defaults to rank (scale 1). */
  alpha?: number;
  seed?: number;
  /** Std of the up weights relative to a Linear weight's std (default 0.5: a clearly visible change). */
  strength?: number;
  /** `attention` (default): UNet attn2 to_q/to_k/to_v/to_out.0 and text q/k/v/out_proj; `+mlp` adds fc1/fc2. */
  targets?: LoraTargetSet;
  /** Include text encoder targets (default true). */
  textEncoder?: boolean;
  dtype?: 'F32' | 'F16';
}

export interface LoraTarget {
  /** kohya module key, e.g. `lora_unet_down_blocks_0_attentions_0_transformer_blocks_0_attn2_to_k`. */
  key: string;
  component: 'unet' | 'text_encoder' | 'text_encoder_2';
  /** The ONNX initializer it modifies, e.g. `down_blocks.0.attentions.0.transformer_blocks.0.attn2.to_k.weight`. */
  initializer: string;
  /** [out, in] */
  shape: [number, number];
}

export interface TinyLoraDescription {
  file: string;
  rank: number;
  alpha: number;
  targets: LoraTarget[];
}

const KEY_PREFIX = { unet: 'lora_unet_', text_encoder: 'lora_te_', text_encoder_2: 'lora_te2_' } as const;

export function kohyaKey(component: LoraTarget['component'], initializer: string, sdxl: boolean): string {
  const prefix = sdxl && component === 'text_encoder' ? 'lora_te1_' : KEY_PREFIX[component];
  return prefix + initializer.replace(/\.weight$/, '').replace(/\./g, '_');
}

export async function generateTinyLora(file: string, opts: TinyLoraOptions = {}): Promise<TinyLoraDescription> {
  const family = opts.family ?? 'sd15';
  const rank = opts.rank ?? 4;
  const alpha = opts.alpha ?? rank;
  const dtype = opts.dtype ?? 'F16';
  const strength = opts.strength ?? 0.5;
  const rng = new Prng(opts.seed ?? 7);
  const targets = loraTargets(family, opts.base, opts.targets ?? 'attention', opts.textEncoder ?? true);

  const tensors: Record<string, SafetensorsInput> = {};
  for (const t of targets) {
    const [out, inp] = t.shape;
    tensors[`${t.key}.lora_down.weight`] = floatTensor([rank, inp], rng.normalArray(rank * inp, 1 / Math.sqrt(inp)), dtype);
    // up @ down then has entries of std ≈ strength / √in, against a weight std of 1 / √in.
    tensors[`${t.key}.lora_up.weight`] = floatTensor([out, rank], rng.normalArray(out * rank, strength / Math.sqrt(rank)), dtype);
    tensors[`${t.key}.alpha`] = floatTensor([], Float32Array.of(alpha), dtype);
  }
  const metadata = {
    ss_base_model_version: family === 'sdxl' ? 'sdxl_base_v1-0' : family === 'sd2' ? 'sd_v2' : 'sd_v1',
    ss_network_alpha: String(alpha),
    ss_network_dim: String(rank),
    ss_network_module: 'networks.lora',
  };
  await writeSafetensors(file, tensors, metadata);
  return { file, rank, alpha, targets };
}

/** The Linear weights of a tiny model that a LoRA of the given target set modifies. */
export function loraTargets(
  family: TinyFamily,
  base: TinyModelOptions | undefined,
  set: LoraTargetSet,
  textEncoder: boolean,
): LoraTarget[] {
  const o = resolveTinyOptions({ ...base, controlNet: false });
  const unetPattern = /\.attn2\.(to_q|to_k|to_v|to_out\.0)\.weight$/;
  const textPattern =
    set === 'attention' ? /\.self_attn\.(q|k|v|out)_proj\.weight$/ : /\.(self_attn\.(q|k|v|out)_proj|mlp\.fc[12])\.weight$/;
  const targets: LoraTarget[] = [];
  for (const { folder, graph } of buildPipelineGraphs(family, o)) {
    if (folder !== 'unet' && (!textEncoder || (folder !== 'text_encoder' && folder !== 'text_encoder_2'))) continue;
    const pattern = folder === 'unet' ? unetPattern : textPattern;
    for (const [name, dims] of graph.weights) {
      if (!pattern.test(name)) continue;
      const component = folder as LoraTarget['component'];
      targets.push({ key: kohyaKey(component, name, family === 'sdxl'), component, initializer: name, shape: [dims[0], dims[1]] });
    }
  }
  return targets;
}
