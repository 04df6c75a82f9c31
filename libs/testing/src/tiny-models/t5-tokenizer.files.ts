/**
 * A small SentencePiece-Unigram vocabulary in the Hugging Face `tokenizer.json` layout T5 exports ship
 * (`model.type: Unigram`, `vocab: [[piece, log-probability], …]`, `<pad>` 0, `</s>` 1, `<unk>` 2, Metaspace "▁"
 * word prefix, `</s>` appended). Whole words score higher than their letters, so Viterbi picks them.
 */

const WORDS = [
  'a', 'an', 'the', 'of', 'and', 'in', 'on', 'with', 'photo', 'picture', 'cat', 'cats', 'dog', 'red', 'blue', 'green',
  'house', 'tree', 'sky', 'sitting', 'portrait', 'woman', 'man', 'city', 'night', 'painting', 'sun', 'big', 'small',
];
const SUBWORDS = ['ing', 'ed', 's', 'er', 'ly', 'tion'];
const CHARS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.,!?\'"-:;()';

export const T5_SPECIALS = { pad: 0, eos: 1, unk: 2 } as const;

export function t5Vocabulary(): [string, number][] {
  const vocab: [string, number][] = [
    ['<pad>', 0],
    ['</s>', 0],
    ['<unk>', 0],
    ['▁', -3],
  ];
  WORDS.forEach((w, i) => vocab.push([`▁${w}`, -4 - i * 0.05]));
  SUBWORDS.forEach((w, i) => vocab.push([w, -6 - i * 0.1]));
  [...CHARS].forEach((c, i) => vocab.push([c, -8 - i * 0.01]));
  [...'abcdefghijklmnopqrstuvwxyz'].forEach((c, i) => vocab.push([`▁${c}`, -7 - i * 0.01]));
  return vocab;
}

/** tokenizer.json, tokenizer_config.json and special_tokens_map.json of the tiny T5 tokenizer. */
export function t5TokenizerFiles(maxLength: number): Record<string, string> {
  const vocab = t5Vocabulary();
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, '<pad>'), special(1, '</s>'), special(2, '<unk>')],
    normalizer: { type: 'NFKC' },
    pre_tokenizer: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: '</s>', type_id: 0 } }],
      special_tokens: { '</s>': { id: '</s>', ids: [1], tokens: ['</s>'] } },
    },
    decoder: { type: 'Metaspace', replacement: '▁', prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: T5_SPECIALS.unk, vocab, byte_fallback: false },
  };
  return {
    'tokenizer.json': `${JSON.stringify(tokenizer, null, 2)}\n`,
    'tokenizer_config.json': `${JSON.stringify({ tokenizer_class: 'T5Tokenizer', model_max_length: maxLength, pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' }, null, 2)}\n`,
    'special_tokens_map.json': `${JSON.stringify({ pad_token: '<pad>', eos_token: '</s>', unk_token: '<unk>' }, null, 2)}\n`,
  };
}
