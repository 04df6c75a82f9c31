/**
 * PNG text chunks (the "parameters" chunk A1111 writes and reads). A chunk is length (4 bytes, big endian), type,
 * data, then the CRC-32 of type + data. Latin-1 text goes in tEXt (keyword NUL text); anything else in an
 * uncompressed iTXt (keyword NUL 0 0 NUL NUL UTF-8 text), as PIL does when a text does not fit Latin-1.
 */

import { crc32 } from 'node:zlib';

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

function isLatin1(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0xff) return false;
  return true;
}

export function textChunk(keyword: string, text: string): Buffer {
  if (!/^[\x20-\x7e\xa1-\xff]{1,79}$/.test(keyword) || keyword.startsWith(' ') || keyword.endsWith(' ')) {
    throw new Error(`invalid PNG text keyword "${keyword}"`);
  }
  if (isLatin1(text)) return pngChunk('tEXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0]), Buffer.from(text, 'latin1')]));
  return pngChunk('iTXt', Buffer.concat([Buffer.from(keyword, 'latin1'), Buffer.from([0, 0, 0, 0, 0]), Buffer.from(text, 'utf8')]));
}

/** One PNG chunk: length, four-letter type, data, CRC-32 of type + data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** Text chunks of a PNG (tEXt and uncompressed iTXt), keyword → text. Verifies every chunk's CRC. */
export function readPngText(png: Buffer): Record<string, string> {
  if (!png.subarray(0, 8).equals(PNG_SIGNATURE)) throw new Error('not a PNG');
  const out: Record<string, string> = {};
  let at = 8;
  while (at + 12 <= png.length) {
    const length = png.readUInt32BE(at);
    const type = png.toString('latin1', at + 4, at + 8);
    const data = png.subarray(at + 8, at + 8 + length);
    if (crc32(png.subarray(at + 4, at + 8 + length)) !== png.readUInt32BE(at + 8 + length)) throw new Error(`bad CRC in ${type} chunk`);
    const nul = data.indexOf(0);
    if (type === 'tEXt' && nul > 0) out[data.toString('latin1', 0, nul)] = data.toString('latin1', nul + 1);
    if (type === 'iTXt' && nul > 0 && data[nul + 1] === 0) {
      const langEnd = data.indexOf(0, nul + 3);
      const keywordEnd = data.indexOf(0, langEnd + 1);
      out[data.toString('latin1', 0, nul)] = data.toString('utf8', keywordEnd + 1);
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return out;
}
