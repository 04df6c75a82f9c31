import { ClipTokenizer } from './clip-tokenizer';
import { CHUNK_LENGTH, chunkPrompt, emptyConditioningChunk, type ConditioningChunk } from './prompt-chunker';
import { parsePromptAttention } from './prompt-parser';

const tokenizer = ClipTokenizer.fromBundledVocabulary();
const BOS = 49406;
const EOS = 49407;
const COMMA = 267;
const A = tokenizer.encode('a')[0];
const CAT = tokenizer.encode('cat')[0];

function chunk(prompt: string, options?: Parameters<typeof chunkPrompt>[2]) {
  return chunkPrompt(parsePromptAttention(prompt), tokenizer, options);
}

/** The prompt tokens of a chunk: between BOS and the first EOS. */
function body(c: ConditioningChunk): number[] {
  const ids = Array.from(c.ids);
  return ids.slice(1, ids.indexOf(EOS));
}

describe('chunkPrompt', () => {
  it('writes exactly 77 ids and 77 weights: BOS, tokens, EOS, EOS padding (SD 1.x)', () => {
    const { chunks, tokenCount } = chunk('a photo of a cat');
    expect(chunks).toHaveLength(1);
    const [c] = chunks;
    expect(c.ids).toBeInstanceOf(Int32Array);
    expect(c.weights).toBeInstanceOf(Float32Array);
    expect(c.ids).toHaveLength(CHUNK_LENGTH);
    expect(c.weights).toHaveLength(CHUNK_LENGTH);
    expect(Array.from(c.ids.slice(0, 8))).toEqual([BOS, 320, 1125, 539, 320, 2368, EOS, EOS]);
    expect(Array.from(c.ids.slice(6)).every((id) => id === EOS)).toBe(true);
    expect(Array.from(c.weights).every((w) => w === 1)).toBe(true);
    expect(tokenCount).toBe(5);
  });

  it('pads with a configurable id after the single EOS (OpenCLIP encoders use 0)', () => {
    const [c] = chunk('a photo of a cat', { padId: 0 }).chunks;
    expect(Array.from(c.ids.slice(0, 8))).toEqual([BOS, 320, 1125, 539, 320, 2368, EOS, 0]);
    expect(Array.from(c.ids.slice(7)).every((id) => id === 0)).toBe(true);
  });

  it('gives an empty prompt one chunk of BOS, EOS and padding', () => {
    const { chunks, tokenCount } = chunk('');
    expect(chunks).toHaveLength(1);
    expect(Array.from(chunks[0].ids)).toEqual([BOS, ...new Array(76).fill(EOS)]);
    expect(tokenCount).toBe(0);
    expect(Array.from(emptyConditioningChunk(tokenizer, 0).ids.slice(0, 3))).toEqual([BOS, EOS, 0]);
  });

  it('applies each fragment weight to its tokens, and 1 to BOS, EOS and padding', () => {
    const [c] = chunk('a (cat:1.5) [dog]').chunks;
    const dog = tokenizer.encode('dog')[0];
    expect(Array.from(c.ids.slice(0, 5))).toEqual([BOS, A, CAT, dog, EOS]);
    expect(Array.from(c.weights.slice(0, 6))).toEqual([1, 1, 1.5, Math.fround(1 / 1.1), 1, 1]);
  });

  it('splits a 160-token prompt into three chunks of 75, 75 and 10 tokens', () => {
    const { chunks, tokenCount } = chunk('a '.repeat(160));
    expect(chunks).toHaveLength(3);
    expect(chunks.map((c) => body(c).length)).toEqual([75, 75, 10]);
    expect(chunks.every((c) => c.ids.length === 77 && c.ids[0] === BOS)).toBe(true);
    expect(chunks[0].ids[76]).toBe(EOS);
    expect(tokenCount).toBe(160);
  });

  it('moves the words after the last comma to the next chunk when that comma is within 20 tokens', () => {
    const { chunks } = chunk(`${'a '.repeat(70)}, ${'cat '.repeat(10)}`);
    expect(chunks).toHaveLength(2);
    expect(body(chunks[0])).toEqual([...new Array(70).fill(A), COMMA]);
    expect(body(chunks[1])).toEqual(new Array(10).fill(CAT));
  });

  it('cuts at 75 tokens when the last comma is further back, or when backtracking is off', () => {
    const far = chunk(`${'a '.repeat(50)}, ${'cat '.repeat(40)}`).chunks;
    expect(far.map((c) => body(c).length)).toEqual([75, 16]);
    const off = chunk(`${'a '.repeat(70)}, ${'cat '.repeat(10)}`, { commaBacktrack: 0 }).chunks;
    expect(off.map((c) => body(c).length)).toEqual([75, 6]);
  });

  it('starts a new chunk at BREAK, even an empty one', () => {
    const { chunks } = chunk('a cat BREAK a cat');
    expect(chunks.map(body)).toEqual([
      [A, CAT],
      [A, CAT],
    ]);
    expect(chunk('BREAK BREAK a').chunks.map(body)).toEqual([[], [], [A]]);
  });

  it('keeps the weight on tokens that move to the next chunk', () => {
    const { chunks } = chunk(`${'a '.repeat(70)}, (cat:1.3) (cat:1.3) (cat:1.3) (cat:1.3) (cat:1.3) (cat:1.3)`);
    expect(body(chunks[1])).toEqual(new Array(6).fill(CAT));
    expect(Array.from(chunks[1].weights.slice(1, 7))).toEqual(new Array(6).fill(Math.fround(1.3)));
  });
});

