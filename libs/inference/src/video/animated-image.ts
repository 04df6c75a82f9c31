import sharp from 'sharp';
import type { RgbImage } from '../engine/vae';

/** The frames one under the other: sharp reads a tall raw image with `pageHeight` as an animation. */
export function stackFrames(frames: readonly RgbImage[]): { data: Buffer; width: number; height: number } {
  if (!frames.length) throw new Error('a video needs at least one frame');
  const { width, height } = frames[0];
  const frameBytes = width * height * 3;
  const data = Buffer.alloc(frameBytes * frames.length);
  frames.forEach((f, i) => {
    if (f.width !== width || f.height !== height) throw new Error(`frame ${i} is ${f.width}×${f.height}, frame 0 is ${width}×${height}`);
    data.set(f.data, i * frameBytes);
  });
  return { data, width, height };
}

/**
 * Per-frame delays in ms for `fps`. GIF stores centiseconds, so its delays are spread (e.g. 12, 13, 12, 13 cs at
 * 8 fps) to keep the clip's total length right; WebP takes milliseconds.
 */
export function frameDelays(count: number, fps: number, unitMs: number): number[] {
  const delays: number[] = [];
  let shown = 0;
  for (let i = 1; i <= count; i++) {
    const until = Math.round((i * 1000) / fps / unitMs) * unitMs;
    delays.push(Math.max(unitMs, until - shown));
    shown += delays[delays.length - 1];
  }
  return delays;
}

function animated(frames: readonly RgbImage[]) {
  const { data, width, height } = stackFrames(frames);
  return sharp(data, { raw: { width, height: height * frames.length, channels: 3, pageHeight: height } });
}

/** Animated WebP, looping forever. */
export async function encodeAnimatedWebp(frames: readonly RgbImage[], fps: number): Promise<Buffer> {
  return animated(frames)
    .webp({ quality: 85, effort: 2, loop: 0, delay: frameDelays(frames.length, fps, 1) })
    .toBuffer();
}

/** Animated GIF, looping forever; effort 1 and no dithering keep it fast (palette quantisation dominates). */
export async function encodeAnimatedGif(frames: readonly RgbImage[], fps: number): Promise<Buffer> {
  return animated(frames)
    .gif({ effort: 1, dither: 0, loop: 0, delay: frameDelays(frames.length, fps, 10) })
    .toBuffer();
}
