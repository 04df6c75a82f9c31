import type { RgbImage } from '../engine/vae';
import type { RunOutput } from '../runner/job-runner';
import { encodeAnimatedGif, encodeAnimatedWebp } from './animated-image';
import { bundledFfmpeg, encodeMp4 } from './mp4-encoder';

export type VideoFormat = 'mp4' | 'webp' | 'gif';

/** Every format a video job returns by default, best first. */
export const VIDEO_FORMATS: readonly VideoFormat[] = ['mp4', 'webp', 'gif'];

export const VIDEO_CONTENT_TYPES: Record<VideoFormat, string> = { mp4: 'video/mp4', webp: 'image/webp', gif: 'image/gif' };

/** A clip: frames of one size, shown at `fps`. */
export interface VideoFrames {
  frames: readonly RgbImage[];
  fps: number;
}

export interface EncodedVideo {
  format: VideoFormat;
  contentType: string;
  data: Buffer;
  width: number;
  height: number;
  frames: number;
}

export interface VideoEncodeOptions {
  /** Formats to write (default VIDEO_FORMATS). */
  formats?: readonly VideoFormat[];
  /** The ffmpeg binary for MP4: default the bundled static one; null = none (MP4 is then skipped). */
  ffmpeg?: string | null;
  /** Told when a requested format is skipped (MP4 without ffmpeg). */
  onSkipped?(format: VideoFormat, why: string): void;
}

/**
 * Encodes a clip in each requested format: animated WebP and GIF with sharp, MP4 (H.264) with ffmpeg. MP4 is
 * skipped, with a note through `onSkipped`, only when no ffmpeg binary is there; any other failure throws.
 */
export async function encodeVideo(video: VideoFrames, options: VideoEncodeOptions = {}): Promise<EncodedVideo[]> {
  const formats = options.formats ?? VIDEO_FORMATS;
  const ffmpeg = options.ffmpeg === undefined ? bundledFfmpeg() : options.ffmpeg;
  const { width, height } = video.frames[0] ?? { width: 0, height: 0 };
  const out: EncodedVideo[] = [];
  for (const format of formats) {
    let data: Buffer;
    if (format === 'mp4') {
      if (!ffmpeg) {
        options.onSkipped?.('mp4', 'no ffmpeg binary (@ffmpeg-installer/linux-x64 is not installed): MP4 output skipped');
        continue;
      }
      data = await encodeMp4(video.frames, video.fps, ffmpeg);
    } else {
      data = format === 'webp' ? await encodeAnimatedWebp(video.frames, video.fps) : await encodeAnimatedGif(video.frames, video.fps);
    }
    out.push({ format, contentType: VIDEO_CONTENT_TYPES[format], data, width, height, frames: video.frames.length });
  }
  return out;
}

/**
 * A clip as the job's outputs: one VIDEO output per format (same stage, image index and seed; the worker stores
 * each under its own extension).
 */
export async function videoRunOutputs(
  video: VideoFrames,
  at: { stageIndex: number; index: number; seed: bigint },
  options: VideoEncodeOptions = {},
): Promise<RunOutput[]> {
  const encoded = await encodeVideo(video, options);
  return encoded.map((v) => ({ kind: 'VIDEO' as const, ...at, data: v.data, format: v.format, contentType: v.contentType, width: v.width, height: v.height, frames: v.frames }));
}
