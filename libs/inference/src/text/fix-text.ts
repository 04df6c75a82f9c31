import { unescapeHtmlEntitiesStrict } from './html-unescape';
import { fixMojibake } from './mojibake';
import { windows1252Char } from './windows-1252';

/**
 * The text clean-up that the reference CLIP tokenizer runs first (`ftfy.fix_text` with default options, ftfy 6.3),
 * reimplemented step for step (the mojibake repair is in `mojibake.ts`).
 *
 * Per line (ftfy fixes each line on its own), repeated until nothing changes:
 * HTML entities (only while no line so far contained `<`) → mojibake → C1 controls as Windows-1252 →
 * Latin ligatures → full/half-width forms → curly quotes → line breaks → lone surrogates → terminal escapes →
 * invisible control characters → NFC.
 */
export function fixText(text: string): string {
  let unescape = true;
  let out = '';
  let pos = 0;
  while (pos < text.length) {
    const newline = text.indexOf('\n', pos);
    const end = newline < 0 ? text.length : newline + 1;
    const segment = text.slice(pos, end);
    // ftfy switches HTML unescaping off for good once a segment looks like real HTML.
    if (unescape && segment.includes('<')) unescape = false;
    out += fixSegment(segment, unescape);
    pos = end;
  }
  return out;
}

const MAX_ROUNDS = 16;

function fixSegment(text: string, unescape: boolean): string {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    const before = text;
    if (unescape) text = unescapeHtmlEntitiesStrict(text);
    text = fixMojibake(text);
    text = fixC1Controls(text);
    text = fixLatinLigatures(text);
    text = fixCharacterWidth(text);
    text = uncurlQuotes(text);
    text = fixLineBreaks(text);
    text = fixSurrogates(text);
    text = removeTerminalEscapes(text);
    text = removeControlChars(text);
    text = text.normalize('NFC');
    if (text === before) break;
  }
  return text;
}

/** C1 control characters are almost always Windows-1252 bytes that were decoded as Latin-1. */
export function fixC1Controls(text: string): string {
  return text.replace(/[\x80-\x9f]/g, (c) => windows1252Char(c.charCodeAt(0)));
}

const LIGATURES: Record<string, string> = {
  Ĳ: 'IJ',
  ĳ: 'ij',
  ŉ: 'ʼn',
  Ǳ: 'DZ',
  ǲ: 'Dz',
  ǳ: 'dz',
  Ǆ: 'DŽ',
  ǅ: 'Dž',
  ǆ: 'dž',
  Ǉ: 'LJ',
  ǈ: 'Lj',
  ǉ: 'lj',
  Ǌ: 'NJ',
  ǋ: 'Nj',
  ǌ: 'nj',
  ﬀ: 'ff',
  ﬁ: 'fi',
  ﬂ: 'fl',
  ﬃ: 'ffi',
  ﬄ: 'ffl',
  ﬅ: 'ſt',
  ﬆ: 'st',
};
const LIGATURE_RE = new RegExp(`[${Object.keys(LIGATURES).join('')}]`, 'g');

/** Latin typographic ligatures and digraph characters become their letters (`ﬁ` → `fi`). */
export function fixLatinLigatures(text: string): string {
  return text.replace(LIGATURE_RE, (c) => LIGATURES[c]);
}

let widthMap: Map<string, string> | undefined;

/** U+FF01–U+FFEF whose compatibility form differs, plus the ideographic space. */
function characterWidthMap(): Map<string, string> {
  if (widthMap) return widthMap;
  const map = new Map<string, string>([['\u3000', ' ']]);
  for (let cp = 0xff01; cp < 0xfff0; cp++) {
    const c = String.fromCharCode(cp);
    const alternate = c.normalize('NFKC');
    if (alternate !== c) map.set(c, alternate);
  }
  widthMap = map;
  return map;
}

/** Fullwidth ASCII and halfwidth katakana/Hangul become their usual width (`ＡＢＣ` → `ABC`, `ｶﾀ` → `カタ`). */
export function fixCharacterWidth(text: string): string {
  if (!/[\u3000\uff01-\uffef]/.test(text)) return text;
  const map = characterWidthMap();
  return text.replace(/[\u3000\uff01-\uffef]/g, (c) => map.get(c) ?? c);
}

/** Curly quotes and the modifier-letter apostrophe become ASCII quotes. */
export function uncurlQuotes(text: string): string {
  return text.replace(/[\u201c-\u201f]/g, '"').replace(/[\u02bc\u2018-\u201b]/g, "'");
}

/** CRLF, CR, LINE/PARAGRAPH SEPARATOR and NEXT LINE become `\n`. */
export function fixLineBreaks(text: string): string {
  return text.replace(/\r\n|[\r\u2028\u2029\x85]/g, '\n');
}

/** Surrogate code units without a partner become U+FFFD (paired ones already form their character in JS). */
export function fixSurrogates(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** ANSI colour/cursor escape sequences. */
export function removeTerminalEscapes(text: string): string {
  return text.replace(/\x1b\[(?:\p{Nd}|;)*[a-zA-Z]/gu, '');
}

/** Invisible control characters (keeps tab, newlines, form feed, C1 controls, joiners and bidi marks). */
export function removeControlChars(text: string): string {
  return text.replace(/[\x00-\x08\x0b\x0e-\x1f\x7f\u206a-\u206f\ufeff\ufff9-\ufffc]/g, '');
}
