import { z } from 'zod';
import { float, int32, list, text } from '../normalize/proto-fields';
import { diffusionSchema } from './diffusion.schema';
import { AD_MASK_MERGE_MODES } from './job-enums';
import { loraSchema } from './lora.schema';
import { promptListSchema } from './prompt.schema';

export const MAX_ADETAILER_ARGS = 8;

const inpaintSide = () => int32({ min: 64, max: 2048, multipleOf: 8, unset: [0] }).default(512);

/**
 * One ADetailer pass: detect → mask → dilate/erode → inpaint the crop. Defaults are ADetailer's. Settings whose
 * 0 is meaningful (confidence, dilate/erode, denoising, padding) keep an explicit 0; the others read 0 as unset.
 */
export const adetailerArgSchema = z.strictObject({
  adModel: text(128, 'detector, e.g. face_yolov8n.pt, hand_yolov8n.pt, person_yolov8n-seg.pt'),
  adPrompt: promptListSchema.default([]),
  adNegativePrompt: promptListSchema.default([]),
  adConfidence: float({ min: 0, max: 1 }).default(0.3),
  adDilateErode: int32({ min: -128, max: 128 }).default(4),
  adMaskMergeInvert: z.enum(AD_MASK_MERGE_MODES).default('None'),
  adDenoisingStrength: float({ min: 0, max: 1 }).default(0.4),
  adInpaintOnlyMasked: z.boolean().default(true),
  adInpaintOnlyMaskedPadding: float({ min: 0, max: 256 }).default(32),
  adUseInpaintWidthHeight: z.boolean().default(false),
  adInpaintWidth: inpaintSide(),
  adInpaintHeight: inpaintSide(),
  adUseSteps: z.boolean().default(false),
  adSteps: int32({ min: 1, max: 150, unset: [0] }).default(20),
  adUseCfgScale: z.boolean().default(false),
  adCfgScale: float({ min: 0, max: 30, unset: [0] }).default(7),
  lora: loraSchema.optional(),
  adUseCheckpoint: z.boolean().default(false),
  adCheckpoint: text(128).optional(),
  adUseSampler: z.boolean().default(false),
  adUseNoiseMultiplier: z.boolean().default(false),
  adNoiseMultiplier: float({ min: 0.5, max: 1.5, unset: [0] }).default(1),
  adUseClipSkip: z.boolean().default(false),
  adClipSkip: int32({ min: 1, max: 12, unset: [0] }).default(1),
  adSampler: text(64).optional(),
});
export type AdetailerArg = z.output<typeof adetailerArgSchema>;

export const imageToAdetailerSchema = z.strictObject({
  args: list(adetailerArgSchema, { min: 1, max: MAX_ADETAILER_ARGS }),
  diffusion: diffusionSchema.optional(),
});
export type ImageToAdetailer = z.output<typeof imageToAdetailerSchema>;
