import type { ImageToUpscaler } from '@darkroom/contracts';
import { FatalRunError } from '../runner/job-runner';

/** Largest side the engine upscales to (A1111 has none; this keeps a mistaken hrScale from exhausting memory). */
export const MAX_UPSCALE_SIDE = 8192;

/** Where an upscale goes, in latent units (pixels / 8): the size to upscale to, then the centred crop kept. */
export interface HiresTarget {
  /** Latent size the image is upscaled to (aspect ratio kept). */
  upscale: { width: number; height: number };
  /** Window kept: offsets and size in latent units (the whole upscale when nothing is cut). */
  crop: { left: number; top: number; width: number; height: number };
  /** Final size in pixels (8 × crop). */
  width: number;
  height: number;
}

/**
 * A1111's hires-fix target. hrScale wins: the size becomes ⌊width · scale⌋ × ⌊height · scale⌋, then the latent grid
 * (÷ 8, floored). Otherwise hrResizeX × hrResizeY: the image is scaled to cover it with its own aspect ratio and the
 * middle is kept (A1111 crops the latent by (upscaled − target) / 8, half on each side, the odd row at the end).
 */
export function hiresTarget(base: { width: number; height: number }, u: Pick<ImageToUpscaler, 'hrScale' | 'hrResizeX' | 'hrResizeY'>): HiresTarget {
  let upX: number;
  let upY: number;
  let targetX: number;
  let targetY: number;
  if (u.hrScale !== undefined && u.hrScale > 0) {
    upX = targetX = Math.trunc(base.width * u.hrScale);
    upY = targetY = Math.trunc(base.height * u.hrScale);
  } else if (u.hrResizeX && u.hrResizeY) {
    targetX = u.hrResizeX;
    targetY = u.hrResizeY;
    if (base.width / base.height < targetX / targetY) {
      upX = targetX;
      upY = Math.trunc((targetX * base.height) / base.width);
    } else {
      upX = Math.trunc((targetY * base.width) / base.height);
      upY = targetY;
    }
  } else {
    throw new FatalRunError('IMAGE_TO_UPSCALER needs hrScale, or both hrResizeX and hrResizeY');
  }
  const upscale = { width: Math.floor(upX / 8), height: Math.floor(upY / 8) };
  const cutX = Math.max(0, Math.floor((upX - targetX) / 8));
  const cutY = Math.max(0, Math.floor((upY - targetY) / 8));
  const crop = { left: cutX >> 1, top: cutY >> 1, width: upscale.width - cutX, height: upscale.height - cutY };
  const width = crop.width * 8;
  const height = crop.height * 8;
  if (crop.width < 1 || crop.height < 1) throw new FatalRunError(`the upscaled size ${upX}×${upY} is smaller than 8 pixels`);
  if (upscale.width * 8 > MAX_UPSCALE_SIDE || upscale.height * 8 > MAX_UPSCALE_SIDE) {
    throw new FatalRunError(`the upscaled size ${upscale.width * 8}×${upscale.height * 8} is larger than ${MAX_UPSCALE_SIDE} pixels on a side`);
  }
  return { upscale, crop, width, height };
}
