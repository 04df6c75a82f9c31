/**
 * The character statistics behind the mojibake repair, following ftfy 6.3's heuristics so that darkroom cleans
 * prompts the way the reference CLIP tokenizer does.
 *
 * `looksLikeMojibake` asks whether the text holds character pairs that real text almost never has but that
 * UTF-8 decoded as a single-byte code page produces all the time (an accented capital followed by a currency
 * sign, `Ã` followed by `©`, box-drawing next to accented letters, …). `UTF8_LOOKALIKE` finds runs that have
 * the shape of UTF-8 bytes seen through such a code page.
 */

/** Groups of characters that show up in mojibake, by the role they play in the rules below. */
const GROUP = {
  common: '\u00a0\u00ad\u00b7\u00b4\u2013\u2014\u2015\u2026\u2019',
  c1: '\u0080-\u009f',
  bad:
    '\u00a6\u00a4\u00a8\u00ac\u00af\u00b8\u0192\u02c6\u02c7\u02d8\u02db\u02dc\u2020\u2021\u2030\u2310\u25ca\ufffd' +
    '\u00aa\u00ba',
  law: '\u00b6\u00a7',
  currency: '\u00a2\u00a3\u00a5\u20a7\u20ac',
  startPunctuation: '\u00a1\u00ab\u00bf\u00a9\u0384\u0385\u2018\u201a\u201c\u201e\u2022\u2039\uf8ff',
  endPunctuation: '\u00ae\u00bb\u02dd\u201d\u203a\u2122',
  numeric:
    '\u00b2\u00b3\u00b9\u00b1\u00bc\u00bd\u00be\u00d7\u00b5\u00f7\u2044\u2202\u2206\u220f\u2211\u221a\u221e\u2229' +
    '\u222b\u2248\u2260\u2261\u2264\u2265\u2116',
  kaomoji: '\u00d2-\u00d6\u00d9-\u00dc\u00f2-\u00f6\u00f8-\u00fc\u0150\u014c\u016a\u0172\u00b0',
  upperAccented:
    '\u00c0-\u00d1\u00d8\u00dc\u00dd\u0102\u0100\u0104\u0106\u010c\u010e\u0110\u0118\u011a\u0112\u0116\u011e' +
    '\u0122\u0130\u012a\u0136\u0139\u013d\u0141\u013b\u0143\u0147\u0145\u0152\u0158\u015a\u015e\u0160\u0162' +
    '\u0164\u016e\u0170\u0178\u0179\u017b\u017d\u0490',
  lowerAccented:
    '\u00df\u00e0-\u00f1\u0103\u0105\u0101\u0107\u010d\u010f\u0111\u0119\u011b\u0113\u0117\u011f\u0123\u012f' +
    '\u012b\u0137\u013a\u013e\u0142\u013c\u0153\u0155\u015b\u015f\u0161\u0165\u00fc\u017a\u017c\u017e\u0491' +
    '\ufb01\ufb02',
  upperCommon:
    '\u00de\u0391-\u03a9\u0386\u0388\u0389\u038a\u038c\u038e\u038f\u03aa\u03ab\u0401-\u042f',
  lowerCommon: '\u03b1-\u03c9\u03ac\u03ad\u03ae\u03af\u03b0\u0430-\u045f',
  box:
    '\u2502\u250c\u2510\u2518\u251c\u2524\u252c\u253c\u2550-\u256c\u2580\u2584\u2588\u258c\u2590\u2591\u2592' +
    '\u2593',
};

type Group = keyof typeof GROUP;

/** A character class made of groups and literal class text. */
function anyOf(...parts: Array<Group | { raw: string }>): string {
  return '[' + parts.map((p) => (typeof p === 'string' ? GROUP[p] : p.raw)).join('') + ']';
}

const raw = (s: string) => ({ raw: s });
/** Python's `\s` (str.isspace) and `\w` (alphanumeric or underscore). */
const SPACE = '[\\t-\\r\\x1c-\\x20\\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000]';
const WORD = '[\\p{L}\\p{N}_]';

const accentedOrSymbol: Group[] = [
  'lowerAccented',
  'upperAccented',
  'box',
  'startPunctuation',
  'endPunctuation',
  'currency',
  'numeric',
  'law',
];
const arabicTail = anyOf('common', 'currency', 'bad', 'numeric', 'startPunctuation', raw('\u0178\u0160\u00ae\u00b0\u00b5\u00bb'));

