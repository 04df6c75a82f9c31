import { readFileSync } from 'node:fs';

/** The parts of a Hugging Face `tokenizer.json` a SentencePiece-Unigram (T5) tokenizer needs. */
interface UnigramTokenizerJson {
  model?: { type?: string; vocab?: [string, number][]; unk_id?: number | null };
  added_tokens?: { id: number; content: string }[];
  pre_tokenizer?: { type?: string; replacement?: string } | null;
}

const METASPACE = '▁';

/**
 * A SentencePiece Unigram tokenizer (T5's) read from `tokenizer.json`: NFKC normalisation (standing in for the
 * exports' precompiled NFKC character map), whitespace collapsed, every word prefixed with "▁" (Metaspace), the
 * most probable segmentation of each word by Viterbi over the pieces' log-probabilities, runs of unknown
 * characters fused into one `<unk>`, and `</s>` appended.
 */
export class T5Tokenizer {
  private readonly pieces = new Map<string, { id: number; score: number }>();
  private readonly maxPieceLength: number;
  private readonly unkScore: number;
  readonly unkId: number;
  readonly eosId: number;
  readonly padId: number;

  constructor(vocab: readonly [string, number][], specials: { unk: number; eos: number; pad: number }) {
    let longest = 1;
    let minScore = 0;
    vocab.forEach(([piece, score], id) => {
      if (id === specials.unk || id === specials.eos || id === specials.pad) return;
      if (!this.pieces.has(piece)) this.pieces.set(piece, { id, score });
      longest = Math.max(longest, [...piece].length);
      minScore = Math.min(minScore, score);
    });
    this.maxPieceLength = longest;
    // SentencePiece scores an unknown character below every known piece.
    this.unkScore = minScore - 10;
    this.unkId = specials.unk;
    this.eosId = specials.eos;
    this.padId = specials.pad;
  }

  static fromFile(file: string): T5Tokenizer {
    const json = JSON.parse(readFileSync(file, 'utf8')) as UnigramTokenizerJson;
    const vocab = json.model?.vocab;
    if (json.model?.type !== 'Unigram' || !Array.isArray(vocab)) throw new Error(`${file}: not a SentencePiece Unigram tokenizer.json (model.type must be "Unigram")`);
    const idOf = (content: string, fallback: number) => json.added_tokens?.find((t) => t.content === content)?.id ?? vocab.findIndex(([p]) => p === content) ?? fallback;
    const find = (content: string, fallback: number) => {
      const id = idOf(content, fallback);
      return id >= 0 ? id : fallback;
    };
    return new T5Tokenizer(vocab, { unk: json.model.unk_id ?? find('<unk>', 2), eos: find('</s>', 1), pad: find('<pad>', 0) });
  }

  /** Ids of a text followed by `</s>`. */
  encode(text: string): number[] {
    const words = text.normalize('NFKC').trim().split(/\s+/).filter(Boolean);
    const ids: number[] = [];
    for (const word of words) ids.push(...this.segment(METASPACE + word));
    ids.push(this.eosId);
    return ids;
  }

  /** Ids padded with `<pad>` (or cut, keeping `</s>` last) to `length`, with the attention mask. */
  encodePadded(text: string, length: number): { ids: number[]; mask: number[] } {
    let ids = this.encode(text);
    if (ids.length > length) ids = [...ids.slice(0, length - 1), this.eosId];
    const mask = ids.map(() => 1);
    while (ids.length < length) {
      ids.push(this.padId);
      mask.push(0);
    }
    return { ids, mask };
  }

  /** Viterbi: the segmentation of one word with the highest total log-probability. */
  private segment(word: string): number[] {
    const chars = [...word];
    const n = chars.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const from = new Int32Array(n + 1);
    const pieceAt = new Int32Array(n + 1);
    best[0] = 0;
    for (let end = 1; end <= n; end++) {
      for (let start = Math.max(0, end - this.maxPieceLength); start < end; start++) {
        if (best[start] === -Infinity) continue;
        const piece = this.pieces.get(chars.slice(start, end).join(''));
        const single = end - start === 1;
        if (!piece && !single) continue;
        const score = best[start] + (piece ? piece.score : this.unkScore);
        if (score > best[end]) {
          best[end] = score;
          from[end] = start;
          pieceAt[end] = piece ? piece.id : -1;
        }
      }
    }
    const ids: number[] = [];
    for (let end = n; end > 0; end = from[end]) ids.push(pieceAt[end] >= 0 ? pieceAt[end] : this.unkId);
    ids.reverse();
    // Runs of unknown characters become one <unk>.
    return ids.filter((id, i) => !(id === this.unkId && ids[i - 1] === this.unkId));
  }
}
