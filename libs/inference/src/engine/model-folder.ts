import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import type { SchedulerConfigJson } from '../samplers';
import { FatalRunError } from '../runner/job-runner';

/** Engine families: SD1 = SD 1.x (CLIP-L, 768 wide), SD2 = SD 2.x (OpenCLIP-H, 1024 wide), SDXL = two encoders. */
export type ModelFamily = 'SD1' | 'SD2' | 'SDXL';

/** One ONNX component of a model folder: `<dir>/<folder>/model.onnx` and its config.json. */
export interface ComponentFiles {
  folder: string;
  /** Absolute path of model.onnx. */
  file: string;
  /** model.onnx plus its external-data files: the approximate memory a loaded session costs. */
  bytes: number;
  config: Record<string, unknown> | null;
}

/** A text encoder the model offers, with the tokenizer folder that goes with it. */
export interface TextEncoderFiles extends ComponentFiles {
  tokenizerDir: string;
}

/** A selectable text-encoder set: the default one, or an alternative (`text_encoder_<name>/`). */
export interface TextEncoderOption {
  name: string;
  encoders: TextEncoderFiles[];
}

export interface ModelFolder {
  dir: string;
  family: ModelFamily;
  /** model_index.json when present. */
  modelIndex: Record<string, unknown> | null;
  /** The model's own text encoder(s): one for SD1/SD2, two for SDXL (text_encoder, text_encoder_2). */
  textEncoders: TextEncoderFiles[];
  /** Alternative encoders selectable with `clipEncoderName` (and `v1Clip` for the one named `v1`). */
  alternativeEncoders: TextEncoderOption[];
  unet: ComponentFiles | null;
  vaeDecoder: ComponentFiles | null;
  vaeEncoder: ComponentFiles | null;
  /** Optional components the request flags need, by folder name (`controlnet`, `layer_diffusion`, `ella`, …). */
  extras: Map<string, ComponentFiles>;
  schedulerConfig: SchedulerConfigJson;
  /** The latent scale of the VAE (its config's `scaling_factor`; 0.18215 SD1/SD2, 0.13025 SDXL by default). */
  vaeScalingFactor: number;
  /** SDXL pipelines: an empty negative prompt gives zero conditioning instead of the encoded empty string. */
  forceZerosForEmptyPrompt: boolean;
}

const MODEL_FILE = 'model.onnx';
const DEFAULT_SCALING: Record<ModelFamily, number> = { SD1: 0.18215, SD2: 0.18215, SDXL: 0.13025 };
const EXTRA_FOLDERS = ['controlnet', 'layer_diffusion', 'ella', 'unet_pix2pix'];
/** Folders of the primary layout, not alternatives. */
const PRIMARY_ENCODERS = new Set(['text_encoder', 'text_encoder_2', 'text_encoder_3']);

function readJson(file: string): Record<string, unknown> | null {
  if (!existsSync(file)) return null;
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new FatalRunError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FatalRunError(`${file} must hold a JSON object`);
  return value as Record<string, unknown>;
}

/** Bytes of model.onnx and of the external-data files beside it (`*.onnx_data`, `*.pb`, `*.bin`, `*.data`). */
function componentBytes(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    if (name === MODEL_FILE || /\.(onnx_data|onnx\.data|pb|bin|data)$/.test(name)) total += statSync(path.join(dir, name)).size;
  }
  return total;
}

export function readComponent(root: string, folder: string): ComponentFiles | null {
  const dir = path.join(root, folder);
  const file = path.join(dir, MODEL_FILE);
  if (!existsSync(file)) return null;
  return { folder, file, bytes: componentBytes(dir), config: readJson(path.join(dir, 'config.json')) };
}

function tokenizerFor(root: string, folder: string, fallback: string): string {
  const dir = path.join(root, folder);
  return existsSync(path.join(dir, 'vocab.json')) && existsSync(path.join(dir, 'merges.txt')) ? dir : path.join(root, fallback);
}

function hiddenSize(c: ComponentFiles | null): number | undefined {
  const v = c?.config?.hidden_size;
  return typeof v === 'number' ? v : undefined;
}

function padToken(tokenizerDir: string): string | undefined {
  const map = readJson(path.join(tokenizerDir, 'special_tokens_map.json'));
  const pad = map?.pad_token;
  if (typeof pad === 'string') return pad;
  if (pad && typeof pad === 'object' && typeof (pad as { content?: unknown }).content === 'string') return (pad as { content: string }).content;
  return undefined;
}

