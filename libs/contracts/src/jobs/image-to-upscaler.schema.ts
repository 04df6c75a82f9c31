import { z } from 'zod';
import { float, int32, int64, text } from '../normalize/proto-fields';
import { diffusionSchema } from './diffusion.schema';
import { areaIssue } from './size-rules';

export const MIN_UPSCALE_AREA = 262_144;
export const MAX_UPSCALE_AREA = 8_294_400;

const resize = () => int64({ min: 128, max: 5120, multipleOf: 64, unset: [0] }).optional();

/** A1111's hires fix: hrScale wins over hrResizeX/Y; without either the stage cannot size its output. */
export const imageToUpscalerSchema = z
  .strictObject({
    hrUpscaler: text(64, 'a latent mode ("Latent", "Latent (nearest)", ...) or a model upscaler name'),
    hrResizeX: resize(),
    hrResizeY: resize(),
    hrScale: float({ gt: 0, max: 8, unset: [0] }).optional(),
    hrSecondPassSteps: int32({ min: 0, max: 60, description: '0 or absent = as many as the first pass' }).default(0),
    denoisingStrength: float({ min: 0, max: 1 }),
    diffusion: diffusionSchema.optional(),
  })
  .superRefine((u, ctx) => {
    if (u.hrScale !== undefined) return;
    const x = u.hrResizeX;
    const y = u.hrResizeY;
    if (x === undefined || y === undefined) {
      const missing = x === undefined && y === undefined ? 'hrScale' : x === undefined ? 'hrResizeX' : 'hrResizeY';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'give hrScale, or both hrResizeX and hrResizeY', params: { rule: 'required_one_of' } });
      return;
    }
    const issue = areaIssue(x, y, MIN_UPSCALE_AREA, MAX_UPSCALE_AREA, 'hrResizeX', 'hrResizeY');
    if (issue) ctx.addIssue({ code: 'custom', path: [issue.side], message: issue.message, params: { rule: 'area' } });
  });
export type ImageToUpscaler = z.output<typeof imageToUpscalerSchema>;
