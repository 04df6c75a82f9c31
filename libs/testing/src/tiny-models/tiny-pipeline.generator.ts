import { mkdir, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import { clipTokenizerFiles, PadToken } from './clip-tokenizer.files';
import { buildControlNet } from './controlnet.graph';
import { OnnxGraphBuilder, TensorSpec } from './onnx-graph.builder';
import {
  controlNetConfig,
  FAMILY_TRAITS,
  json,
  modelIndex,
  schedulerConfig,
  textEncoderConfig,
  TinyFamily,
  unetConfig,
  vaeConfig,
} from './pipeline-configs';
import { buildTextEncoder } from './text-encoder.graph';
import { buildUnet, TimestepType, UnetSpec } from './unet.graph';
import { buildVaeDecoder, buildVaeEncoder, VaeEncoderOutput } from './vae.graph';

export interface TinyModelOptions {
  /** Seed of every weight (default 1). Same options → byte-identical files. */
  seed?: number;
  /** Width of `text_encoder` (default 32). */
  hiddenSize?: number;
  /** Layers of `text_encoder` (default 4 → `hidden_states.0` … `hidden_states.4`). */
  textLayers?: number;
  /** SDXL: width of `text_encoder_2` (default 2 × hiddenSize). */
  hiddenSize2?: number;
  /** SDXL: layers of `text_encoder_2` (default textLayers). */
  textLayers2?: number;
  /** SDXL: width of `text_embeds` (text_encoder_2's projection; default hiddenSize2). */
  projectionDim?: number;
  /** UNet width C at full latent resolution; 2C at half (default 32). */
  unetChannels?: number;
  /** VAE width (default 8). */
  vaeChannels?: number;
  /** SDXL: sinusoidal width per `time_ids` entry (`addition_time_embed_dim`, 256 in the real model; default 8). */
  timeIdDim?: number;
  /** dtype of `input_ids` (default int32, as optimum ≤ 1.22 and diffusers' script export). */
  inputIdsType?: 'int32' | 'int64';
  /** dtype of `timestep` (default int64, as optimum ≤ 1.22). */
  timestepType?: TimestepType;
  /** 1: `timestep` is [steps]; 0: a scalar (default 1). */
  timestepRank?: 0 | 1;
  /** VAE encoder output (default `latent_sample`). */
  vaeEncoderOutput?: VaeEncoderOutput;
  /** Emit `hidden_states.*` from the text encoders so clip skip can pick a layer (default true). */
  hiddenStates?: boolean;
  /** float16 inputs, outputs and weights (default false). */
  float16?: boolean;
  /** Give the UNet ControlNet residual inputs and write a matching `controlnet/` (default false). */
  controlNet?: boolean;
  /**
   * Store every component's weights in `model.onnx_data` beside its `model.onnx`, as exports of models over 2 GiB
   * do (SDXL's UNet, fp32 SD1.5 UNets); default false (weights inline).
   */
  externalData?: boolean;
  /**
   * How the UNet and text encoders store Linear weights (default `named`: `<module>.weight`, a name-preserving
   * export); `folded` as torch.onnx.export leaves them (`onnx::MatMul_<n>`, transposed, behind a MatMul node named
   * after the module), which is what optimum's exports hold. Same values either way.
   */
  linearWeights?: 'named' | 'folded';
}

export type ResolvedTinyModelOptions = Required<TinyModelOptions>;

/** The external-data file name optimum's exports use. */
export const EXTERNAL_DATA_FILE = 'model.onnx_data';

/** Option sets matching the exporters darkroom meets; spread one into the options. */
export const EXPORT_STYLES = {
  /** optimum ≤ 1.22 (before October 2024): the default. */
  optimumLegacy: { inputIdsType: 'int32', timestepType: 'int64', timestepRank: 1, vaeEncoderOutput: 'latent_sample' },
  /** optimum ≥ 1.23 and optimum-onnx (use timestepType 'float16' with float16). */
  optimum: { inputIdsType: 'int64', timestepType: 'float32', timestepRank: 0, vaeEncoderOutput: 'latent_parameters' },
  /** diffusers' scripts/convert_stable_diffusion_checkpoint_to_onnx.py (OnnxStableDiffusionPipeline). */
  diffusersScript: { inputIdsType: 'int32', timestepType: 'float32', timestepRank: 1, vaeEncoderOutput: 'latent_sample' },
} as const satisfies Record<string, TinyModelOptions>;

/** A model with about 16× the UNet compute of the default tiny one, for benchmarks. */
export const MID_SIZE_OPTIONS: TinyModelOptions = { hiddenSize: 128, textLayers: 6, unetChannels: 128, vaeChannels: 32 };

export interface TinyModelDescription {
  dir: string;
  family: TinyFamily;
  /** Relative paths of every written file, sorted. */
  files: string[];
  /** Component folder → its graph inputs (name, dtype, dims; strings are dynamic axes). */
  inputs: Record<string, TensorSpec[]>;
  outputs: Record<string, TensorSpec[]>;
  /** Component folder → its named initializers (the names a LoRA can target). */
  weights: Record<string, string[]>;
  options: ResolvedTinyModelOptions;
}

export function resolveTinyOptions(opts: TinyModelOptions = {}): ResolvedTinyModelOptions {
  const hiddenSize = opts.hiddenSize ?? 32;
  const textLayers = opts.textLayers ?? 4;
  const hiddenSize2 = opts.hiddenSize2 ?? 2 * hiddenSize;
  const resolved: ResolvedTinyModelOptions = {
    seed: opts.seed ?? 1,
    hiddenSize,
    textLayers,
    hiddenSize2,
    textLayers2: opts.textLayers2 ?? textLayers,
    projectionDim: opts.projectionDim ?? hiddenSize2,
    unetChannels: opts.unetChannels ?? 32,
    vaeChannels: opts.vaeChannels ?? 8,
    timeIdDim: opts.timeIdDim ?? 8,
    inputIdsType: opts.inputIdsType ?? 'int32',
    timestepType: opts.timestepType ?? 'int64',
    timestepRank: opts.timestepRank ?? 1,
    vaeEncoderOutput: opts.vaeEncoderOutput ?? 'latent_sample',
    hiddenStates: opts.hiddenStates ?? true,
    float16: opts.float16 ?? false,
    controlNet: opts.controlNet ?? false,
    externalData: opts.externalData ?? false,
    linearWeights: opts.linearWeights ?? 'named',
  };
  const counts = [
    'hiddenSize',
    'textLayers',
    'hiddenSize2',
    'textLayers2',
    'projectionDim',
    'unetChannels',
    'vaeChannels',
    'timeIdDim',
  ] as const;
  for (const key of counts) {
    if (!Number.isInteger(resolved[key]) || resolved[key] < 1) throw new Error(`${key} must be a positive integer`);
  }
  for (const key of ['hiddenSize', 'unetChannels', 'timeIdDim'] as const) {
    if (resolved[key] % 2 !== 0) throw new Error(`${key} must be even`);
  }
  return resolved;
}

/** Stable Diffusion 1.5 layout (512², ε-prediction, PNDM). */
export function generateTinySd15(dir: string, opts?: TinyModelOptions): Promise<TinyModelDescription> {
  return generateTinyPipeline(dir, 'sd15', opts);
}

/** Stable Diffusion 2.x 768-v layout (v-prediction DDIM scheduler config, tokenizer padding with "!"). */
export function generateTinySd2(dir: string, opts?: TinyModelOptions): Promise<TinyModelDescription> {
  return generateTinyPipeline(dir, 'sd2', opts);
}

/** SDXL layout: two text encoders and tokenizers, UNet with `text_embeds` and `time_ids`. */
export function generateTinySdxl(dir: string, opts?: TinyModelOptions): Promise<TinyModelDescription> {
  return generateTinyPipeline(dir, 'sdxl', opts);
}

export interface PipelineGraph {
  /** Component folder: `text_encoder`, `unet`, … */
  folder: string;
  graph: OnnxGraphBuilder;
  config: Record<string, unknown>;
}

/** The ONNX graphs of a family's components with their config.json contents, not yet serialized. */
export function buildPipelineGraphs(family: TinyFamily, o: ResolvedTinyModelOptions): PipelineGraph[] {
  const floatType: 'float16' | 'float32' = o.float16 ? 'float16' : 'float32';
  const graphs: PipelineGraph[] = [];
  const text = (folder: string, hiddenSize: number, layers: number, projectionDim?: number): PipelineGraph => ({
    folder,
    graph: buildTextEncoder({
      seed: o.seed,
      label: folder,
      hiddenSize,
      layers,
      projectionDim,
      hiddenStates: o.hiddenStates,
      inputIdsType: o.inputIdsType,
      floatType,
      linearWeights: o.linearWeights,
    }),
    config: textEncoderConfig({
      family,
      hiddenSize,
      layers,
      projectionDim: projectionDim ?? hiddenSize,
      withProjection: projectionDim !== undefined,
      hiddenStates: o.hiddenStates,
      floatType,
    }),
  });
  graphs.push(text('text_encoder', o.hiddenSize, o.textLayers));
  if (family === 'sdxl') graphs.push(text('text_encoder_2', o.hiddenSize2, o.textLayers2, o.projectionDim));

  const unetSpec = tinyUnetSpec(family, o);
  const unetShape = { family, channels: o.unetChannels, crossAttentionDim: unetSpec.crossAttentionDim, sdxl: unetSpec.sdxl };
  const unet = buildUnet({ ...unetSpec, controlNetResiduals: o.controlNet, linearWeights: o.linearWeights });
  graphs.push({ folder: 'unet', graph: unet, config: unetConfig(unetShape) });
  if (o.controlNet) {
    graphs.push({ folder: 'controlnet', graph: buildControlNet(unetSpec), config: controlNetConfig(unetShape) });
  }

  const vaeSpec = { seed: o.seed, channels: o.vaeChannels, scalingFactor: FAMILY_TRAITS[family].scalingFactor, floatType };
  const vae = vaeConfig(family, o.vaeChannels);
  graphs.push({ folder: 'vae_decoder', graph: buildVaeDecoder(vaeSpec), config: vae });
  graphs.push({ folder: 'vae_encoder', graph: buildVaeEncoder({ ...vaeSpec, output: o.vaeEncoderOutput }), config: vae });
  return graphs;
}

/** The UNet (and ControlNet) shape for a family and options. */
export function tinyUnetSpec(family: TinyFamily, o: ResolvedTinyModelOptions): Omit<UnetSpec, 'controlNetResiduals'> {
  const sdxl = family === 'sdxl';
  return {
    seed: o.seed,
    channels: o.unetChannels,
    crossAttentionDim: sdxl ? o.hiddenSize + o.hiddenSize2 : o.hiddenSize,
    floatType: o.float16 ? 'float16' : 'float32',
    timestepType: o.timestepType,
    timestepRank: o.timestepRank,
    sdxl: sdxl ? { textEmbedsDim: o.projectionDim, timeIdDim: o.timeIdDim } : undefined,
  };
}

export async function generateTinyPipeline(
  dir: string,
  family: TinyFamily,
  opts?: TinyModelOptions,
): Promise<TinyModelDescription> {
  const o = resolveTinyOptions(opts);
  const files = new Map<string, string | Uint8Array>();
  const desc: TinyModelDescription = { dir, family, files: [], inputs: {}, outputs: {}, weights: {}, options: o };
  for (const { folder, graph, config } of buildPipelineGraphs(family, o)) {
    if (o.externalData) {
      const { model, data } = graph.toExternalData(EXTERNAL_DATA_FILE);
      files.set(`${folder}/model.onnx`, model);
      files.set(`${folder}/${EXTERNAL_DATA_FILE}`, data);
    } else {
      files.set(`${folder}/model.onnx`, graph.toBytes());
    }
    files.set(`${folder}/config.json`, json(config));
    desc.inputs[folder] = [...graph.inputSpecs];
    desc.outputs[folder] = [...graph.outputSpecs];
    desc.weights[folder] = [...graph.weights.keys()];
  }
  const addTokenizer = (folder: string, pad: PadToken) => {
    for (const [name, text] of Object.entries(clipTokenizerFiles(pad))) files.set(`${folder}/${name}`, text);
  };
  addTokenizer('tokenizer', family === 'sd2' ? '!' : '<|endoftext|>');
  if (family === 'sdxl') addTokenizer('tokenizer_2', '!');
  files.set('scheduler/scheduler_config.json', json(schedulerConfig(family)));
  files.set('model_index.json', json(modelIndex(family, o.controlNet)));

  await writeAll(dir, files);
  desc.files = [...files.keys()].sort();
  return desc;
}

export async function writeAll(dir: string, files: Map<string, string | Uint8Array>): Promise<void> {
  const folders = new Set([...files.keys()].map((f) => path.dirname(path.join(dir, f))));
  await Promise.all([...folders].map((f) => mkdir(f, { recursive: true })));
  await Promise.all([...files].map(([name, data]) => writeFile(path.join(dir, name), data)));
}
