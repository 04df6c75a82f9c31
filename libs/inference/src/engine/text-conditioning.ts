import {
  buildConditioningTokens,
  ClipTokenizer,
  CHUNK_LENGTH,
  emptyConditioningChunk,
  type ConditioningChunk,
  type WeightedPrompt,
} from '../text';
import { FatalRunError } from '../runner/job-runner';
import { floatData, idsTensor, OnnxComponent } from './onnx-component';
import type { ModelFamily } from './model-folder';

const { sqrt } = Math;

/** One text encoder session with the tokenizer that feeds it. */
export interface TextEncoderUnit {
  label: string;
  component: OnnxComponent;
  tokenizer: ClipTokenizer;
  /** Id written after EOS: EOS for CLIP-L (SD1, SDXL's first), 0 ("!") for the OpenCLIP encoders. */
  padId: number;
  /** `layer_norm_eps` of the encoder's config (CLIP: 1e-5). */
  layerNormEps: number;
}

/** Which encoder output becomes the conditioning, and whether CLIP's final LayerNorm is applied to it. */
export interface LayerChoice {
  output: string;
  finalNorm: boolean;
}

/** A prompt's conditioning: `tokens` rows (chunks × 77) of `dim` values, and SDXL's pooled vector. */
export interface PromptConditioning {
  hidden: Float32Array;
  tokens: number;
  dim: number;
  pooled?: Float32Array;
}

export interface PromptPair {
  cond: PromptConditioning;
  uncond: PromptConditioning;
  /** 77-token chunks per prompt (both prompts have as many). */
  chunkCount: number;
}

const HIDDEN_STATE = /^hidden_states\.(\d+)$/;

/** Number of `hidden_states.N` outputs (layers + 1, the first being the embeddings), 0 when the export has none. */
export function hiddenStateCount(c: OnnxComponent): number {
  let n = 0;
  for (const name of c.outputs.keys()) {
    const m = HIDDEN_STATE.exec(name);
    if (m) n = Math.max(n, Number(m[1]) + 1);
  }
  return n;
}

/**
 * The encoder output a model family and clip skip use (A1111 and diffusers agree):
 * - SD1/SD2, clipSkip 1 (or absent): `last_hidden_state`; clipSkip N > 1: `hidden_states[-N]` followed by the final
 *   LayerNorm. (SD2 exports already drop OpenCLIP's last layer, so their last state is its penultimate one.)
 * - SDXL, both encoders: `hidden_states[-(N + 1)]` without the LayerNorm (N = 1: the penultimate layer).
 */
export function chooseLayer(unit: TextEncoderUnit, family: ModelFamily, clipSkip: number | undefined): LayerChoice {
  const skip = clipSkip && clipSkip > 0 ? clipSkip : 1;
  const count = hiddenStateCount(unit.component);
  const layers = count - 1;
  const need = (what: string) =>
    new FatalRunError(
      `${what} needs the ${unit.label} outputs hidden_states.0…N; this export has only ${[...unit.component.outputs.keys()].join(', ')}` +
        ' (export it with output_hidden_states)',
    );
  if (family === 'SDXL') {
    if (count === 0) throw need('SDXL conditioning');
    const index = count - 1 - skip;
    if (index < 1) throw new FatalRunError(`clipSkip ${skip} is too large for ${unit.label} (${layers} layers; at most ${layers - 1})`);
    return { output: `hidden_states.${index}`, finalNorm: false };
  }
  if (skip === 1) {
    if (!unit.component.outputs.has('last_hidden_state')) throw new FatalRunError(`${unit.label} has no last_hidden_state output`);
    return { output: 'last_hidden_state', finalNorm: false };
  }
  if (count === 0) throw need(`clipSkip ${skip}`);
  if (skip > layers) throw new FatalRunError(`clipSkip ${skip} is too large for ${unit.label} (${layers} layers)`);
  return { output: `hidden_states.${count - skip}`, finalNorm: true };
}

/** Final LayerNorm scale and shift per encoder session, recovered once (see `recoverFinalNorm`). */
const finalNorms = new WeakMap<OnnxComponent, { weight: Float64Array; bias: Float64Array }>();

function normalizeRow(src: Float32Array, offset: number, dim: number, eps: number, out: Float64Array): void {
  let mean = 0;
  for (let d = 0; d < dim; d++) mean += src[offset + d];
  mean /= dim;
  let variance = 0;
  for (let d = 0; d < dim; d++) {
    const x = src[offset + d] - mean;
    variance += x * x;
  }
  const inv = 1 / sqrt(variance / dim + eps);
  for (let d = 0; d < dim; d++) out[d] = (src[offset + d] - mean) * inv;
}

/**
 * CLIP's `final_layer_norm` affine parameters, recovered by least squares from one call's last hidden state before
 * (`hidden_states.L`) and after (`last_hidden_state`) the norm: per feature, last = w · normalized + b holds exactly
 * for every token, so two unknowns are fit over all tokens. ONNX exports do not expose the norm as an output, and
 * their initializer names are not reliable (constant folding renames them), so this reads it from behaviour instead.
 */
