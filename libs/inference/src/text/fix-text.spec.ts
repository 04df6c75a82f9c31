import { fixText } from './fix-text';
import { fixMojibake } from './mojibake';
import { looksLikeMojibake } from './mojibake-heuristics';

describe('fixText (the reference tokenizer clean-up, ftfy 6.3 defaults)', () => {
  it.each([
    ['cafÃ© naÃ¯ve', 'café naïve'],
    ['Ð¿Ñ€Ð¸Ð²ÐµÑ‚ Ð¼Ð¸Ñ€', 'привет мир'],
    ['ðŸ\u0090± cat', '🐱 cat'], // Windows-1252 leaves 0x90 undefined: it stays a C1 character
    ['cafÃƒÂ©', 'café'], // encoded twice
    ['猫 cafÃ©', '猫 café'], // mojibake next to text no single-byte page can hold
    ['РїСЂРёРІРµС‚', 'привет'], // UTF-8 read as Windows-1251
    ['wei√ü', 'weiß'], // UTF-8 read as MacRoman
    ['dÃ©jÃ vu', 'déjà vu'], // the no-break space of "à" became a space and merged with the next one
    ['Ã¢â‚¬â„¢', "'"],
    ['â€œhelloâ€\u009d', '"hello"'],
  ])('repairs mojibake: %j', (input, expected) => {
    expect(fixText(input)).toBe(expected);
  });

  it.each(['RÉSUMÉ…', 'ÉCOLE®', '2×£40', 'Straße»', '10 Å—', 'Ça va? ¿Qué? año Zürich Łódź', 'naïve café'])(
    'leaves real accented text alone: %j',
    (input) => {
      expect(fixText(input)).toBe(input);
    },
  );

  it('expands Latin ligatures and converts full-/half-width forms', () => {
    expect(fixText('ﬂuﬃest ǆ ﬁne')).toBe('fluffiest dž fine');
    expect(fixText('ＬＯＵＤ\u3000ＮＯＩＳＥ ｶﾞｷﾞ')).toBe('LOUD NOISE ガギ');
  });

  it('straightens curly quotes', () => {
    expect(fixText('“quoted” ‘single’ donʼt')).toBe('"quoted" \'single\' don\'t');
  });

  it('normalizes line breaks, C1 controls, control characters, terminal escapes and lone surrogates', () => {
    expect(fixText('a\r\nb\rc\u2028d\u0085e')).toBe('a\nb\nc\nd…e');
    expect(fixText('price \u0080 5')).toBe('price € 5');
    expect(fixText('a\u0000b\u0007c\ufeffd\u200be')).toBe('abcd\u200be');
    expect(fixText('\u001b[1;31mred\u001b[0m')).toBe('red');
    expect(fixText('x\ud83dy')).toBe('x\ufffdy');
  });

  it('composes to NFC', () => {
    expect(fixText('cafe\u0301')).toBe('café');
  });

  it('decodes only unambiguous HTML entities, and none from the first line holding "<" onwards', () => {
    expect(fixText('&EACUTE;COLE &eacute; &#39; &#59; &notit; &ampx')).toBe("ÉCOLE é ' &#59; &notit; &ampx");
    expect(fixText('&amp;amp;')).toBe('&'); // repeated until nothing changes
    expect(fixText('a &amp; b\n<c> &amp;\nx &amp;')).toBe('a & b\n<c> &amp;\nx &amp;');
  });
});

describe('mojibake heuristics', () => {
  it('flags sequences typical of mojibake only', () => {
    expect(looksLikeMojibake('cafÃ©')).toBe(true);
    expect(looksLikeMojibake('â€™')).toBe(true);
    expect(looksLikeMojibake('café, São Paulo, ÉCOLE®')).toBe(false);
  });

  it('does not touch ASCII or clean text', () => {
    expect(fixMojibake('plain ascii')).toBe('plain ascii');
    expect(fixMojibake('一个女孩 👍🏽')).toBe('一个女孩 👍🏽');
  });
});