/**
 * The family of a folder: SDXL when it has a second text encoder; SD2 when its text encoder is 1024 wide (OpenCLIP-H),
 * its scheduler predicts v, or its tokenizer pads with "!" (OpenCLIP); SD1 otherwise.
 */
export function detectFamily(parts: {
  textEncoder2: ComponentFiles | null;
  textEncoder: ComponentFiles | null;
  predictionType: unknown;
  pad: string | undefined;
}): ModelFamily {
  if (parts.textEncoder2) return 'SDXL';
  if (hiddenSize(parts.textEncoder) === 1024 || parts.predictionType === 'v_prediction' || parts.pad === '!') return 'SD2';
  return 'SD1';
}

/**
 * Reads a model folder in the layout diffusers/optimum ONNX exports write (`model_index.json`, `text_encoder/`,
 * `text_encoder_2/`, `unet/`, `vae_decoder/`, `vae_encoder/`, `tokenizer/`, `tokenizer_2/`, `scheduler/`). Only JSON
 * and file sizes are read here; sessions are opened later, on demand. Missing required parts are reported by
 * `assertRunnable`, so a folder with only a VAE can serve as an `sdVae` swap.
 */
export function readModelFolder(dir: string): ModelFolder {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FatalRunError(`model folder ${dir} does not exist`);
  const modelIndex = readJson(path.join(dir, 'model_index.json'));
  const schedulerConfig = (readJson(path.join(dir, 'scheduler', 'scheduler_config.json')) ?? {}) as SchedulerConfigJson;
  const te1 = readComponent(dir, 'text_encoder');
  const te2 = readComponent(dir, 'text_encoder_2');
  const tokenizerDir = tokenizerFor(dir, 'tokenizer', 'tokenizer');
  const family = detectFamily({ textEncoder: te1, textEncoder2: te2, predictionType: schedulerConfig.prediction_type, pad: padToken(tokenizerDir) });

  const textEncoders: TextEncoderFiles[] = [];
  if (te1) textEncoders.push({ ...te1, tokenizerDir });
  if (te2) textEncoders.push({ ...te2, tokenizerDir: tokenizerFor(dir, 'tokenizer_2', 'tokenizer') });

  const alternativeEncoders: TextEncoderOption[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.startsWith('text_encoder_') || PRIMARY_ENCODERS.has(name)) continue;
    const c = readComponent(dir, name);
    if (!c) continue;
    const label = name.slice('text_encoder_'.length);
    alternativeEncoders.push({ name: label, encoders: [{ ...c, tokenizerDir: tokenizerFor(dir, `tokenizer_${label}`, 'tokenizer') }] });
  }

  const extras = new Map<string, ComponentFiles>();
  for (const folder of EXTRA_FOLDERS) {
    const c = readComponent(dir, folder);
    if (c) extras.set(folder, c);
  }

  const vaeDecoder = readComponent(dir, 'vae_decoder');
  const vaeEncoder = readComponent(dir, 'vae_encoder');
  const scaling = vaeDecoder?.config?.scaling_factor ?? vaeEncoder?.config?.scaling_factor;
  return {
    dir,
    family,
    modelIndex,
    textEncoders,
    alternativeEncoders,
    unet: readComponent(dir, 'unet'),
    vaeDecoder,
    vaeEncoder,
    extras,
    schedulerConfig,
    vaeScalingFactor: typeof scaling === 'number' && scaling > 0 ? scaling : DEFAULT_SCALING[family],
    forceZerosForEmptyPrompt: family === 'SDXL' && modelIndex?.force_zeros_for_empty_prompt === true,
  };
}

/** Throws a FatalRunError naming every required part the folder lacks. */
export function assertRunnable(model: ModelFolder, needs: { vaeEncoder?: boolean } = {}): void {
  const missing: string[] = [];
  if (!model.textEncoders[0]) missing.push('text_encoder/model.onnx');
  if (model.family === 'SDXL' && !model.textEncoders[1]) missing.push('text_encoder_2/model.onnx');
  for (const enc of model.textEncoders) {
    for (const f of ['vocab.json', 'merges.txt']) {
      if (!existsSync(path.join(enc.tokenizerDir, f))) missing.push(`${path.relative(model.dir, enc.tokenizerDir) || '.'}/${f}`);
    }
  }
  if (!model.unet) missing.push('unet/model.onnx');
  if (!model.vaeDecoder) missing.push('vae_decoder/model.onnx');
  if (needs.vaeEncoder && !model.vaeEncoder) missing.push('vae_encoder/model.onnx (needed for img2img)');
  if (missing.length) throw new FatalRunError(`model folder ${model.dir} lacks ${[...new Set(missing)].join(', ')}`);
}
