import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { t5TokenizerFiles, t5Vocabulary } from '@darkroom/testing';
import { T5Tokenizer } from './t5-tokenizer';

describe('T5Tokenizer (SentencePiece Unigram from tokenizer.json)', () => {
  let dir: string;
  let tok: T5Tokenizer;
  const vocab = t5Vocabulary();
  const id = (piece: string) => vocab.findIndex(([p]) => p === piece);

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'darkroom-t5-'));
    await writeFile(path.join(dir, 'tokenizer.json'), t5TokenizerFiles(16)['tokenizer.json']);
    tok = T5Tokenizer.fromFile(path.join(dir, 'tokenizer.json'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('picks the most probable segmentation, words prefixed with ▁, </s> last', () => {
    expect(tok.encode('a photo of a cat')).toEqual([id('▁a'), id('▁photo'), id('▁of'), id('▁a'), id('▁cat'), 1]);
    expect(tok.encode('cats')).toEqual([id('▁cats'), 1]);
    // "▁cat" + "z" beats spelling it out; "ing" is a piece of its own.
    expect(tok.encode('catz')).toEqual([id('▁cat'), id('z'), 1]);
    expect(tok.encode('  sitting\tdog ')).toEqual([id('▁sitting'), id('▁dog'), 1]);
    expect(tok.encode('painting')).toEqual([id('▁painting'), 1]);
    expect(tok.encode('walking')).toEqual([id('▁w'), id('a'), id('l'), id('k'), id('ing'), 1]);
  });

  it('normalises with NFKC and fuses runs of unknown characters into one <unk>', () => {
    expect(tok.encode('ｃａｔ')).toEqual(tok.encode('cat'));
    expect(tok.encode('cat ééé dog')).toEqual([id('▁cat'), id('▁'), 2, id('▁dog'), 1]);
    expect(tok.encode('')).toEqual([1]);
  });

  it('pads with <pad> and a mask, and cuts long prompts keeping </s>', () => {
    expect(tok.encodePadded('a cat', 5)).toEqual({ ids: [id('▁a'), id('▁cat'), 1, 0, 0], mask: [1, 1, 1, 0, 0] });
    const cut = tok.encodePadded('a cat a cat a cat', 4);
    expect(cut.ids).toEqual([id('▁a'), id('▁cat'), id('▁a'), 1]);
    expect(cut.mask).toEqual([1, 1, 1, 1]);
  });

  it('refuses a tokenizer.json that is not a Unigram model', async () => {
    const file = path.join(dir, 'bpe.json');
    await writeFile(file, JSON.stringify({ model: { type: 'BPE', vocab: {} } }));
    expect(() => T5Tokenizer.fromFile(file)).toThrow(/not a SentencePiece Unigram tokenizer.json/);
  });
});
