import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClipTokenizer } from './clip-tokenizer';

interface GoldenCase {
  id: string;
  category: string;
  text: string;
  normalized: string;
  pretokens: string[];
  ids: number[];
  tokens: string[];
  decoded: string;
  hf_matches_reference: boolean;
  hf_ids?: number[];
}

/** A read-only copy of darkroom's shared golden file (openai/CLIP simple_tokenizer.py, HF fast cross-check). */
const golden = JSON.parse(readFileSync(join(__dirname, 'testdata', 'clip-tokens.golden.json'), 'utf8')) as {
  reference: { vocab_size: number; bos: number; eos: number };
  cases: GoldenCase[];
};
const cases = golden.cases.map((c) => [c.id, c] as const);

const reference = ClipTokenizer.fromBundledVocabulary();
const hfFast = ClipTokenizer.fromBundledVocabulary({ mode: 'hf-fast' });

describe('CLIP tokenizer against the golden token ids', () => {
  it('covers all 72 cases, 9 of them where the HF fast tokenizer differs', () => {
    expect(cases).toHaveLength(72);
    expect(golden.cases.filter((c) => c.hf_ids !== undefined)).toHaveLength(9);
  });

  it('has the reference vocabulary size and special ids', () => {
    expect(reference.vocabulary.size).toBe(golden.reference.vocab_size);
    expect(reference.bosId).toBe(golden.reference.bos);
    expect(reference.eosId).toBe(golden.reference.eos);
  });

  it('encodes the anchor prompt', () => {
    expect(reference.encodeWithSpecial('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(hfFast.encodeWithSpecial('a photo of a cat')).toEqual([49406, 320, 1125, 539, 320, 2368, 49407]);
    expect(reference.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
  });

  describe.each(cases)('%s', (_id, c) => {
    it('reference mode: normalized text, pieces, ids, token strings and decoding', () => {
      expect(reference.normalize(c.text)).toBe(c.normalized);
      expect(reference.pretokenize(c.text)).toEqual(c.pretokens);
      const ids = reference.encodeWithSpecial(c.text);
      expect(ids).toEqual(c.ids);
      expect(ids.map((id) => reference.idToToken(id))).toEqual(c.tokens);
      expect(reference.decode(ids.slice(1, -1))).toBe(c.decoded);
    });

    it('hf-fast mode: the ids of the diffusers fast tokenizer', () => {
      expect(hfFast.encodeWithSpecial(c.text)).toEqual(c.hf_ids ?? c.ids);
    });
  });
});
