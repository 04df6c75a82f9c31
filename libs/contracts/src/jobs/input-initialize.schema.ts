import { z } from 'zod';
import { int32, int64, text } from '../normalize/proto-fields';

export const MAX_SEED = 4_294_967_295;

export const inputInitializeSchema = z.strictObject({
  /** 0, -1 or absent: random (kept as 0; the worker picks the seed and reports it in the image meta). */
  seed: int64({ min: 0, max: MAX_SEED, unset: [0, -1], description: '0, -1 or absent = random' }).default(0),
  imageResourceId: text(128, 'an uploaded image to start from (img2img) instead of noise').optional(),
  count: int32({ min: 1, max: 4, unset: [0] }).default(1),
});
export type InputInitialize = z.output<typeof inputInitializeSchema>;
