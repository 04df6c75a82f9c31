import { z } from 'zod';
import { float, list, text } from '../normalize/proto-fields';
import { withProto } from '../normalize/proto-meta';
import { controlModeSchema, controlnetResizeModeSchema } from './job-enums';

export const MAX_CONTROLNET_UNITS = 8;
export const MAX_PREPROCESSOR_PARAMS = 32;

/** Free-form preprocessor settings (thresholds, resolutions, flags): keys as sent, flat values only. */
export const preprocessorParamsSchema = withProto(
  z.record(z.string().min(1).max(64), z.union([z.string().max(1024), z.number(), z.boolean()])),
  { maxKeys: MAX_PREPROCESSOR_PARAMS },
);

export const controlnetUnitSchema = z
  .strictObject({
    inputImageResourceId: text(128).optional(),
    maskResourceId: text(128).optional(),
    preprocessor: text(64, 'e.g. canny, depth, openpose, none'),
    model: text(128, 'ControlNet model: catalogue id or name'),
    /** 0..2; 0 or absent is 1, as for every weight. */
    weight: float({ min: 0, max: 2, unset: [0] }).default(1),
    resizeMode: controlnetResizeModeSchema.default('DEFAULT'),
    /** Legacy single guidance value, kept as sent. */
    guidance: float({ min: 0, max: 1 }).optional(),
    guidanceStart: float({ min: 0, max: 1 }).default(0),
    /** 0 or absent is 1: a unit that stops at 0 would never act. */
    guidanceEnd: float({ min: 0, max: 1, unset: [0] }).default(1),
    controlMode: controlModeSchema.default('DEFAULT'),
    pixelPerfect: z.boolean().optional(),
    preprocessorParams: preprocessorParamsSchema.optional(),
  })
  .superRefine((unit, ctx) => {
    if (unit.guidanceStart > unit.guidanceEnd) {
      ctx.addIssue({ code: 'custom', path: ['guidanceStart'], message: 'must not be greater than guidanceEnd', params: { rule: 'order' } });
    }
  });
export type ControlnetUnit = z.output<typeof controlnetUnitSchema>;

export const controlnetSchema = z.strictObject({
  args: list(controlnetUnitSchema, { max: MAX_CONTROLNET_UNITS }).default([]),
});
export type ControlnetParams = z.output<typeof controlnetSchema>;
