import sharp from 'sharp';
import { encodePng } from './png-encoder';
import { readPngText, textChunk } from './png-text';

describe('PNG text chunks', () => {
  it('refuses a chunk whose CRC does not match', async () => {
    const png = await encodePng({ data: new Uint8Array(12), width: 2, height: 2, channels: 3 }, [textChunk('parameters', 'a cat')]);
    expect(readPngText(png)).toEqual({ parameters: 'a cat' });
    const damaged = Buffer.from(png);
    damaged[33 + 8 + 3] ^= 1; // a byte of the tEXt chunk's data (it follows the 8-byte signature and the 25-byte IHDR)
    expect(() => readPngText(damaged)).toThrow(/bad CRC in tEXt chunk/);
  });

  it('writes tEXt for Latin-1 and iTXt for other text, after IHDR, readable by sharp', async () => {
    const pixels = await sharp({ create: { width: 8, height: 4, channels: 3, background: '#336699' } }).raw().toBuffer();
    const text = 'a (cat:1.2)\nNegative prompt: dog\nSteps: 20, Seed: 1';
    const out = await encodePng({ data: pixels, width: 8, height: 4, channels: 3 }, [textChunk('parameters', text), textChunk('comment', 'café ☕')]);
    expect(out.toString('latin1', 37, 41)).toBe('tEXt'); // right after the 25-byte IHDR chunk
    expect(readPngText(out)).toEqual({ parameters: text, comment: 'café ☕' });
    const meta = await sharp(out).metadata();
    expect([meta.width, meta.height]).toEqual([8, 4]);
    expect((await sharp(out).raw().toBuffer()).equals(pixels)).toBe(true);
    expect(textChunk('k', 'ü').toString('latin1', 4, 8)).toBe('tEXt');
    expect(textChunk('k', '☕').toString('latin1', 4, 8)).toBe('iTXt');
  });

  it('rejects bad keywords and non-PNG input', () => {
    expect(() => readPngText(Buffer.from('not a png at all, really not a png'))).toThrow(/PNG/);
    expect(() => textChunk('', 'x')).toThrow(/keyword/);
    expect(() => textChunk('a'.repeat(80), 'x')).toThrow(/keyword/);
  });
});
