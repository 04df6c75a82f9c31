import type { PromptFragment } from './prompt-parser';

/**
 * Weighted prompt fragments → CLIP input chunks, the way AUTOMATIC1111 builds them (`tokenize_line`):
 *
 * - Each text fragment is tokenized on its own (no BOS/EOS); its weight goes to each of its tokens.
 * - A chunk holds 75 prompt tokens; it is written out as BOS + 75 + EOS = 77 ids. A chunk that ends early gets
 *   EOS after its last token and `padId` after that (SD 1.x pads with EOS; the OpenCLIP encoders of SD 2.x and
 *   SDXL's second encoder pad with 0). BOS, EOS and padding have weight 1.
 * - When a chunk is full and the next token is not a comma, the tokens after the chunk's last comma move to the
 *   next chunk, provided that comma is at most `commaBacktrack` (20) tokens back, so that a phrase is not cut in
 *   two.
 * - A BREAK fragment closes the current chunk (even an empty one) and starts a new one.
 * - An empty prompt gives one chunk. The engine encodes each chunk and concatenates the outputs along the
 *   sequence axis.
 * - Textual-inversion embeddings: wherever the tokens of an embedding's name appear in a fragment (longest name
 *   first), its N vectors take N positions filled with `placeholderId`; `embeddingSlots` says which, so the
 *   engine can substitute the vectors. The N positions never straddle two chunks.
 */

export interface ChunkTokenizer {
  readonly bosId: number;
  readonly eosId: number;
  /** Id of a stand-alone comma, or undefined when the vocabulary has none (then no backtracking). */
  readonly commaId: number | undefined;
  encode(text: string): number[];
}

export interface TextualInversionEmbedding {
  /** How many token vectors the embedding holds. */
  vectors: number;
}

export interface ChunkOptions {
  /** Id written after EOS to fill a chunk; defaults to EOS (SD 1.x). */
  padId?: number;
  /** How far back (in tokens) a comma may be to move the chunk's tail to the next chunk; 0 turns it off. */
  commaBacktrack?: number;
  /** Embeddings by the name written in prompts. */
  embeddings?: ReadonlyMap<string, TextualInversionEmbedding>;
  /** Id placed where embedding vectors go (any valid id; the engine replaces its input embedding). */
  placeholderId?: number;
}

export interface ConditioningChunk {
  /** 77 ids: BOS, up to 75 prompt tokens, EOS, padding. */
  ids: Int32Array;
  /** 77 weights, one per id. */
  weights: Float32Array;
}

export interface EmbeddingSlot {
  chunk: number;
  /** Index in the chunk's 77 ids. */
  position: number;
  name: string;
  /** Which of the embedding's vectors goes there. */
  vectorIndex: number;
}

export interface ConditioningTokens {
  chunks: ConditioningChunk[];
  embeddingSlots: EmbeddingSlot[];
  /** Prompt tokens placed (without BOS, EOS and padding). */
  tokenCount: number;
}

export const CHUNK_TOKENS = 75;
export const CHUNK_LENGTH = CHUNK_TOKENS + 2;
export const COMMA_PADDING_BACKTRACK = 20;

interface PendingSlot {
  offset: number; // index among the chunk's prompt tokens
  name: string;
  vectorIndex: number;
}

interface EmbeddingPattern {
  name: string;
  ids: number[];
  vectors: number;
}

