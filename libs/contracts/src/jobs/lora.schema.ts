import { z } from 'zod';
import { float, list, text } from '../normalize/proto-fields';

export const MAX_LORAS = 16;
/** Block counts a LoRA block-weight vector may have: 12 or 17 (SD1.x), 20 or 26 (SDXL and full variants). */
export const BLOCK_WEIGHT_COUNTS = [12, 17, 20, 26] as const;

const NUMBER = /^-?\d+(?:\.\d+)?$/;

/** `w:lbw=v1,...,vN` with N one of BLOCK_WEIGHT_COUNTS. */
export function isBlockWeight(value: string): boolean {
  const at = value.indexOf(':lbw=');
  if (at < 0 || !NUMBER.test(value.slice(0, at))) return false;
  const parts = value.slice(at + 5).split(',');
  return (BLOCK_WEIGHT_COUNTS as readonly number[]).includes(parts.length) && parts.every((p) => NUMBER.test(p));
}

export const loraItemSchema = z.strictObject({
  loraModel: text(128, 'catalogue id (uint64 as a decimal string) or name'),
  /** -5..5; 0 or absent is 1 (a 0-weight LoRA does nothing: leave it out instead). */
  weight: float({ min: -5, max: 5, unset: [0] }).default(1),
  blockWeight: text(1024, 'w:lbw=v1,...,vN with N = 12, 17, 20 or 26')
    .refine(isBlockWeight, { message: 'must be "<weight>:lbw=" followed by 12, 17, 20 or 26 comma-separated numbers', params: { rule: 'block_weight' } })
    .optional(),
  loraAccessKey: text(256).optional(),
});
export type LoraItem = z.output<typeof loraItemSchema>;

export const loraSchema = z.strictObject({
  items: list(loraItemSchema, { max: MAX_LORAS }).default([]),
});
export type LoraParams = z.output<typeof loraSchema>;
