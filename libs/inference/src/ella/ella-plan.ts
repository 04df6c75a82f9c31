import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { DiffusionParams } from '@darkroom/contracts';
import { readComponent, type ComponentFiles, type ModelFolder } from '../engine/model-folder';
import { FatalRunError } from '../runner/job-runner';
import { promptListFragments } from '../text';

/** ELLA's T5 prompt length (its pipeline pads and cuts prompts to 128 tokens). */
export const DEFAULT_ELLA_MAX_LENGTH = 128;

/** The files of a checkpoint's ELLA component, checked. */
export interface EllaPlan {
  /** `ella/model.onnx`: the timestep-aware connector. */
  adapter: ComponentFiles;
  /** `text_encoder_t5/model.onnx`: the T5 encoder it reads. */
  t5: ComponentFiles;
  /** The T5 tokenizer's `tokenizer.json` (SentencePiece Unigram). */
  tokenizerFile: string;
  /** Tokens the prompt is padded/cut to (`ella/config.json` `max_length`, else 128). */
  maxLength: number;
}

const TOKENIZER_PLACES = ['tokenizer_t5', 'text_encoder_t5'];

/**
 * Checks `enableElla` against the checkpoint folder: `ella/model.onnx`, `text_encoder_t5/model.onnx` and
 * `tokenizer_t5/tokenizer.json` (or beside the encoder). ELLA replaces CLIP's conditioning, so parameters that only
 * act on CLIP are refused (embeddings) or reported (clip skip, encoder choice, prompt weights).
 */
export function planElla(d: DiffusionParams, model: ModelFolder, checkpointName: string, notices: string[]): EllaPlan {
  const adapter = readComponent(model.dir, 'ella');
  const t5 = readComponent(model.dir, 'text_encoder_t5');
  const tokenizerFile = TOKENIZER_PLACES.map((f) => path.join(model.dir, f, 'tokenizer.json')).find((f) => existsSync(f));
  const missing = [!adapter && 'ella/model.onnx', !t5 && 'text_encoder_t5/model.onnx', !tokenizerFile && 'tokenizer_t5/tokenizer.json'].filter(Boolean);
  if (!adapter || !t5 || !tokenizerFile) {
    throw new FatalRunError(`enableElla needs an ella/ component (ELLA connector with its T5 encoder) in "${checkpointName}": missing ${missing.join(', ')}`);
  }
  if (model.family === 'SDXL') throw new FatalRunError(`enableElla: ELLA connectors exist for SD 1.x/2.x UNets; "${checkpointName}" is SDXL`);
  if (d.animateDiff?.args.length) throw new FatalRunError('enableElla cannot be combined with animateDiff.args');
  if (d.embedding?.items.length) throw new FatalRunError('enableElla replaces the CLIP text encoder, so embedding.items (CLIP token embeddings) cannot apply; remove one of them');
  if ((d.clipSkip ?? 1) > 1 || d.clipEncoderName || d.v1Clip) notices.push('enableElla: clipSkip, clipEncoderName and v1Clip select CLIP layers, which ELLA does not use');
  const weighted = [d.prompts, d.negativePrompts].some((list) => promptListFragments(list ?? []).some((f) => f.kind === 'text' && f.weight !== 1));
  if (weighted) notices.push('enableElla: prompt weights are not applied (T5 conditioning has no token weighting); the words are kept');
  const configured = adapter.config?.max_length;
  const maxLength = typeof configured === 'number' && Number.isInteger(configured) && configured > 1 ? configured : DEFAULT_ELLA_MAX_LENGTH;
  return { adapter, t5, tokenizerFile, maxLength };
}