/** Builds the chunks of one prompt. */
export function chunkPrompt(
  fragments: readonly PromptFragment[],
  tokenizer: ChunkTokenizer,
  options: ChunkOptions = {},
): ConditioningTokens {
  const padId = options.padId ?? tokenizer.eosId;
  const backtrack = options.commaBacktrack ?? COMMA_PADDING_BACKTRACK;
  const placeholderId = options.placeholderId ?? 0;
  const patterns = embeddingPatterns(options.embeddings, tokenizer);

  const chunks: ConditioningChunk[] = [];
  const embeddingSlots: EmbeddingSlot[] = [];
  let tokenCount = 0;
  let tokens: number[] = [];
  let weights: number[] = [];
  let slots: PendingSlot[] = [];
  let lastComma = -1;

  const closeChunk = (): void => {
    const chunkIndex = chunks.length;
    chunks.push(writeChunk(tokens, weights, tokenizer, padId));
    tokenCount += tokens.length;
    for (const slot of slots) {
      embeddingSlots.push({ chunk: chunkIndex, position: slot.offset + 1, name: slot.name, vectorIndex: slot.vectorIndex });
    }
    tokens = [];
    weights = [];
    slots = [];
    lastComma = -1;
  };

  for (const fragment of fragments) {
    if (fragment.kind === 'break') {
      closeChunk();
      continue;
    }
    const ids = tokenizer.encode(fragment.text);
    let position = 0;
    while (position < ids.length) {
      const id = ids[position];
      if (id === tokenizer.commaId) {
        lastComma = tokens.length;
      } else if (
        backtrack !== 0 &&
        tokens.length === CHUNK_TOKENS &&
        lastComma !== -1 &&
        tokens.length - lastComma <= backtrack
      ) {
        // Move the words after the last comma to the next chunk.
        const cut = lastComma + 1;
        const movedTokens = tokens.slice(cut);
        const movedWeights = weights.slice(cut);
        const movedSlots = slots.filter((s) => s.offset >= cut).map((s) => ({ ...s, offset: s.offset - cut }));
        tokens = tokens.slice(0, cut);
        weights = weights.slice(0, cut);
        slots = slots.filter((s) => s.offset < cut);
        closeChunk();
        tokens = movedTokens;
        weights = movedWeights;
        slots = movedSlots;
      }
      if (tokens.length === CHUNK_TOKENS) closeChunk();

      const embedding = matchEmbedding(patterns, ids, position);
      if (!embedding) {
        tokens.push(id);
        weights.push(fragment.weight);
        position += 1;
        continue;
      }
      if (tokens.length + embedding.vectors > CHUNK_TOKENS) closeChunk();
      for (let v = 0; v < embedding.vectors; v++) {
        slots.push({ offset: tokens.length, name: embedding.name, vectorIndex: v });
        tokens.push(placeholderId);
        weights.push(fragment.weight);
      }
      position += embedding.ids.length;
    }
  }
  if (tokens.length > 0 || chunks.length === 0) closeChunk();
  return { chunks, embeddingSlots, tokenCount };
}

/** A chunk of only BOS, EOS and padding (what an empty prompt gives). */
export function emptyConditioningChunk(tokenizer: ChunkTokenizer, padId: number = tokenizer.eosId): ConditioningChunk {
  return writeChunk([], [], tokenizer, padId);
}

function writeChunk(tokens: number[], weights: number[], tokenizer: ChunkTokenizer, padId: number): ConditioningChunk {
  const ids = new Int32Array(CHUNK_LENGTH).fill(padId);
  const w = new Float32Array(CHUNK_LENGTH).fill(1);
  ids[0] = tokenizer.bosId;
  ids.set(tokens, 1);
  w.set(weights, 1);
  ids[tokens.length + 1] = tokenizer.eosId;
  return { ids, weights: w };
}

function embeddingPatterns(
  embeddings: ReadonlyMap<string, TextualInversionEmbedding> | undefined,
  tokenizer: ChunkTokenizer,
): EmbeddingPattern[] {
  if (!embeddings || embeddings.size === 0) return [];
  const patterns: EmbeddingPattern[] = [];
  for (const [name, { vectors }] of embeddings) {
    if (!Number.isInteger(vectors) || vectors < 1 || vectors > CHUNK_TOKENS) {
      throw new RangeError(`embedding ${name}: vectors must be an integer from 1 to ${CHUNK_TOKENS}, got ${vectors}`);
    }
    const ids = tokenizer.encode(name);
    if (ids.length === 0) throw new RangeError(`embedding name ${JSON.stringify(name)} has no tokens`);
    patterns.push({ name, ids, vectors });
  }
  // Longest token sequence first, so "bad-hands-5" wins over "bad".
  return patterns.sort((a, b) => b.ids.length - a.ids.length);
}

function matchEmbedding(patterns: EmbeddingPattern[], ids: number[], position: number): EmbeddingPattern | undefined {
  return patterns.find((p) => p.ids.every((id, k) => ids[position + k] === id));
}
