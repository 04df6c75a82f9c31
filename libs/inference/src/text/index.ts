export { ClipTokenizer, type ClipTokenizerMode, type ClipTokenizerOptions } from './clip-tokenizer';
export { ClipVocabulary, START_OF_TEXT, END_OF_TEXT, END_OF_WORD } from './clip-vocabulary';
export { fixText } from './fix-text';
export { unescapeHtml } from './html-unescape';
export {
  parsePromptAttention,
  ROUND_BRACKET_MULTIPLIER,
  SQUARE_BRACKET_MULTIPLIER,
  type PromptFragment,
  type TextFragment,
  type BreakFragment,
} from './prompt-parser';
export {
  chunkPrompt,
  emptyConditioningChunk,
  CHUNK_LENGTH,
  CHUNK_TOKENS,
  COMMA_PADDING_BACKTRACK,
  type ChunkOptions,
  type ChunkTokenizer,
  type ConditioningChunk,
  type ConditioningTokens,
  type EmbeddingSlot,
  type TextualInversionEmbedding,
} from './prompt-chunker';
export {
  buildConditioningTokens,
  promptListFragments,
  PROMPT_SEPARATOR,
  type ConditioningOptions,
  type WeightedPrompt,
} from './prompt-list';
