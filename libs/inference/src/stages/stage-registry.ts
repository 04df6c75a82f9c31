import { adetailerStage } from './adetailer.stage';
import { animateDiffStage } from './animatediff.stage';
import { diffusionStage } from './diffusion.stage';
import { inpaintStage } from './inpaint.stage';
import { inputInitializeStage } from './input-initialize.stage';
import type { StageRegistry } from './stage-chain';
import { upscalerStage } from './upscaler.stage';

/**
 * The stage types the ONNX engine runs, by type. A new stage type is one entry here (its executor in its own
 * file); a type without an entry is refused before anything runs.
 */
export const STAGE_EXECUTORS: StageRegistry = {
  INPUT_INITIALIZE: inputInitializeStage,
  DIFFUSION: diffusionStage,
  IMAGE_TO_UPSCALER: upscalerStage,
  IMAGE_TO_INPAINT: inpaintStage,
  IMAGE_TO_ADETAILER: adetailerStage,
  IMAGE_TO_ANIMATE_DIFF: animateDiffStage,
};