describe('textual-inversion embedding slots', () => {
  const embeddings = new Map([
    ['EasyNegative', { vectors: 3 }],
    ['bad-hands-5', { vectors: 2 }],
    ['bad', { vectors: 1 }],
  ]);

  it('puts N placeholder ids where the embedding name appears and reports each slot', () => {
    const { chunks, embeddingSlots } = chunk('a cat, (EasyNegative:1.2)', { embeddings, placeholderId: 0 });
    const ids = Array.from(chunks[0].ids.slice(0, 8));
    expect(ids).toEqual([BOS, A, CAT, COMMA, 0, 0, 0, EOS]);
    expect(Array.from(chunks[0].weights.slice(4, 7))).toEqual(new Array(3).fill(Math.fround(1.2)));
    expect(embeddingSlots).toEqual([
      { chunk: 0, position: 4, name: 'EasyNegative', vectorIndex: 0 },
      { chunk: 0, position: 5, name: 'EasyNegative', vectorIndex: 1 },
      { chunk: 0, position: 6, name: 'EasyNegative', vectorIndex: 2 },
    ]);
  });

  it('prefers the longest name and matches whole tokens only', () => {
    const { embeddingSlots } = chunk('bad-hands-5, bad, badge', { embeddings });
    expect(embeddingSlots.map((s) => [s.name, s.position])).toEqual([
      ['bad-hands-5', 1],
      ['bad-hands-5', 2],
      ['bad', 4],
    ]);
  });

  it('never splits an embedding across chunks', () => {
    const { chunks, embeddingSlots } = chunk(`${'a '.repeat(74)}EasyNegative`, { embeddings, commaBacktrack: 0 });
    expect(chunks.map((c) => body(c).length)).toEqual([74, 3]);
    expect(embeddingSlots.map((s) => [s.chunk, s.position])).toEqual([
      [1, 1],
      [1, 2],
      [1, 3],
    ]);
  });

  it('moves slots along with comma backtracking', () => {
    const { embeddingSlots } = chunk(`${'a '.repeat(70)}, cat EasyNegative cat cat`, { embeddings });
    expect(embeddingSlots.map((s) => [s.chunk, s.position])).toEqual([
      [1, 2],
      [1, 3],
      [1, 4],
    ]);
  });

  it('rejects impossible embeddings', () => {
    expect(() => chunk('x', { embeddings: new Map([['x', { vectors: 76 }]]) })).toThrow(RangeError);
    expect(() => chunk('x', { embeddings: new Map([['x', { vectors: 0 }]]) })).toThrow(RangeError);
  });
});