export function recoverFinalNorm(pre: Float32Array, post: Float32Array, rows: number, dim: number, eps: number): { weight: Float64Array; bias: Float64Array } {
  const sx = new Float64Array(dim);
  const sy = new Float64Array(dim);
  const sxx = new Float64Array(dim);
  const sxy = new Float64Array(dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    normalizeRow(pre, r * dim, dim, eps, row);
    for (let d = 0; d < dim; d++) {
      const x = row[d];
      const y = post[r * dim + d];
      sx[d] += x;
      sy[d] += y;
      sxx[d] += x * x;
      sxy[d] += x * y;
    }
  }
  const weight = new Float64Array(dim);
  const bias = new Float64Array(dim);
  for (let d = 0; d < dim; d++) {
    const denominator = rows * sxx[d] - sx[d] * sx[d];
    weight[d] = denominator > 1e-12 ? (rows * sxy[d] - sx[d] * sy[d]) / denominator : 1;
    bias[d] = (sy[d] - weight[d] * sx[d]) / rows;
  }
  return { weight, bias };
}

function applyFinalNorm(states: Float32Array, rows: number, dim: number, eps: number, norm: { weight: Float64Array; bias: Float64Array }): void {
  const row = new Float64Array(dim);
  for (let r = 0; r < rows; r++) {
    normalizeRow(states, r * dim, dim, eps, row);
    for (let d = 0; d < dim; d++) states[r * dim + d] = row[d] * norm.weight[d] + norm.bias[d];
  }
}

/**
 * A1111's emphasis: each token's state is multiplied by its weight, then the whole chunk is rescaled so that its
 * mean equals the mean before weighting. In place on one chunk (77 rows of `dim`).
 */
export function applyTokenWeights(chunk: Float32Array, weights: Float32Array, dim: number): void {
  let weighted = false;
  for (let t = 0; t < weights.length; t++) if (weights[t] !== 1) weighted = true;
  if (!weighted) return;
  let before = 0;
  for (let i = 0; i < chunk.length; i++) before += chunk[i];
  let after = 0;
  for (let t = 0; t < weights.length; t++) {
    const w = weights[t];
    for (let d = t * dim, end = d + dim; d < end; d++) {
      chunk[d] *= w;
      after += chunk[d];
    }
  }
  if (after === 0) return;
  const scale = before / after;
  for (let i = 0; i < chunk.length; i++) chunk[i] *= scale;
}

/** Runs an encoder over chunks (one batch when the batch axis is dynamic, else one call per chunk). */
async function runEncoder(unit: TextEncoderUnit, chunks: ConditioningChunk[], fetch: string[]): Promise<Record<string, Float32Array[]>> {
  const info = unit.component.input('input_ids');
  const result: Record<string, Float32Array[]> = Object.fromEntries(fetch.map((f) => [f, []]));
  const batch = unit.component.dynamicBatch('input_ids') ? chunks.length : (unit.component.fixedBatch('input_ids') ?? 1);
  for (let start = 0; start < chunks.length; start += batch) {
    const part = chunks.slice(start, start + batch);
    const ids = new Int32Array(batch * CHUNK_LENGTH);
    // A fixed batch larger than what is left repeats the last chunk; the extra rows are dropped.
    for (let b = 0; b < batch; b++) ids.set(part[Math.min(b, part.length - 1)].ids, b * CHUNK_LENGTH);
    const out = await unit.component.run({ input_ids: idsTensor(info, ids, [batch, CHUNK_LENGTH]) }, fetch);
    for (const name of fetch) {
      const data = floatData(out[name]);
      const per = data.length / batch;
      for (let b = 0; b < part.length; b++) result[name].push(data.slice(b * per, (b + 1) * per));
    }
  }
  return result;
}

function padChunks(chunks: ConditioningChunk[], count: number, unit: TextEncoderUnit): ConditioningChunk[] {
  const out = [...chunks];
  while (out.length < count) out.push(emptyConditioningChunk(unit.tokenizer, unit.padId));
  return out;
}

function isEmptyPrompt(items: readonly WeightedPrompt[]): boolean {
  return items.every((i) => i.text.trim() === '');
}

export interface EncodeOptions {
  units: TextEncoderUnit[];
  family: ModelFamily;
  clipSkip?: number;
  /** SDXL: an empty negative prompt gives zeros (model_index `force_zeros_for_empty_prompt`). */
  zeroEmptyNegative?: boolean;
  /** Textual-inversion embeddings: their vector counts by name, and the token ids their rows were written to. */
  embeddings?: { counts: ReadonlyMap<string, { vectors: number }>; ids: ReadonlyMap<string, readonly number[]> };
}

