import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ClipTokenizer } from '../text';
import { ModelSchedule } from '../samplers';
import type { ComponentFiles, ModelFamily, ModelFolder, TextEncoderFiles } from './model-folder';
import type { OnnxComponent } from './onnx-component';
import { loraVariantKey, mergeLorasInto, type LoadedLora, type LoraComponent } from './lora-merge';
import { OnnxWeights } from './onnx-initializers';
import { embeddingVariantKey, writeEmbeddingRows, type EmbeddingIds, type LoadedEmbedding } from './textual-inversion';
import type { SessionCache, SessionLease, SessionRequest } from './session-cache';
import type { TextEncoderUnit } from './text-conditioning';
import { loadFeatureSessions, type LoadedFeatures, type ModelFeatures } from './model-features';

/** The sessions and helpers of one run, checked out of the session cache. */
export interface LoadedPipeline {
  family: ModelFamily;
  textUnits: TextEncoderUnit[];
  unet: OnnxComponent;
  vaeDecoder: OnnxComponent;
  vaeEncoder?: OnnxComponent;
  vaeScalingFactor: number;
  schedule: ModelSchedule;
  /** The embeddings the text encoder sessions carry, for the prompt's embedding slots. */
  embeddings?: { list: readonly LoadedEmbedding[]; ids: EmbeddingIds };
  /** The ControlNets of the request's units, in unit order (empty without ControlNet). */
  controlNets: OnnxComponent[];
  /** Sessions of the request flags' components (ELLA, transparency decoder); the pix2pix UNet is `unet`. */
  features: LoadedFeatures;
  /** Gives the sessions back to the cache (they stay loaded until evicted). */
  release(): void;
}

export interface PipelineRequest {
  model: ModelFolder;
  /** Catalogue id of the checkpoint: what heldModels() reports. */
  modelKey: string;
  /** The text encoders to use (the model's own, or an alternative set). */
  encoders: TextEncoderFiles[];
  /** A separate VAE (`sdVae`): its folder and catalogue id. */
  vae?: { folder: ModelFolder; modelKey: string };
  /** Whether the VAE encoder is needed (img2img). */
  vaeEncoder: boolean;
  /** LoRAs merged into the UNet and text encoders (sessions cached per model + LoRA set + weights). */
  loras?: readonly LoadedLora[];
  /** Textual-inversion embeddings with the token ids they take; written into the text encoders' token tables. */
  embeddings?: { list: readonly LoadedEmbedding[]; ids: EmbeddingIds };
  /** ControlNet models (catalogue id + files), one per unit; sessions are cached like the model's own. */
  controlNets?: readonly { files: ComponentFiles; modelKey: string }[];
  /** Components of the request flags (./model-features): the pix2pix UNet replaces `unet/`, ELLA, transparency decoder. */
  features?: ModelFeatures;
  /** Name for error messages. */
  modelName?: string;
}

/** Tokenizers by folder, built once per process (reading vocab.json and merges.txt takes ~100 ms). */
export class TokenizerCache {
  private readonly byDir = new Map<string, { tokenizer: ClipTokenizer; padId: number }>();

  get(dir: string): { tokenizer: ClipTokenizer; padId: number } {
    let entry = this.byDir.get(dir);
    if (!entry) {
      const tokenizer = ClipTokenizer.fromFiles(path.join(dir, 'vocab.json'), path.join(dir, 'merges.txt'));
      entry = { tokenizer, padId: padIdOf(dir, tokenizer) };
      this.byDir.set(dir, entry);
    }
    return entry;
  }
}

/** The id of the tokenizer's pad token (special_tokens_map.json); EOS when unnamed or unknown. */
function padIdOf(dir: string, tokenizer: ClipTokenizer): number {
  const file = path.join(dir, 'special_tokens_map.json');
  if (!existsSync(file)) return tokenizer.eosId;
  const map = JSON.parse(readFileSync(file, 'utf8')) as { pad_token?: string | { content?: string } };
  const pad = typeof map.pad_token === 'string' ? map.pad_token : map.pad_token?.content;
  return (pad !== undefined ? tokenizer.tokenToId(pad) : undefined) ?? tokenizer.eosId;
}

