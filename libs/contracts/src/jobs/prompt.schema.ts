import { z } from 'zod';
import { float, list, text } from '../normalize/proto-fields';

export const MAX_PROMPTS = 150;
export const MAX_PROMPT_CHARS = 10_000;

/** `{text, weight}`; weight 0 or absent is 1 (proto3 cannot tell 0 from unset, and a 0-weight prompt is a no-op). */
export const promptSchema = z.strictObject({
  text: text(MAX_PROMPT_CHARS).default(''),
  weight: float({ min: -10, max: 10, unset: [0] }).default(1),
});
export type Prompt = z.output<typeof promptSchema>;

export const promptListSchema = list(promptSchema, { max: MAX_PROMPTS });