/** Each alternative is a sequence that is far likelier to be mojibake than intended text. */
const SUSPICIOUS_SEQUENCES: string[] = [
  anyOf('c1'),
  anyOf('bad', ...accentedOrSymbol) + anyOf('bad'),
  '[a-zA-Z]' + anyOf('lowerCommon', 'upperCommon') + anyOf('bad'),
  anyOf('bad') + anyOf(...accentedOrSymbol),
  anyOf('lowerAccented', 'lowerCommon', 'box', 'endPunctuation', 'currency', 'numeric') + anyOf('upperAccented'),
  anyOf('box', 'endPunctuation', 'currency', 'numeric') + anyOf('lowerAccented'),
  anyOf('lowerAccented', 'box', 'endPunctuation') + anyOf('currency'),
  SPACE + anyOf('upperAccented') + anyOf('currency'),
  anyOf('upperAccented', 'box') + anyOf('numeric', 'law'),
  anyOf('lowerAccented', 'upperAccented', 'box', 'currency', 'endPunctuation') +
    anyOf('startPunctuation') +
    anyOf('numeric'),
  anyOf('lowerAccented', 'upperAccented', 'currency', 'numeric', 'box', 'law') +
    anyOf('endPunctuation') +
    anyOf('startPunctuation'),
  anyOf('currency', 'numeric', 'box') + anyOf('startPunctuation'),
  '[a-z]' + anyOf('upperAccented') + anyOf('startPunctuation', 'currency'),
  anyOf('box') + anyOf('kaomoji'),
  anyOf('lowerAccented', 'upperAccented', 'currency', 'numeric', 'startPunctuation', 'endPunctuation', 'law') +
    anyOf('box'),
  anyOf('box') + anyOf('endPunctuation'),
  anyOf('lowerAccented', 'upperAccented') + anyOf('startPunctuation', 'endPunctuation') + WORD,
  // œ not followed by a plain Latin letter; a degree sign after an accented capital
  '[\u0152\u0153][^A-Za-z]',
  anyOf('upperAccented') + '\u00b0',
  // Frequent two-character Windows-1252 mojibake that the rules above miss
  '[\u00c2\u00c3\u00ce\u00d0]' +
    anyOf(raw('\u20ac\u0153\u0160\u0161\u00a2\u00a3\u0178\u017e\u00a0\u00ad\u00ae\u00a9\u00b0\u00b7\u00bb'),
      'startPunctuation', 'endPunctuation', raw('\u2013\u2014\u00b4')),
  '\u00d7[\u00b2\u00b3]',
  // Arabic seen through Windows-1252 uses 'common' characters, so four characters are required
  '[\u00d8\u00d9]' + arabicTail + '[\u00d8\u00d9]' + arabicTail,
  // Windows-1252 starts of three-byte South Asian letters
  '\u00e0[\u00b2\u00b5\u00b9\u00bc\u00bd\u00be]',
  // MacRoman
  '\u221a[\u00b1\u2202\u2020\u2260\u00ae\u2122\u00b4\u2264\u2265\u00a5\u00b5\u00f8]',
  '\u2248[\u00b0\u00a2]',
  '\u201a\u00c4[\u00ec\u00ee\u00ef\u00f2\u00f4\u00fa\u00f9\u00fb\u2020\u00b0\u00a2\u03c0]',
  '\u201a[\u00e2\u00f3][\u00e0\u00e4\u00b0\u00ea]',
  // Windows-1251: the U+2000 block, and Latin-1/Cyrillic inside three-character runs
  '\u0432\u0402',
  '[\u0412\u0413\u0420\u0421]' +
    anyOf('c1', 'bad', 'startPunctuation', 'endPunctuation', 'currency', raw('\u00b0\u00b5')) +
    '[\u0412\u0413\u0420\u0421]',
  '\u0413\u045e\u0412\u0402\u0412[^\\n][A-Za-z ]',
  // Windows-1252 encodings of à, á and the no-break space itself
  '\u00c3[\u00a0\u00a1]',
  '[a-z]' + SPACE + '?[\u00c3\u00c2] ',
  '^[\u00c3\u00c2] ',
  // Â before a character it encodes, where that character is common enough
  '[a-z.,?!' + GROUP.endPunctuation + ']\u00c2[ ' + GROUP.startPunctuation + GROUP.endPunctuation + ']',
  // Windows-1253: the U+2000 block, and Latin-1/Greek inside three-character runs
  '\u03b2\u20ac[\u2122\u00a0\u0386\u00ad\u00ae\u00b0]',
  '[\u0392\u0393\u039e\u039f]' +
    anyOf('c1', 'bad', 'startPunctuation', 'endPunctuation', 'currency', raw('\u00b0')) +
    '[\u0392\u0393\u039e\u039f]',
  // Windows-1257: the U+2000 block
  '\u0101\u20ac',
];

