import { TinyFamily } from './pipeline-configs';
import { Prng } from './prng';
import { floatTensor, SafetensorsInput, writeSafetensors } from './safetensors';
import { resolveTinyOptions, TinyModelOptions } from './tiny-pipeline.generator';

/**
 * A textual-inversion embedding as a safetensors file, in one of the layouts found in the wild:
 * - `emb_params` (default for SD1.x/SD2): one tensor `emb_params` [vectors, hiddenSize], as A1111-compatible
 *   safetensors embeddings store it (A1111 takes any single tensor; its `.pt` files nest it under
 *   `string_to_param['*']`, which safetensors cannot express).
 * - `diffusers`: one tensor named after the token, e.g. `<name>` [vectors, hiddenSize] (diffusers'
 *   `learned_embeds.safetensors`).
 * - `sdxl` (default for SDXL): `clip_l` [vectors, hiddenSize] for text_encoder and `clip_g` [vectors, hiddenSize2]
 *   for text_encoder_2.
 * Vectors are drawn like the tiny text encoder's token embeddings (std 0.5), so using one changes its output.
 */

export type EmbeddingFormat = 'emb_params' | 'diffusers' | 'sdxl';

export interface TinyEmbeddingOptions {
  /** The trigger word; also the tensor name in the `diffusers` format (default `tiny-embedding`). */
  name?: string;
  /** Number of vectors (tokens) the embedding expands to (default 2). */
  vectors?: number;
  family?: TinyFamily;
  base?: TinyModelOptions;
  format?: EmbeddingFormat;
  seed?: number;
  dtype?: 'F32' | 'F16';
}

export interface TinyEmbeddingDescription {
  file: string;
  name: string;
  format: EmbeddingFormat;
  vectors: number;
  /** Tensor name → shape. */
  tensors: Record<string, [number, number]>;
}

export async function generateTinyEmbedding(file: string, opts: TinyEmbeddingOptions = {}): Promise<TinyEmbeddingDescription> {
  const family = opts.family ?? 'sd15';
  const name = opts.name ?? 'tiny-embedding';
  const vectors = opts.vectors ?? 2;
  if (!Number.isInteger(vectors) || vectors < 1) throw new Error('vectors must be a positive integer');
  const format = opts.format ?? (family === 'sdxl' ? 'sdxl' : 'emb_params');
  if ((format === 'sdxl') !== (family === 'sdxl')) throw new Error(`format ${format} does not fit family ${family}`);
  const o = resolveTinyOptions(opts.base);
  const rng = new Prng(opts.seed ?? 11);
  const dtype = opts.dtype ?? 'F32';

  const widths: Record<string, number> =
    format === 'sdxl' ? { clip_l: o.hiddenSize, clip_g: o.hiddenSize2 } : { [format === 'diffusers' ? name : 'emb_params']: o.hiddenSize };
  const tensors: Record<string, SafetensorsInput> = {};
  const shapes: Record<string, [number, number]> = {};
  for (const [key, width] of Object.entries(widths)) {
    shapes[key] = [vectors, width];
    tensors[key] = floatTensor([vectors, width], rng.normalArray(vectors * width, 0.5), dtype);
  }
  await writeSafetensors(file, tensors);
  return { file, name, format, vectors, tensors: shapes };
}
