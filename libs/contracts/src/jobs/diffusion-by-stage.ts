import type { CreateJobRequest, EstimateRequest } from './create-job.schema';
import { jobDiffusion } from './cross-stage.rules';
import type { DiffusionParams } from './diffusion.schema';

/**
 * For each stage, the diffusion parameters that apply to it: DIFFUSION and IMAGE_TO_ANIMATE_DIFF stages their
 * own; IMAGE_TO_* stages their own `diffusion`, else the job's DIFFUSION stage's; INPUT_INITIALIZE none.
 */
export function diffusionParamsByStage(req: CreateJobRequest | EstimateRequest): Array<DiffusionParams | null> {
  const shared = jobDiffusion(req.stages) ?? null;
  return req.stages.map((stage) => {
    switch (stage.type) {
      case 'INPUT_INITIALIZE':
        return null;
      case 'DIFFUSION':
      case 'IMAGE_TO_ANIMATE_DIFF':
        return stage.diffusion ?? null;
      case 'IMAGE_TO_UPSCALER':
        return stage.imageToUpscaler?.diffusion ?? shared;
      case 'IMAGE_TO_ADETAILER':
        return stage.imageToAdetailer?.diffusion ?? shared;
      case 'IMAGE_TO_INPAINT':
        return stage.imageToInpaint?.diffusion ?? shared;
      default: {
        const unhandled: never = stage.type;
        return unhandled;
      }
    }
  });
}
