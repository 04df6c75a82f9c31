/**
 * CLIP's byte-level alphabet (GPT-2 `bytes_to_unicode`): every byte gets a printable stand-in character so that
 * BPE symbols never contain whitespace or control characters. Printable Latin-1 bytes stand for themselves; the
 * other 68 bytes are mapped, in byte order, to U+0100 onwards.
 */

function isPrintableLatin1(byte: number): boolean {
  return (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
}

function buildTables(): { byteToChar: string[]; charToByte: Map<string, number>; alphabet: string[] } {
  const byteToChar = new Array<string>(256);
  // The order of the alphabet matters: the reference vocabulary lists the 256 base symbols in this order
  // (printable bytes first, then the remapped ones).
  const alphabet: string[] = [];
  for (let b = 0; b < 256; b++) {
    if (isPrintableLatin1(b)) {
      byteToChar[b] = String.fromCharCode(b);
      alphabet.push(byteToChar[b]);
    }
  }
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (!isPrintableLatin1(b)) {
      byteToChar[b] = String.fromCharCode(256 + next);
      next += 1;
      alphabet.push(byteToChar[b]);
    }
  }
  const charToByte = new Map<string, number>();
  byteToChar.forEach((c, b) => charToByte.set(c, b));
  return { byteToChar, charToByte, alphabet };
}

const tables = buildTables();

/** Byte value → its stand-in character. */
export const BYTE_TO_CHAR: readonly string[] = tables.byteToChar;
/** Stand-in character → byte value. */
export const CHAR_TO_BYTE: ReadonlyMap<string, number> = tables.charToByte;
/** The 256 base symbols in the order the reference vocabulary lists them. */
export const BYTE_ALPHABET: readonly string[] = tables.alphabet;

const utf8 = new TextEncoder();

/** Maps a piece of text to the byte-level alphabet (one symbol per UTF-8 byte). */
export function toByteLevel(piece: string): string {
  const bytes = utf8.encode(piece);
  let out = '';
  for (const b of bytes) out += BYTE_TO_CHAR[b];
  return out;
}
