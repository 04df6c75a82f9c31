import { parsePromptAttention } from './prompt-parser';

/** Fragments as A1111 prints them: [text, weight] pairs, BREAK as ['BREAK', -1]. */
function pairs(prompt: string): Array<[string, number]> {
  return parsePromptAttention(prompt).map((f) => (f.kind === 'break' ? ['BREAK', -1] : [f.text, f.weight]));
}

describe('parsePromptAttention', () => {
  it('keeps plain text as one fragment of weight 1', () => {
    expect(pairs('normal text')).toEqual([['normal text', 1]]);
    expect(pairs('')).toEqual([['', 1]]);
  });

  it('weights (word) by 1.1, [word] by 1/1.1 and (word:x) by x', () => {
    expect(pairs('an (important) word')).toEqual([
      ['an ', 1],
      ['important', 1.1],
      [' word', 1],
    ]);
    expect(pairs('a [b] c')).toEqual([
      ['a ', 1],
      ['b', 1 / 1.1],
      [' c', 1],
    ]);
    expect(pairs('a (b:1.5) c')).toEqual([
      ['a ', 1],
      ['b', 1.5],
      [' c', 1],
    ]);
    expect(pairs('(b: 0.25 )')).toEqual([['b', 0.25]]);
    expect(pairs('(b:-1)(c:.5)')).toEqual([
      ['b', -1],
      ['c', 0.5],
    ]);
  });

  it('multiplies nested groups in A1111 order (same floating-point results)', () => {
    expect(pairs('a (((house:1.3)) [on] a (hill:0.5), sun, (((sky))).')).toEqual([
      ['a ', 1],
      ['house', 1.5730000000000004],
      [' ', 1.1],
      ['on', 1],
      [' a ', 1.1],
      ['hill', 0.55],
      [', sun, ', 1.1],
      ['sky', 1.4641000000000006],
      ['.', 1.1],
    ]);
    expect(pairs('((best quality)), [[low quality]]')).toEqual([
      ['best quality', 1.2100000000000002],
      [', ', 1],
      ['low quality', 1 / 1.1 / 1.1],
    ]);
  });

  it('merges neighbours of equal weight', () => {
    expect(pairs('(unnecessary)(parens)')).toEqual([['unnecessaryparens', 1.1]]);
  });

  it('treats escaped brackets and backslashes as text', () => {
    expect(pairs('\\(literal\\]')).toEqual([['(literal]', 1]]);
    expect(pairs('\\(artist\\) name, a\\\\b')).toEqual([['(artist) name, a\\b', 1]]);
    expect(pairs('lone \\ slash')).toEqual([['lone  slash', 1]]);
  });

  it('applies unclosed brackets to the rest and keeps stray closing brackets as text', () => {
    expect(pairs('(unbalanced')).toEqual([['unbalanced', 1.1]]);
    expect(pairs('a [b (c')).toEqual([
      ['a ', 1],
      ['b ', 1 / 1.1],
      ['c', 1.1 / 1.1],
    ]);
    expect(pairs('a) b] c')).toEqual([['a) b] c', 1]]);
    expect(pairs('word:1.3) [x:2]')).toEqual([
      ['word:1.3) ', 1],
      ['x:2', 1 / 1.1],
    ]);
  });

  it('splits at BREAK as a whole upper-case word, dropping the spaces around it', () => {
    expect(pairs('a cat BREAK a dog')).toEqual([['a cat', 1], ['BREAK', -1], ['a dog', 1]]);
    expect(pairs('BREAK')).toEqual([['', 1], ['BREAK', -1], ['', 1]]);
    expect(pairs('BREAKFAST, break, xBREAK, BREAK_1')).toEqual([['BREAKFAST, break, xBREAK, BREAK_1', 1]]);
    expect(pairs('(red) BREAK\n(blue)')).toEqual([['red', 1.1], ['', 1], ['BREAK', -1], ['', 1], ['blue', 1.1]]);
  });

  it('keeps BREAK a break inside brackets (A1111 would turn it into a negatively weighted word)', () => {
    const fragments = parsePromptAttention('(a BREAK b)');
    expect(fragments.map((f) => f.kind)).toEqual(['text', 'break', 'text']);
    expect(pairs('(a BREAK b)')).toEqual([['a', 1.1], ['BREAK', -1], ['b', 1.1]]);
  });

  it('keeps an unparsable weight as text and closes the group as a plain bracket', () => {
    expect(pairs('x (a:1.2.3) y')).toEqual([
      ['x ', 1],
      ['a:1.2.3', 1.1],
      [' y', 1],
    ]);
  });
});