function sessionRequest(c: ComponentFiles, modelKey: string): SessionRequest {
  return { key: c.file, file: c.file, bytes: c.bytes, modelKey, label: c.folder };
}

/**
 * The session of a component with the LoRAs that target it merged in and, for text encoders, the embeddings'
 * rows written; the plain file's session when neither applies. Variants are cached under their own key.
 */
function variantOf(base: SessionRequest, component: LoraComponent, req: PipelineRequest, encoderIndex?: number): SessionRequest {
  const loras = (req.loras ?? []).filter((l) => l.components.has(component));
  const embeddings = encoderIndex !== undefined && req.embeddings?.list.length ? req.embeddings : undefined;
  if (!loras.length && !embeddings) return base;
  const key = [base.file, loras.length ? `lora:${loraVariantKey(loras)}` : '', embeddings ? `ti:${embeddingVariantKey(embeddings.list, embeddings.ids)}` : ''];
  const label = `${base.label} of "${req.modelName ?? req.modelKey}"`;
  return {
    ...base,
    key: key.filter(Boolean).join('#'),
    build: async () => {
      const weights = await OnnxWeights.read(base.file);
      if (loras.length) mergeLorasInto(weights, component, req.model.family, loras, req.modelName ?? req.modelKey);
      if (embeddings && encoderIndex !== undefined) writeEmbeddingRows(weights, encoderIndex, embeddings.list, embeddings.ids, label);
      return weights.toSource();
    },
  };
}

/** Opens (or reuses) every session a run needs. On failure, whatever was checked out goes back. */
export async function loadPipeline(cache: SessionCache, tokenizers: TokenizerCache, req: PipelineRequest): Promise<LoadedPipeline> {
  const leases: SessionLease[] = [];
  const take = async (c: ComponentFiles, modelKey: string, variant?: { component: LoraComponent; encoder?: number }) => {
    const base = sessionRequest(c, modelKey);
    const lease = await cache.acquire(variant ? variantOf(base, variant.component, req, variant.encoder) : base);
    leases.push(lease);
    return lease.component;
  };
  try {
    const { model } = req;
    const vaeFolder = req.vae?.folder ?? model;
    const vaeKey = req.vae?.modelKey ?? req.modelKey;
    if (!model.unet || !vaeFolder.vaeDecoder) throw new Error('loadPipeline: model not checked with assertRunnable');
    const textUnits: TextEncoderUnit[] = [];
    for (const [i, enc] of req.encoders.entries()) {
      const { tokenizer, padId } = tokenizers.get(enc.tokenizerDir);
      const eps = enc.config?.layer_norm_eps;
      const component = await take(enc, req.modelKey, { component: i === 0 ? 'text_encoder' : 'text_encoder_2', encoder: i });
      textUnits.push({ label: enc.folder, component, tokenizer, padId, layerNormEps: typeof eps === 'number' ? eps : 1e-5 });
    }
    const unet = await take(req.features?.pix2pix?.unet ?? model.unet, req.modelKey, { component: 'unet' });
    const vaeDecoder = await take(vaeFolder.vaeDecoder, vaeKey);
    const needEncoder = req.vaeEncoder || Boolean(req.features?.pix2pix);
    const vaeEncoder = needEncoder && vaeFolder.vaeEncoder ? await take(vaeFolder.vaeEncoder, vaeKey) : undefined;
    const controlNets: OnnxComponent[] = [];
    for (const cn of req.controlNets ?? []) controlNets.push(await take(cn.files, cn.modelKey));
    const features = await loadFeatureSessions(req.features, (c) => take(c, req.modelKey));
    return {
      family: model.family,
      textUnits,
      unet,
      vaeDecoder,
      vaeEncoder,
      vaeScalingFactor: vaeFolder.vaeScalingFactor,
      schedule: ModelSchedule.fromConfig(model.schedulerConfig, { precision: 'float32' }),
      embeddings: req.embeddings?.list.length ? req.embeddings : undefined,
      controlNets,
      features,
      release: () => leases.forEach((l) => l.release()),
    };
  } catch (e) {
    leases.forEach((l) => l.release());
    throw e;
  }
}
