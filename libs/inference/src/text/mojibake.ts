import { looksLikeMojibake, UTF8_LOOKALIKE } from './mojibake-heuristics';
import { SINGLE_BYTE_CODECS } from './single-byte-codecs';
import { windows1252Char } from './windows-1252';

/**
 * Repair of mojibake: UTF-8 text that was decoded with a single-byte code page (`cafÃ©` → `café`,
 * `â€œquotedâ€\u009d` → `“quoted”`, `Ð¿Ñ€Ð¸Ð²ÐµÑ‚` → `привет`), following ftfy 6.3's `fix_encoding`:
 *
 * 1. Text that is pure ASCII, or has no sequence typical of mojibake (`looksLikeMojibake`), is left alone.
 * 2. Each code page in turn (Latin-1, Windows-1252, -1251, -1250, -1253, -1254, -1257, ISO-8859-2, MacRoman,
 *    cp437): if every character has a byte there, the bytes are re-read as UTF-8. Before that, a space that
 *    should have been a no-break space inside a sequence is put back, and (sloppy pages) sequences with a lost
 *    byte become U+FFFD. CESU-8 surrogate pairs and Java's `C0 80` are accepted. The first clean decoding wins.
 * 3. Otherwise, runs that look like UTF-8 seen through a code page are fixed one by one (text mixing mojibake
 *    with characters outside any single code page).
 * 4. Otherwise, C1 controls are read as Windows-1252.
 * The steps repeat until the text stops changing, which also undoes double encoding.
 */
export function fixMojibake(text: string): string {
  // Each step changes the text or ends the loop; the bound only guards against a pathological cycle.
  for (let step = 0; step < MAX_STEPS; step++) {
    const fixed = fixOneStep(text);
    if (fixed === text) return text;
    text = fixed;
  }
  return text;
}

const MAX_STEPS = 32;

function fixOneStep(text: string): string {
  if (text.length === 0 || !/[^\x00-\x7f]/.test(text) || !looksLikeMojibake(text)) return text;
  let latin1Possible = false;
  for (const codec of SINGLE_BYTE_CODECS) {
    let bytes = codec.encode(text);
    if (bytes === null) continue;
    if (codec.name === 'latin-1') latin1Possible = true;
    if (codec.name !== 'macroman' && ALTERED_UTF8.test(bytes)) bytes = restoreNoBreakSpaces(bytes);
    if (codec.sloppy) bytes = bytes.replace(LOSSY_UTF8, '\xef\xbf\xbd');
    const decoded = decodeUtf8Variants(bytes);
    if (decoded !== null) return decoded;
  }
  UTF8_LOOKALIKE.lastIndex = 0;
  if (UTF8_LOOKALIKE.test(text)) {
    const fixed = text.replace(UTF8_LOOKALIKE, (run) =>
      run.length < text.length && looksLikeMojibake(run) ? fixMojibake(run) : run,
    );
    if (fixed !== text) return fixed;
  }
  if (latin1Possible) {
    // Latin-1 text holding C1 controls: those were meant as Windows-1252 (unless a byte is undefined there).
    const reread = rereadAsStrictWindows1252(text);
    if (reread !== null && reread !== text) return reread;
  }
  if (/[\x80-\x9f]/.test(text)) return text.replace(/[\x80-\x9f]/g, (c) => windows1252Char(c.charCodeAt(0)));
  return text;
}

// The byte regexes below work on "binary strings": one character per byte.

