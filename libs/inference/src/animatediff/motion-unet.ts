import { readComponent, type ModelFolder } from '../engine/model-folder';
import type { OnnxComponent } from '../engine/onnx-component';
import { FatalRunError } from '../runner/job-runner';

/** The folder of a checkpoint's motion UNet when it has both kinds (the image UNet stays in `unet/`). */
export const MOTION_UNET_FOLDER = 'unet_motion';
/** Frames AnimateDiff motion modules (v1–v3) were trained on: the window when the export does not fix one. */
export const DEFAULT_MOTION_WINDOW = 16;
const MOTION_CLASS = 'UNetMotionModel';

/**
 * The model folder with its motion UNet in the UNet's place, for a video pass: `unet_motion/model.onnx` when the
 * checkpoint has one, else `unet/` itself when its config says UNetMotionModel (an exported AnimateDiff pipeline).
 * A checkpoint with neither has no motion module: a FatalRunError naming it.
 */
export function withMotionUnet(model: ModelFolder, checkpointName: string): ModelFolder {
  const motion = readComponent(model.dir, MOTION_UNET_FOLDER);
  if (motion) return { ...model, unet: motion };
  if (model.unet?.config?._class_name === MOTION_CLASS) return model;
  throw new FatalRunError(
    `AnimateDiff needs a motion module, and checkpoint "${checkpointName}" has none: add ${MOTION_UNET_FOLDER}/model.onnx ` +
      `(a UNet with motion modules taking sample [batch, 4, frames, height, width]) to its folder`,
  );
}

/** What the video pass needs to know of a loaded motion UNet. */
export interface MotionUnetShape {
  /** Frames per UNet call. */
  window: number;
  /** Whether the graph fixes the frame axis (every call must fill it). */
  fixedFrames: boolean;
}

/**
 * Checks that the loaded UNet takes clips (`sample` of rank 5: [batch, 4, frames, height, width]) and reads its frame
 * window: a fixed frame axis, else DEFAULT_MOTION_WINDOW capped by the config's `motion_max_seq_length` (the
 * motion modules' position table).
 */
export function motionUnetShape(unet: OnnxComponent, config: Record<string, unknown> | null, checkpointName: string): MotionUnetShape {
  const shape = unet.input('sample').shape;
  if (shape.length !== 5) {
    throw new FatalRunError(
      `the motion UNet of "${checkpointName}" takes sample of rank ${shape.length}; AnimateDiff needs [batch, 4, frames, height, width]`,
    );
  }
  const axis = shape[2];
  if (typeof axis === 'number' && axis > 0) return { window: axis, fixedFrames: true };
  const max = config?.motion_max_seq_length;
  const window = typeof max === 'number' && max > 0 ? Math.min(DEFAULT_MOTION_WINDOW, max) : DEFAULT_MOTION_WINDOW;
  return { window, fixedFrames: false };
}