/** Tokenizes a prompt list and puts each embedding slot's assigned id in place. */
function tokenize(items: readonly WeightedPrompt[], unit: TextEncoderUnit, embeddings: EncodeOptions['embeddings']): ConditioningChunk[] {
  const t = buildConditioningTokens(items, unit.tokenizer, { padId: unit.padId, embeddings: embeddings?.counts });
  for (const slot of t.embeddingSlots) {
    const id = embeddings?.ids.get(slot.name)?.[slot.vectorIndex];
    if (id === undefined) throw new Error(`no token id assigned to embedding ${slot.name}`);
    t.chunks[slot.chunk].ids[slot.position] = id;
  }
  return t.chunks;
}

/**
 * Positive and negative prompt lists → UNet conditioning. Each list is cut into 77-token chunks (A1111), the
 * shorter one padded with empty chunks to the same count (so the two can share one UNet batch); every chunk is
 * encoded, weighted, and the chunks are concatenated along the sequence axis. SDXL concatenates its two encoders'
 * states along the feature axis and takes the pooled `text_embeds` of the first chunk from the second encoder.
 */
export async function encodePromptPair(options: EncodeOptions, positive: readonly WeightedPrompt[], negative: readonly WeightedPrompt[]): Promise<PromptPair> {
  const { units, family } = options;
  const layers = units.map((u) => chooseLayer(u, family, options.clipSkip));
  const tokenized = units.map((u) => ({ pos: tokenize(positive, u, options.embeddings), neg: tokenize(negative, u, options.embeddings) }));
  const chunkCount = Math.max(...tokenized.flatMap((t) => [t.pos.length, t.neg.length]));
  const zeroNegative = options.zeroEmptyNegative === true && isEmptyPrompt(negative);

  const condParts: { states: Float32Array; dim: number }[] = [];
  const uncondParts: { states: Float32Array; dim: number }[] = [];
  let pooledCond: Float32Array | undefined;
  let pooledUncond: Float32Array | undefined;
  for (let u = 0; u < units.length; u++) {
    const unit = units[u];
    const layer = layers[u];
    const pos = padChunks(tokenized[u].pos, chunkCount, unit);
    const neg = padChunks(tokenized[u].neg, chunkCount, unit);
    const fetch = new Set([layer.output]);
    const normCount = hiddenStateCount(unit.component);
    const needNormFit = layer.finalNorm && !finalNorms.has(unit.component);
    if (needNormFit) {
      fetch.add('last_hidden_state');
      fetch.add(`hidden_states.${normCount - 1}`);
    }
    const pooledName = family === 'SDXL' && unit.component.outputs.has('text_embeds') ? 'text_embeds' : undefined;
    if (pooledName) fetch.add(pooledName);
    const all = zeroNegative ? pos : [...pos, ...neg];
    const out = await runEncoder(unit, all, [...fetch]);
    const chunkStates = out[layer.output];
    const dim = chunkStates[0].length / CHUNK_LENGTH;
    if (needNormFit) {
      const pre = concat(out[`hidden_states.${normCount - 1}`]);
      const post = concat(out.last_hidden_state);
      finalNorms.set(unit.component, recoverFinalNorm(pre, post, pre.length / dim, dim, unit.layerNormEps));
    }
    const norm = layer.finalNorm ? finalNorms.get(unit.component) : undefined;
    chunkStates.forEach((states, i) => {
      if (norm) applyFinalNorm(states, CHUNK_LENGTH, dim, unit.layerNormEps, norm);
      applyTokenWeights(states, (i < chunkCount ? pos[i] : neg[i - chunkCount]).weights, dim);
    });
    condParts.push({ states: concat(chunkStates.slice(0, chunkCount)), dim });
    uncondParts.push({ states: zeroNegative ? new Float32Array(chunkCount * CHUNK_LENGTH * dim) : concat(chunkStates.slice(chunkCount)), dim });
    if (pooledName) {
      pooledCond = out[pooledName][0];
      pooledUncond = zeroNegative ? new Float32Array(pooledCond.length) : out[pooledName][chunkCount];
    }
  }
  if (family === 'SDXL' && !pooledCond) throw new FatalRunError('SDXL conditioning needs text_embeds from text_encoder_2');
  const tokens = chunkCount * CHUNK_LENGTH;
  return {
    cond: { ...joinFeatures(condParts, tokens), pooled: pooledCond },
    uncond: { ...joinFeatures(uncondParts, tokens), pooled: pooledUncond },
    chunkCount,
  };
}

function concat(parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** [tokens, d1] + [tokens, d2] + … → [tokens, d1 + d2 + …]. */
function joinFeatures(parts: { states: Float32Array; dim: number }[], tokens: number): { hidden: Float32Array; tokens: number; dim: number } {
  if (parts.length === 1) return { hidden: parts[0].states, tokens, dim: parts[0].dim };
  const dim = parts.reduce((n, p) => n + p.dim, 0);
  const hidden = new Float32Array(tokens * dim);
  for (let t = 0; t < tokens; t++) {
    let at = t * dim;
    for (const p of parts) {
      hidden.set(p.states.subarray(t * p.dim, (t + 1) * p.dim), at);
      at += p.dim;
    }
  }
  return { hidden, tokens, dim };
}
