import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import type { RgbImage } from '../engine/vae';

/** The static ffmpeg of @ffmpeg-installer/linux-x64 (found through Node's resolution), or null when absent. */
export function bundledFfmpeg(): string | null {
  try {
    const dir = path.dirname(require.resolve('@ffmpeg-installer/linux-x64/package.json'));
    const bin = path.join(dir, 'ffmpeg');
    return existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/**
 * H.264 MP4 (yuv420p, faststart, so players start before the whole file is there) from RGB frames piped to ffmpeg's
 * stdin as raw video. Written to a temp file: MP4's index is only complete once ffmpeg can seek back in the file.
 * Odd sizes are padded by one pixel (yuv420p needs even ones).
 */
export async function encodeMp4(frames: readonly RgbImage[], fps: number, ffmpeg: string): Promise<Buffer> {
  if (!frames.length) throw new Error('a video needs at least one frame');
  const { width, height } = frames[0];
  const dir = await mkdtemp(path.join(os.tmpdir(), 'darkroom-mp4-'));
  const file = path.join(dir, 'out.mp4');
  try {
    // prettier-ignore
    const args = [
      '-hide_banner', '-loglevel', 'error', '-nostdin', '-y',
      '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-s', `${width}x${height}`, '-framerate', String(fps), '-i', 'pipe:0',
      '-vf', 'pad=ceil(iw/2)*2:ceil(ih/2)*2',
      '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '18', '-pix_fmt', 'yuv420p', '-movflags', '+faststart',
      file,
    ];
    await new Promise<void>((resolve, reject) => {
      const child = spawn(ffmpeg, args, { stdio: ['pipe', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited with ${code}: ${stderr.trim()}`))));
      // A write after ffmpeg died surfaces as EPIPE; the close handler reports the real cause.
      child.stdin.on('error', () => undefined);
      (async () => {
        for (const f of frames) {
          if (f.width !== width || f.height !== height) throw new Error(`frame size ${f.width}×${f.height} differs from ${width}×${height}`);
          if (!child.stdin.write(f.data)) await new Promise((r) => child.stdin.once('drain', r));
        }
        child.stdin.end();
      })().catch((e) => {
        child.kill();
        reject(e);
      });
    });
    return await readFile(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
