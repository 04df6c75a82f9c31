import type { DiffusionParams } from '@darkroom/contracts';
import { FatalRunError } from '../runner/job-runner';

/** The API's bounds (contracts' animateDiffArgSchema), checked again here for runs that did not come through it. */
export const VIDEO_LENGTH_RANGE = [1, 64] as const;
export const FPS_RANGE = [1, 60] as const;

export interface ClipRequest {
  /** Frames per clip. */
  videoLength: number;
  fps: number;
}

function checkInt(field: string, value: unknown, [min, max]: readonly [number, number]): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FatalRunError(`${field} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}

/** The clip a stage's `animateDiff.args` asks for (exactly one item), checked. */
export function readClipRequest(d: DiffusionParams, path = 'diffusion.animateDiff.args'): ClipRequest {
  const args = d.animateDiff?.args ?? [];
  if (args.length !== 1) throw new FatalRunError(`${path} must hold exactly one item (videoLength, fps), got ${args.length}`);
  const [a] = args;
  return {
    videoLength: checkInt(`${path}[0].videoLength`, a.videoLength, VIDEO_LENGTH_RANGE),
    fps: checkInt(`${path}[0].fps`, a.fps, FPS_RANGE),
  };
}