const SUSPICIOUS = new RegExp(SUSPICIOUS_SEQUENCES.join('|'), 'u');

/** Whether the text holds at least one sequence typical of mojibake. */
export function looksLikeMojibake(text: string): boolean {
  return SUSPICIOUS.test(text);
}

/** Characters that play a UTF-8 lead or continuation byte in one of the code pages tried. */
const UTF8_ROLE = {
  firstOf2:
    '\u0102\u00c2\u00c4\u0100\u00c5\u00c3\u00c6\u0106\u010c\u00c7\u010e\u0110\u00c9\u011a\u00ca\u00cb\u0116\u00c8' +
    '\u0112\u0118\u00d0\u011e\u0122\u00cd\u00ce\u00cf\u0130\u00cc\u012a\u0136\u0139\u013b\u0141\u0143\u0147\u0145' +
    '\u00d1\u00d3\u00d4\u00d6\u0150\u00d2\u014c\u00d8\u00d5\u0158\u015a\u0160\u015e\u0162\u00de\u00da\u00db\u00dc' +
    '\u0170\u00d9\u016a\u0172\u016e\u00dd\u0179\u017d\u017b\u00df\u00d7\u0392-\u03a1\u03a3-\u03af\u0412-\u042f',
  firstOf3:
    '\u00e1\u0103\u00e2\u00e4\u00e0\u0101\u0105\u00e5\u00e3\u00e6\u0107\u010d\u00e7\u010f\u00e9\u011b\u00ea\u00eb' +
    '\u0117\u00e8\u0113\u0119\u0123\u00ed\u00ee\u00ef\u00ec\u012b\u012f\u0137\u013a\u013c\u0155\u017a\u03b0-\u03bf' +
    '\u0430-\u043f',
  firstOf4: '\u0111\u00f0\u011f\u00f3\u0161\u03c0\u03c3\u0440\u0443',
  // Continuation bytes that only ever come from mojibake (used to avoid starting inside a sequence)
  continuationStrict:
    '\u0080-\u00bf\u0104\u00c6\u013d\u0141\u00d8\u0156\u015a\u0160\u015e\u0164\u0178\u0179\u017d\u017b\u0152\u0105' +
    '\u00e6\u0192\u013e\u0142\u00f8\u0157\u015b\u0161\u015f\u0165\u017a\u017e\u017c\u0153\u02c6\u02c7\u02d8\u02db' +
    '\u02dc\u02dd\u0384-\u0386\u0388-\u038a\u038c\u038e\u038f\u0401-\u040c\u040e\u040f\u0451-\u045c\u045e\u045f' +
    '\u0490\u0491\u2020\u2021\u2030\u2039\u203a\u20ac\u2116\u2122',
  // …plus characters that also occur in real text (dashes, quotes, bullet, ellipsis, and a space for a lost A0)
  continuationExtra: ' \u2013\u2014\u2015\u2018\u2019\u201a\u201c\u201d\u201e\u2022\u2026',
};

const CONTINUATION = `[${UTF8_ROLE.continuationStrict}${UTF8_ROLE.continuationExtra}]`;

/** Runs of characters shaped like UTF-8 sequences read through a single-byte code page. */
export const UTF8_LOOKALIKE = new RegExp(
  `(?<![${UTF8_ROLE.continuationStrict}])(?:` +
    `[${UTF8_ROLE.firstOf2}]${CONTINUATION}|` +
    `[${UTF8_ROLE.firstOf3}]${CONTINUATION}{2}|` +
    `[${UTF8_ROLE.firstOf4}]${CONTINUATION}{3}` +
    `)+`,
  'gu',
);
