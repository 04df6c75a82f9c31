import { createHash } from 'node:crypto';
import { buildConditioningTokens, type ChunkTokenizer, type WeightedPrompt } from '../text';
import { FatalRunError } from '../runner/job-runner';
import type { ModelFamily } from './model-folder';
import type { OnnxWeights } from './onnx-initializers';
import { readSafetensorsFile, type SafetensorsContents } from './safetensors-file';

/**
 * Textual-inversion embeddings. ONNX text encoders take token ids only, so an embedding's vectors are written into
 * rows of the encoder's token table (`text_model.embeddings.token_embedding.weight`) that the job's prompts do not
 * use, and the prompt's embedding slots get those ids. Rows are taken from the top of the BPE vocabulary (the
 * rarest merges, just below the start/end tokens) downwards, skipping ids the job uses, and stay below the end
 * token, whose id CLIP's pooling looks for as the highest one.
 */

export const TOKEN_TABLE = 'text_model.embeddings.token_embedding.weight';
/** The highest ordinary token id of CLIP's vocabulary (49406 and 49407 are the start and end tokens). */
const TOP_ORDINARY_ID = 49405;

export interface EmbeddingRequest {
  id: string;
  /** The word that stands for it in prompts (the catalogue name). */
  name: string;
  file: string;
  weight: number;
}

export interface LoadedEmbedding {
  request: EmbeddingRequest;
  /** Vectors in the embedding. */
  count: number;
  /** Per text encoder (index 0 = text_encoder, 1 = text_encoder_2): count × width values, already × weight. */
  vectors: Float32Array[];
}

/** Embedding name → the token ids its vectors take in this job. */
export type EmbeddingIds = Map<string, number[]>;

function single(contents: SafetensorsContents, label: string): string {
  const floats = [...contents.tensors].filter(([, t]) => ['F32', 'F16', 'BF16', 'F64'].includes(t.dtype)).map(([n]) => n);
  if (contents.tensors.has('emb_params')) return 'emb_params';
  if (floats.length !== 1) throw new FatalRunError(`${label}: expected one vector tensor, found ${floats.length ? floats.join(', ') : 'none'}`);
  return floats[0];
}

/** Reads an embedding file: one tensor [n, D] (emb_params or the token's name), or SDXL's clip_l and clip_g. */
export async function loadEmbedding(request: EmbeddingRequest, family: ModelFamily): Promise<LoadedEmbedding> {
  const label = `embedding "${request.name}"`;
  let contents: SafetensorsContents;
  try {
    contents = await readSafetensorsFile(request.file);
  } catch (e) {
    throw new FatalRunError(`${label} could not be read: ${(e as Error).message}`);
  }
  const names = family === 'SDXL' ? ['clip_l', 'clip_g'] : [single(contents, label)];
  for (const n of names) if (!contents.tensors.has(n)) throw new FatalRunError(`${label} has no ${n} tensor (SDXL embeddings hold clip_l and clip_g)`);
  const shapes = names.map((n) => contents.tensors.get(n)!.shape);
  const count = shapes[0].length === 1 ? 1 : shapes[0][0];
  if (shapes.some((s) => (s.length === 1 ? 1 : s[0]) !== count) || !(count >= 1 && count <= 75)) {
    throw new FatalRunError(`${label}: vector counts ${shapes.map((s) => s[0]).join(' / ')} are not one count of 1..75`);
  }
  const vectors = names.map((n) => contents.floats(n).map((v) => v * request.weight));
  return { request, count, vectors };
}

/** Every id the job's prompts produce (with embedding names already cut out), so embedding rows avoid them. */
export function usedTokenIds(prompts: readonly (readonly WeightedPrompt[])[], tokenizer: ChunkTokenizer, embeddings: readonly LoadedEmbedding[]): Set<number> {
  const byName = new Map(embeddings.map((e) => [e.request.name, { vectors: e.count }]));
  const used = new Set<number>();
  for (const items of prompts) {
    for (const chunk of buildConditioningTokens(items, tokenizer, { embeddings: byName }).chunks) for (const id of chunk.ids) used.add(id);
  }
  return used;
}

export function assignEmbeddingIds(embeddings: readonly LoadedEmbedding[], used: ReadonlySet<number>): EmbeddingIds {
  const ids: EmbeddingIds = new Map();
  let next = TOP_ORDINARY_ID;
  for (const e of embeddings) {
    const mine: number[] = [];
    while (mine.length < e.count) {
      if (!used.has(next)) mine.push(next);
      next--;
    }
    ids.set(e.request.name, mine);
  }
  return ids;
}

/** Writes the embeddings' vectors for text encoder `encoder` into its token table at their ids. */
export function writeEmbeddingRows(weights: OnnxWeights, encoder: number, embeddings: readonly LoadedEmbedding[], ids: EmbeddingIds, label: string): void {
  if (!weights.has(TOKEN_TABLE)) throw new FatalRunError(`${label} has no ${TOKEN_TABLE} initializer, which embeddings are written into`);
  const [rows, width] = weights.dims(TOKEN_TABLE);
  const table = weights.get(TOKEN_TABLE);
  for (const e of embeddings) {
    const vectors = e.vectors[encoder];
    if (vectors.length !== e.count * width) {
      throw new FatalRunError(`embedding "${e.request.name}" has ${vectors.length / e.count}-wide vectors; ${label} takes ${width}`);
    }
    (ids.get(e.request.name) ?? []).forEach((id, k) => {
      if (id >= rows) throw new FatalRunError(`${label}: token id ${id} is outside its ${rows}-row table`);
      table.set(vectors.subarray(k * width, (k + 1) * width), id * width);
    });
  }
  weights.set(TOKEN_TABLE, table);
}

export function embeddingVariantKey(embeddings: readonly LoadedEmbedding[], ids: EmbeddingIds): string {
  const h = createHash('sha256');
  for (const e of embeddings) {
    h.update(JSON.stringify([e.request.file, e.request.weight, ids.get(e.request.name)]));
    for (const v of e.vectors) h.update(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
  }
  return h.digest('hex').slice(0, 16);
}
