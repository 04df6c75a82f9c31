import { z } from 'zod';
import { float, int64, text } from '../normalize/proto-fields';
import { diffusionSchema } from './diffusion.schema';
import { inpaintingFillSchema, inpaintResizeModeSchema } from './job-enums';

/** Inpaint the previous stage's image under a mask; mask blur and padding keep an explicit 0. */
export const imageToInpaintSchema = z.strictObject({
  resizeMode: inpaintResizeModeSchema.default('DEFAULT'),
  maskImageResourceId: text(128, 'an uploaded mask image (white = repaint)'),
  maskBlur: float({ min: 0, max: 64 }).default(4),
  inpaintingFill: inpaintingFillSchema.describe('masked content; DEFAULT = ORIGINAL').default('DEFAULT'),
  inpaintFullRes: z.boolean().describe('inpaint the masked area only, at full resolution').default(false),
  inpaintFullResPadding: int64({ min: 0, max: 256 }).default(32),
  inpaintMaskInvert: int64({ min: 0, max: 1, description: '1 = repaint the black part of the mask' }).default(0),
  diffusion: diffusionSchema.optional(),
});
export type ImageToInpaint = z.output<typeof imageToInpaintSchema>;
