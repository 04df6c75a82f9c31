import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import sharp from 'sharp';
import { adler32, encodePng, paethFilterRows } from './png-encoder';
import { readPngText, textChunk } from './png-text';

/** The PNG spec's Paeth predictor, written as the spec writes it. */
function paethPredictor(a: number, b: number, c: number): number {
  const p = a + b - c;
  const pa = Math.abs(p - a);
  const pb = Math.abs(p - b);
  const pc = Math.abs(p - c);
  if (pa <= pb && pa <= pc) return a;
  if (pb <= pc) return b;
  return c;
}

function chunks(png: Buffer): Array<{ type: string; data: Buffer }> {
  const out: Array<{ type: string; data: Buffer }> = [];
  for (let at = 8; at < png.length; ) {
    const length = png.readUInt32BE(at);
    out.push({ type: png.toString('latin1', at + 4, at + 8), data: png.subarray(at + 8, at + 8 + length) });
    at += 12 + length;
  }
  return out;
}

function gradient(width: number, height: number, channels: 3 | 4): Uint8Array {
  const data = new Uint8Array(width * height * channels);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < channels; c++) data[(y * width + x) * channels + c] = (x * 3 + y * 5 + c * 40 + ((x * y) % 7)) & 255;
    }
  }
  return data;
}

describe('encodePng', () => {
  it.each([
    [1, 1, 3],
    [7, 5, 3],
    [3, 513, 3],
    [64, 64, 4],
    [200, 130, 3],
  ] as const)('%i×%i with %i channels decodes (sharp) to the same pixels', async (width, height, channels) => {
    for (const data of [randomBytes(width * height * channels), gradient(width, height, channels)]) {
      const png = await encodePng({ data, width, height, channels });
      const { data: back, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
      expect([info.width, info.height, info.channels]).toEqual([width, height, channels]);
      expect(Buffer.compare(back, Buffer.from(data))).toBe(0);
    }
  });

  it('writes one zlib stream over several IDAT chunks, with valid CRCs and the text chunks after IHDR', async () => {
    const width = 96;
    const height = 100;
    const data = gradient(width, height, 3);
    const png = await encodePng({ data, width, height, channels: 3 }, [textChunk('parameters', 'a cat\nSteps: 20')]);
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(['IHDR', 'tEXt', 'IDAT', 'IDAT', 'IDAT', 'IDAT', 'IEND']);
    expect(readPngText(png)).toEqual({ parameters: 'a cat\nSteps: 20' }); // verifies every chunk's CRC on the way
    const stream = Buffer.concat(list.filter((c) => c.type === 'IDAT').map((c) => c.data));
    const filtered = zlib.inflateSync(stream); // checks the zlib header and the Adler-32 as well
    expect(Buffer.compare(filtered, Buffer.from(paethFilterRows(data, width, 3, 0, height)))).toBe(0);
  });

  it('filters every row with the spec Paeth predictor, strips alike', () => {
    const width = 33;
    const height = 9;
    const bpp = 3;
    const src = randomBytes(width * height * bpp);
    const whole = paethFilterRows(src, width, bpp, 0, height);
    const stride = width * bpp;
    for (let y = 0; y < height; y++) {
      expect(whole[y * (stride + 1)]).toBe(4);
      for (let x = 0; x < stride; x++) {
        const a = x >= bpp ? src[y * stride + x - bpp] : 0;
        const b = y > 0 ? src[(y - 1) * stride + x] : 0;
        const c = x >= bpp && y > 0 ? src[(y - 1) * stride + x - bpp] : 0;
        expect(whole[y * (stride + 1) + 1 + x]).toBe((src[y * stride + x] - paethPredictor(a, b, c)) & 255);
      }
    }
    const strips = Buffer.concat([paethFilterRows(src, width, bpp, 0, 4), paethFilterRows(src, width, bpp, 4, 9)]);
    expect(Buffer.compare(strips, Buffer.from(whole))).toBe(0);
  });

  it('computes Adler-32 as zlib does, in one piece or continued', () => {
    const data = randomBytes(20_000);
    const expected = zlib.deflateSync(data).readUInt32BE(zlib.deflateSync(data).length - 4);
    expect(adler32(data)).toBe(expected);
    expect(adler32(data.subarray(7000), adler32(data.subarray(0, 7000)))).toBe(expected);
    expect(adler32(new Uint8Array(0))).toBe(1);
  });

  it('refuses sizes that do not match the pixels', async () => {
    await expect(encodePng({ data: new Uint8Array(10), width: 2, height: 2, channels: 3 })).rejects.toThrow(/expected 12 bytes/);
    await expect(encodePng({ data: new Uint8Array(0), width: 0, height: 2, channels: 3 })).rejects.toThrow(/size/);
  });
});
