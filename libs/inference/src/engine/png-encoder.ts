/**
 * PNG encoder for the engine's outputs, written for a job's latency. libvips (through sharp) filters and deflates
 * a PNG on one thread: 20–27 ms for a 512² RGB image here, the largest fixed cost of a job on small models
 * (docs/design-changes.md 14). This encoder cuts the image into horizontal strips, filters each on the main
 * thread (every row with Paeth) and deflates it on libuv's thread pool while the next strip is filtered, so the
 * strips' deflates run in parallel with each other and with the filtering.
 *
 * The strips form one zlib stream: each is a raw deflate stream ended by a sync flush (byte-aligned, not final)
 * except the last, which ends the stream; the zlib header goes before the first and the Adler-32 of all
 * filtered bytes after the last. Each strip goes in its own IDAT chunk (decoders read IDAT as one stream).
 * Run-length matching (Z_RLE) is enough after Paeth filtering: on photographs it is smaller than libvips' level 3
 * with adaptive filters (489 vs 502 KB, 345 vs 370 KB on a smooth image) and about 3× faster on one thread; it
 * never looks back more than one byte, so no strip needs its predecessor's bytes as a dictionary.
 */
import { constants, deflateRaw, type ZlibOptions } from 'node:zlib';
import { PNG_SIGNATURE, pngChunk } from './png-text';

export interface PngPixels {
  /** Rows top to bottom, 8 bits per channel, channels interleaved. */
  data: Uint8Array;
  width: number;
  height: number;
  /** 3 = RGB, 4 = RGBA. */
  channels: 3 | 4;
}

/** CMF 0x78 (deflate, 32 KiB window), FLG 0x01 (fastest level; 0x7801 is a multiple of 31 as the format requires). */
const ZLIB_HEADER = Buffer.from([0x78, 0x01]);
const STRIPS = 4;
const MIN_STRIP_ROWS = 16;
const PAETH = 4;
const MAX_DIMENSION = 0x7fffffff;

/** A PNG of the pixels with `chunks` (e.g. text chunks) between IHDR and the image data. */
export async function encodePng(img: PngPixels, chunks: readonly Buffer[] = []): Promise<Buffer> {
  const { width, height, channels } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > MAX_DIMENSION || height > MAX_DIMENSION) {
    throw new Error(`PNG size must be whole numbers of pixels from 1 to ${MAX_DIMENSION}, got ${width}×${height}`);
  }
  if (img.data.length !== width * height * channels) {
    throw new Error(`PNG pixels: expected ${width * height * channels} bytes for ${width}×${height}×${channels}, got ${img.data.length}`);
  }
  const stripRows = Math.max(MIN_STRIP_ROWS, Math.ceil(height / STRIPS));
  const deflated: Promise<Buffer>[] = [];
  let adler = 1;
  for (let y = 0; y < height; y += stripRows) {
    const end = Math.min(height, y + stripRows);
    const filtered = paethFilterRows(img.data, width, channels, y, end);
    deflated.push(deflateStrip(filtered, end === height));
    // Checksummed here while the thread pool deflates the strip.
    adler = adler32(filtered, adler);
  }
  const bodies = await Promise.all(deflated);
  // The zlib header opens the first strip's chunk, the Adler-32 closes the last one's.
  bodies[0] = Buffer.concat([ZLIB_HEADER, bodies[0]]);
  bodies[bodies.length - 1] = Buffer.concat([bodies[bodies.length - 1], uint32(adler)]);
  const idat = bodies.map((body) => pngChunk('IDAT', body));
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = channels === 4 ? 6 : 2; // colour type: RGBA or RGB
  // compression 0, filter method 0, no interlace
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), ...chunks, ...idat, pngChunk('IEND', Buffer.alloc(0))]);
}

function deflateStrip(filtered: Uint8Array, last: boolean): Promise<Buffer> {
  const options: ZlibOptions = {
    strategy: constants.Z_RLE,
    finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
    // Room for the whole output in one piece: with the default 16 KiB pieces the thread pool hands every piece
    // back to the main thread, which is busy filtering the next strip, and the deflates stall (13 vs 8 ms here).
    chunkSize: filtered.length + (filtered.length >> 7) + 1024,
  };
  return new Promise((resolve, reject) => deflateRaw(filtered, options, (err, out) => (err ? reject(err) : resolve(out))));
}

/**
 * Rows [y0, y1) of the image, each as the Paeth filter type byte and the row's differences from the Paeth
 * predictor (PNG spec 9.4). The predictor is chosen without branches: on image data the three-way choice is
 * unpredictable, and the branchy form took twice as long here (8.5–11.6 vs 4.2–4.4 ms for 512² RGB).
 */
export function paethFilterRows(src: Uint8Array, width: number, bpp: number, y0: number, y1: number): Uint8Array {
  const stride = width * bpp;
  const rowLen = stride + 1;
  const out = new Uint8Array(rowLen * (y1 - y0));
  for (let y = y0; y < y1; y++) {
    const o = (y - y0) * rowLen + 1;
    const r = y * stride;
    out[o - 1] = PAETH;
    if (y === 0) {
      // No row above: the predictor is the left neighbour (the Sub filter's).
      for (let x = 0; x < bpp; x++) out[o + x] = src[x];
      for (let x = bpp; x < stride; x++) out[o + x] = src[x] - src[x - bpp];
      continue;
    }
    const u = r - stride;
    // First pixel: no left neighbour, the predictor is the byte above.
    for (let x = 0; x < bpp; x++) out[o + x] = src[r + x] - src[u + x];
    for (let x = bpp; x < stride; x++) {
      const a = src[r + x - bpp];
      const b = src[u + x];
      const c = src[u + x - bpp];
      // |p − a|, |p − b|, |p − c| for p = a + b − c, with absolute values by sign masks.
      let pa = b - c;
      let pb = a - c;
      let pc = pa + pb;
      let s = pa >> 31;
      pa = (pa ^ s) - s;
      s = pb >> 31;
      pb = (pb ^ s) - s;
      s = pc >> 31;
      pc = (pc ^ s) - s;
      const cBeatsB = (pc - pb) >> 31; // −1 when pc < pb
      const bestOfBc = pb ^ ((pb ^ pc) & cBeatsB);
      const valueOfBc = b ^ ((b ^ c) & cBeatsB);
      const bcBeatsA = (bestOfBc - pa) >> 31; // −1 when min(pb, pc) < pa; ties go to a, then b, as the spec orders them
      out[o + x] = src[r + x] - (a ^ ((a ^ valueOfBc) & bcBeatsA));
    }
  }
  return out;
}

/** Adler-32 continued from `value` (1 for a fresh checksum). */
export function adler32(data: Uint8Array, value = 1): number {
  let a = value & 0xffff;
  let b = value >>> 16;
  let i = 0;
  while (i < data.length) {
    // 5552 bytes is the most that can be summed before b could overflow 2^32 (zlib's NMAX).
    const end = Math.min(i + 5552, data.length);
    for (; i < end; i++) {
      a += data[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

function uint32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value >>> 0, 0);
  return out;
}
