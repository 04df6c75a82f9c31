import { ClipTokenizer } from './clip-tokenizer';
import { buildConditioningTokens, promptListFragments } from './prompt-list';

const tokenizer = ClipTokenizer.fromBundledVocabulary();
const [RED, HAT, BLUE, SKY] = ['red', 'hat', 'blue', 'sky'].map((w) => tokenizer.encode(w)[0]);
const BOS = 49406;
const EOS = 49407;
const COMMA = 267;

describe('buildConditioningTokens (TAMS prompts: [{ text, weight }])', () => {
  it('multiplies attention weights by the item weight and joins items with a comma of weight 1', () => {
    const { chunks } = buildConditioningTokens(
      [
        { text: '(red:1.2) hat', weight: 0.5 },
        { text: 'blue sky', weight: 2 },
      ],
      tokenizer,
    );
    expect(chunks).toHaveLength(1);
    expect(Array.from(chunks[0].ids.slice(0, 8))).toEqual([BOS, RED, HAT, COMMA, BLUE, SKY, EOS, EOS]);
    const weights = Array.from(chunks[0].weights.slice(0, 8));
    expect(weights[1]).toBeCloseTo(0.6, 6);
    expect(weights.slice(2)).toEqual([0.5, 1, 2, 2, 1, 1]);
  });

  it('treats a missing weight as 1 and skips empty items', () => {
    const fragments = promptListFragments([{ text: 'red' }, { text: '  ' }, { text: 'hat', weight: 1 }]);
    expect(fragments).toEqual([
      { kind: 'text', text: 'red', weight: 1 },
      { kind: 'text', text: ', ', weight: 1 },
      { kind: 'text', text: 'hat', weight: 1 },
    ]);
  });

  it('gives an empty list one empty chunk, padded with the requested id', () => {
    const { chunks } = buildConditioningTokens([], tokenizer, { padId: 0 });
    expect(chunks).toHaveLength(1);
    expect(Array.from(chunks[0].ids.slice(0, 4))).toEqual([BOS, EOS, 0, 0]);
  });

  it('keeps BREAK inside an item, and long lists flow over several chunks', () => {
    const items = [{ text: 'red BREAK hat' }, ...Array.from({ length: 40 }, () => ({ text: 'blue sky', weight: 0.8 }))];
    const { chunks, tokenCount } = buildConditioningTokens(items, tokenizer);
    expect(Array.from(chunks[0].ids.slice(0, 3))).toEqual([BOS, RED, EOS]);
    expect(chunks[1].ids[1]).toBe(HAT);
    expect(tokenCount).toBe(2 + 40 * 3); // red, hat, then 40 × (comma, blue, sky)
    expect(chunks.length).toBe(3);
    expect(chunks.every((c) => c.ids.length === 77 && c.weights.length === 77)).toBe(true);
  });

  it('reports embedding slots across items', () => {
    const { embeddingSlots } = buildConditioningTokens([{ text: 'red' }, { text: 'EasyNegative', weight: 0.5 }], tokenizer, {
      embeddings: new Map([['EasyNegative', { vectors: 2 }]]),
    });
    expect(embeddingSlots).toEqual([
      { chunk: 0, position: 3, name: 'EasyNegative', vectorIndex: 0 },
      { chunk: 0, position: 4, name: 'EasyNegative', vectorIndex: 1 },
    ]);
  });

  it('rejects a weight that is not a finite number', () => {
    expect(() => buildConditioningTokens([{ text: 'red', weight: Number.NaN }], tokenizer)).toThrow(RangeError);
  });
});
