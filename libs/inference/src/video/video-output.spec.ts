import sharp from 'sharp';
import type { RgbImage } from '../engine/vae';
import { frameDelays } from './animated-image';
import { bundledFfmpeg } from './mp4-encoder';
import { encodeVideo, type VideoFormat } from './video-output';

/** A 40×24 clip: a bright square moving right over a gradient, one pixel-block per frame. */
function movingSquare(count: number): RgbImage[] {
  const width = 40;
  const height = 24;
  return Array.from({ length: count }, (_, f) => {
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const i = (y * width + x) * 3;
        const inSquare = x >= 4 + f * 3 && x < 12 + f * 3 && y >= 8 && y < 16;
        data[i] = inSquare ? 250 : x * 5;
        data[i + 1] = inSquare ? 240 : 40;
        data[i + 2] = inSquare ? 30 : y * 8;
      }
    }
    return { data, width, height };
  });
}

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += Math.abs(a[i] - b[i]);
  return s / a.length;
}

/** Top-level and nested ISO-BMFF boxes, by path ("moov/mvhd"). */
function mp4Boxes(buf: Buffer, start = 0, end = buf.length, prefix = '', out = new Map<string, Buffer>()): Map<string, Buffer> {
  const containers = new Set(['moov', 'trak', 'mdia', 'minf', 'stbl']);
  for (let at = start; at + 8 <= end; ) {
    const size = buf.readUInt32BE(at);
    const type = buf.toString('latin1', at + 4, at + 8);
    if (size < 8 || at + size > end) break;
    const name = prefix + type;
    if (!out.has(name)) out.set(name, buf.subarray(at + 8, at + size));
    if (containers.has(type)) mp4Boxes(buf, at + 8, at + size, `${name}/`, out);
    at += size;
  }
  return out;
}

describe('video output', () => {
  const frames = movingSquare(6);
  const fps = 8;

  it('spreads GIF centisecond delays so the clip keeps its length', () => {
    const gif = frameDelays(8, 8, 10);
    expect(gif.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(new Set(gif)).toEqual(new Set([120, 130]));
    expect(frameDelays(3, 10, 1)).toEqual([100, 100, 100]);
  });

  it.each<VideoFormat>(['webp', 'gif'])('writes an animated %s that decodes back to every frame at its size and rate', async (format) => {
    const [video] = await encodeVideo({ frames, fps }, { formats: [format] });
    expect(video).toMatchObject({ format, width: 40, height: 24, frames: 6, contentType: `image/${format}` });
    const meta = await sharp(video.data, { animated: true }).metadata();
    expect(meta.format).toBe(format);
    expect(meta.pages).toBe(6);
    expect(meta.pageHeight).toBe(24);
    expect(meta.width).toBe(40);
    expect(meta.loop).toBe(0);
    expect(meta.delay!.reduce((a, b) => a + b, 0)).toBeCloseTo(750, -1);
    for (const k of [0, 3, 5]) {
      const page = await sharp(video.data, { page: k }).removeAlpha().raw().toBuffer();
      expect(meanAbsDiff(page, frames[k].data)).toBeLessThan(format === 'gif' ? 8 : 6);
      // …and is not some other frame: the square moved.
      expect(meanAbsDiff(page, frames[k === 0 ? 5 : 0].data)).toBeGreaterThan(10);
    }
  });

  const ffmpeg = bundledFfmpeg();
  (ffmpeg ? it : it.skip)('writes an H.264 MP4 (ftyp first, faststart) whose index says the frame count and duration', async () => {
    const [video] = await encodeVideo({ frames, fps }, { formats: ['mp4'] });
    expect(video).toMatchObject({ format: 'mp4', contentType: 'video/mp4', frames: 6, width: 40, height: 24 });
    expect(video.data.toString('latin1', 4, 8)).toBe('ftyp');
    const boxes = mp4Boxes(video.data);
    const top = [...boxes.keys()].filter((k) => !k.includes('/'));
    expect(top.indexOf('moov')).toBeLessThan(top.indexOf('mdat'));
    const mvhd = boxes.get('moov/mvhd')!;
    const v1 = mvhd[0] === 1;
    const timescale = mvhd.readUInt32BE(v1 ? 20 : 12);
    const duration = v1 ? Number(mvhd.readBigUInt64BE(24)) : mvhd.readUInt32BE(16);
    expect(duration / timescale).toBeCloseTo(6 / fps, 2);
    const stsz = boxes.get('moov/trak/mdia/minf/stbl/stsz')!;
    expect(stsz.readUInt32BE(8)).toBe(6);
    const stsd = boxes.get('moov/trak/mdia/minf/stbl/stsd')!;
    expect(stsd.toString('latin1', 12, 16)).toBe('avc1');
  });

  it('skips MP4 with a note only when there is no ffmpeg, and still writes the other formats', async () => {
    const notes: string[] = [];
    const out = await encodeVideo({ frames, fps }, { ffmpeg: null, onSkipped: (f, why) => notes.push(`${f}: ${why}`) });
    expect(out.map((v) => v.format)).toEqual(['webp', 'gif']);
    expect(notes).toEqual([expect.stringMatching(/^mp4: no ffmpeg binary/)]);
    await expect(encodeVideo({ frames, fps }, { formats: ['mp4'], ffmpeg: '/nonexistent/ffmpeg' })).rejects.toThrow(/ENOENT/);
  });
});
