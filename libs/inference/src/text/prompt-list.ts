import { chunkPrompt, type ChunkTokenizer, type ConditioningTokens, type TextualInversionEmbedding } from './prompt-chunker';
import { parsePromptAttention, type PromptFragment } from './prompt-parser';

/**
 * TAMS jobs carry `prompts: [{ text, weight }]` (and `negativePrompts` of the same shape, up to 150 items).
 * darkroom turns such a list into one token stream:
 *
 * - Each item's text is parsed with A1111 emphasis syntax (`(word:1.3)`, `[word]`, `BREAK`, …).
 * - The item's weight multiplies the weights of all of that item's tokens: `{ text: "(red:1.2) hat",
 *   weight: 0.5 }` gives `red` 0.6 and `hat` 0.5. A missing weight counts as 1.
 * - Items are joined in order with the separator `", "`, which is tokenized on its own (one comma token of
 *   weight 1; it also serves as a place where a long prompt may be split). Items whose text is empty or only
 *   whitespace are skipped.
 * - The stream is then cut into 77-token chunks (see `chunkPrompt`); an empty list gives one empty chunk.
 */

export interface WeightedPrompt {
  text: string;
  weight?: number;
}

export interface ConditioningOptions {
  /** Padding id after EOS: EOS for SD 1.x and SDXL's first encoder, 0 for the OpenCLIP encoders. */
  padId?: number;
  embeddings?: ReadonlyMap<string, TextualInversionEmbedding>;
  commaBacktrack?: number;
  placeholderId?: number;
}

export const PROMPT_SEPARATOR = ', ';

/** The weighted fragments of a prompt list, before tokenization. */
export function promptListFragments(items: readonly WeightedPrompt[]): PromptFragment[] {
  const fragments: PromptFragment[] = [];
  for (const item of items) {
    if (item.text.trim().length === 0) continue;
    const itemWeight = item.weight ?? 1;
    if (!Number.isFinite(itemWeight)) throw new RangeError(`prompt weight must be a finite number, got ${itemWeight}`);
    if (fragments.length > 0) fragments.push({ kind: 'text', text: PROMPT_SEPARATOR, weight: 1 });
    for (const fragment of parsePromptAttention(item.text)) {
      fragments.push(fragment.kind === 'text' ? { ...fragment, weight: fragment.weight * itemWeight } : fragment);
    }
  }
  return fragments;
}

/** Token ids and per-token weights, in 77-token chunks, for a TAMS prompt list. */
export function buildConditioningTokens(
  items: readonly WeightedPrompt[],
  tokenizer: ChunkTokenizer,
  options: ConditioningOptions = {},
): ConditioningTokens {
  return chunkPrompt(promptListFragments(items), tokenizer, options);
}
