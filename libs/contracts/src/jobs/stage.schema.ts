import { z } from 'zod';
import { diffusionSchema } from './diffusion.schema';
import { imageToAdetailerSchema } from './image-to-adetailer.schema';
import { imageToInpaintSchema } from './image-to-inpaint.schema';
import { imageToUpscalerSchema } from './image-to-upscaler.schema';
import { inputInitializeSchema } from './input-initialize.schema';
import { JobStageType, stageTypeSchema } from './job-enums';

/** The payload object each stage type takes. */
export const STAGE_PAYLOAD_KEY = {
  INPUT_INITIALIZE: 'inputInitialize',
  DIFFUSION: 'diffusion',
  IMAGE_TO_UPSCALER: 'imageToUpscaler',
  IMAGE_TO_ADETAILER: 'imageToAdetailer',
  IMAGE_TO_INPAINT: 'imageToInpaint',
  IMAGE_TO_ANIMATE_DIFF: 'diffusion',
} as const satisfies Record<JobStageType, string>;
export type StagePayloadKey = (typeof STAGE_PAYLOAD_KEY)[JobStageType];
export const STAGE_PAYLOAD_KEYS = ['inputInitialize', 'diffusion', 'imageToUpscaler', 'imageToAdetailer', 'imageToInpaint'] as const;

/**
 * A stage: its type and the one payload object that type takes. Which payload goes with which type (and the
 * inference of a missing type) is checked by the stage-shape rules, which see the raw payloads first.
 */
export const stageSchema = z.strictObject({
  type: stageTypeSchema.describe('required unless exactly one payload object is present (then it is inferred)').optional(),
  inputInitialize: inputInitializeSchema.optional(),
  diffusion: diffusionSchema.optional(),
  imageToUpscaler: imageToUpscalerSchema.optional(),
  imageToAdetailer: imageToAdetailerSchema.optional(),
  imageToInpaint: imageToInpaintSchema.optional(),
});

type ParsedStage = z.output<typeof stageSchema>;
/** A validated stage: its type is known (never DEFAULT) and its payload matches it. */
export type Stage = Omit<ParsedStage, 'type'> & { type: JobStageType };
