import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BoundedCache } from './bounded-cache';
import { ClipTokenizer } from './clip-tokenizer';
import { ClipVocabulary } from './clip-vocabulary';

const tokenizer = ClipTokenizer.fromBundledVocabulary();

describe('ClipTokenizer', () => {
  it('encodes without BOS/EOS and never truncates', () => {
    expect(tokenizer.encode('a photo of a cat')).toEqual([320, 1125, 539, 320, 2368]);
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode('cat '.repeat(200))).toHaveLength(200);
  });

  it('splits digits and contractions the reference way', () => {
    expect(tokenizer.pretokenize('1920x1080')).toEqual(['1', '9', '2', '0', 'x', '1', '0', '8', '0']);
    expect(tokenizer.pretokenize("don't")).toEqual(['don', "'t"]);
  });

  it("follows the case-insensitive reference pattern on the characters where it matters (ſ, U+0345)", () => {
    expect(tokenizer.pretokenize("x'ſ")).toEqual(['x', "'ſ"]);
    expect(tokenizer.pretokenize('a\u0345b')).toEqual(['a', 'b']); // dropped, as Python's regex does
    expect(ClipTokenizer.fromBundledVocabulary({ mode: 'hf-fast' }).pretokenize('a\u0345b')).toEqual(['a', '\u0345', 'b']);
  });

  it('decodes ids back to text with a space after each word', () => {
    expect(tokenizer.decode(tokenizer.encode('A Photo of a CAT!'))).toBe('a photo of a cat ! ');
    expect(tokenizer.decode(tokenizer.encode('猫 café 🐱'))).toBe('猫 café 🐱 ');
    expect(() => tokenizer.decode([49408])).toThrow(RangeError);
  });

  it('exposes the special ids and the comma token', () => {
    expect([tokenizer.bosId, tokenizer.eosId, tokenizer.commaId]).toEqual([49406, 49407, 267]);
    expect(tokenizer.tokenToId('cat</w>')).toBe(2368);
    expect(tokenizer.idToToken(2368)).toBe('cat</w>');
  });

  it('matches special-token text in any case (reference) or only as written (hf-fast)', () => {
    const hf = ClipTokenizer.fromBundledVocabulary({ mode: 'hf-fast' });
    expect(tokenizer.encode('x<|EndOfText|>')).toEqual([...tokenizer.encode('x'), 49407]);
    expect(hf.encode('x<|endoftext|>')).toEqual([...hf.encode('x'), 49407]);
    expect(hf.encode('x<|EndOfText|>')).not.toContain(49407);
  });

  it('cleans text only in reference mode', () => {
    const hf = ClipTokenizer.fromBundledVocabulary({ mode: 'hf-fast' });
    expect(tokenizer.normalize('  Fish &amp; Chips\n’s  ')).toBe("fish & chips 's");
    expect(hf.normalize('  Fish &amp; Chips\n’s  ')).toBe(' fish &amp; chips ’s ');
  });

  it('shares one bundled vocabulary between tokenizers', () => {
    expect(ClipTokenizer.fromBundledVocabulary().vocabulary).toBe(tokenizer.vocabulary);
    expect(tokenizer.vocabulary.size).toBe(49408);
  });
});

describe('ClipTokenizer.fromFiles (a model folder tokenizer/vocab.json + merges.txt)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'darkroom-clip-'));
    const bundled = ClipVocabulary.bundled();
    writeFileSync(join(dir, 'vocab.json'), JSON.stringify(Object.fromEntries(bundled.entries())));
    const merges = bundled.mergeList().map(([a, b]) => `${a} ${b}`);
    writeFileSync(join(dir, 'merges.txt'), ['#version: 0.2', ...merges, ''].join('\n'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('tokenizes exactly like the bundled vocabulary', () => {
    const fromFiles = ClipTokenizer.fromFiles(join(dir, 'vocab.json'), join(dir, 'merges.txt'));
    expect(fromFiles.vocabulary.mergeList()).toHaveLength(48894);
    for (const text of ['a photo of a cat', 'masterpiece, (best quality:1.2), 8k', '一个女孩 👍🏽 naïve']) {
      expect(fromFiles.encodeWithSpecial(text)).toEqual(tokenizer.encodeWithSpecial(text));
    }
  });

  it('rejects a vocabulary without the special tokens', () => {
    writeFileSync(join(dir, 'bad-vocab.json'), JSON.stringify({ a: 0 }));
    expect(() => ClipTokenizer.fromFiles(join(dir, 'bad-vocab.json'), join(dir, 'merges.txt'))).toThrow(
      /<\|startoftext\|>/,
    );
  });
});

describe('BoundedCache', () => {
  it('keeps at most its capacity, evicting the least recently used', () => {
    const cache = new BoundedCache<string, number>(2);
    cache.set('a', 1);
    cache.set('b', 2);
    expect(cache.get('a')).toBe(1); // a is now the most recent
    cache.set('c', 3);
    expect(cache.size).toBe(2);
    expect(cache.has('b')).toBe(false);
    expect(cache.get('a')).toBe(1);
    expect(cache.get('c')).toBe(3);
  });

  it('bounds the tokenizer BPE cache', () => {
    const small = ClipTokenizer.fromBundledVocabulary({ bpeCacheSize: 3 });
    const words = ['alpha', 'bravo', 'charlie', 'delta', 'echo'];
    const first = words.map((w) => small.encode(w));
    expect(words.map((w) => small.encode(w))).toEqual(first); // results survive eviction
    expect(() => new BoundedCache(0)).toThrow(RangeError);
  });
});