/** UTF-8 sequences in which a byte A0 was turned into a space (20). */
const ALTERED_UTF8 = new RegExp(
  [
    '[\\xc2\\xc3\\xc5\\xce\\xd0\\xd9] ',
    '[\\xe2\\xe3] [\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf]',
    '[\\xe0-\\xe3][\\x80-\\x84\\x86-\\x9f\\xa1-\\xbf] ',
    '\\xf0 [\\x80-\\xbf][\\x80-\\xbf]',
    '\\xf0[\\x80-\\xbf] [\\x80-\\xbf]',
    '\\xf0[\\x80-\\xbf][\\x80-\\xbf] ',
  ].join('|'),
);
const ALTERED_UTF8_ALL = new RegExp(ALTERED_UTF8.source, 'g');
/** `Ã` + space is usually `à` + space in French and Portuguese, except before these continuations. */
const A_GRAVE_WORD = /\xc3 (?! |quele|quela|quilo|s )/g;

function restoreNoBreakSpaces(bytes: string): string {
  return bytes
    .replace(A_GRAVE_WORD, '\xc3\xa0 ')
    .replace(ALTERED_UTF8_ALL, (seq) => seq.replaceAll(' ', '\xa0'));
}

/** UTF-8 sequences where a byte was lost to 1A (U+FFFD in a sloppy page) or `?`. */
const LOSSY_UTF8 = new RegExp(
  [
    '[\\xc2-\\xdf]\\x1a',
    '[\\xc2-\\xc3]\\?',
    '\\xed[\\xa0-\\xaf][\\x1a?]\\xed[\\xb0-\\xbf][\\x1a?\\x80-\\xbf]',
    '\\xed[\\xa0-\\xaf][\\x1a?\\x80-\\xbf]\\xed[\\xb0-\\xbf][\\x1a?]',
    '[\\xe0-\\xef][\\x1a?][\\x1a\\x80-\\xbf]',
    '[\\xe0-\\xef][\\x1a\\x80-\\xbf][\\x1a?]',
    '[\\xf0-\\xf4][\\x1a?][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf]',
    '[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a?][\\x1a\\x80-\\xbf]',
    '[\\xf0-\\xf4][\\x1a\\x80-\\xbf][\\x1a\\x80-\\xbf][\\x1a?]',
    '\\x1a',
  ].join('|'),
  'g',
);

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function decodeStrict(bytes: string): string | null {
  const array = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) array[i] = bytes.charCodeAt(i);
  try {
    return strictUtf8.decode(array);
  } catch {
    return null;
  }
}

/** A CESU-8 surrogate pair (two 3-byte encodings of UTF-16 halves) or Java's two-byte NUL. */
const UTF8_VARIANT = /\xed[\xa0-\xaf][\x80-\xbf]\xed[\xb0-\xbf][\x80-\xbf]|\xc0\x80/g;

/** Strict UTF-8 that also accepts CESU-8 surrogate pairs and `C0 80`; null when not decodable. */
function decodeUtf8Variants(bytes: string): string | null {
  let out = '';
  let last = 0;
  for (const m of bytes.matchAll(UTF8_VARIANT)) {
    const index = m.index as number;
    const before = decodeStrict(bytes.slice(last, index));
    if (before === null) return null;
    const seq = m[0];
    if (seq.length === 2) {
      out += before + '\x00';
    } else {
      const b = (i: number) => seq.charCodeAt(i);
      const cp = ((b(1) & 0x0f) << 16) + ((b(2) & 0x3f) << 10) + ((b(4) & 0x0f) << 6) + (b(5) & 0x3f) + 0x10000;
      out += before + String.fromCodePoint(cp);
    }
    last = index + seq.length;
  }
  const rest = decodeStrict(bytes.slice(last));
  return rest === null ? null : out + rest;
}

/** Latin-1 bytes read as Windows-1252, failing on the five bytes that page leaves undefined. */
function rereadAsStrictWindows1252(text: string): string | null {
  let out = '';
  for (const c of text) {
    const code = c.charCodeAt(0);
    if (code >= 0x80 && code <= 0x9f) {
      if (code === 0x81 || code === 0x8d || code === 0x8f || code === 0x90 || code === 0x9d) return null;
      out += windows1252Char(code);
    } else {
      out += c;
    }
  }
  return out;
}
