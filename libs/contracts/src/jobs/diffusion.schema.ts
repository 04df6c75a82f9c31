import { z } from 'zod';
import { float, int32, int64, list, text } from '../normalize/proto-fields';
import { controlnetSchema } from './controlnet.schema';
import { loraSchema } from './lora.schema';
import { promptListSchema, promptSchema } from './prompt.schema';

export const MAX_EMBEDDINGS = 16;
/** A1111's default step count, used when steps is 0 or absent. */
export const DEFAULT_STEPS = 20;

/** One image side: 512..1536 in steps of 64 (the per-family area rules are checkDiffusionSize's). */
const side = () =>
  int64({ min: 512, max: 1536, multipleOf: 64, unset: [0], description: 'pixels, multiple of 64; per-family area limits apply' }).default(512);

export const animateDiffArgSchema = z.strictObject({
  videoLength: int32({ min: 1, max: 64, unset: [0] }).default(16),
  fps: int32({ min: 1, max: 60, unset: [0] }).default(8),
});
export const animateDiffSchema = z.strictObject({
  args: list(animateDiffArgSchema, { max: 1 }).default([]),
});
export type AnimateDiffParams = z.output<typeof animateDiffSchema>;

export const embeddingItemSchema = z.strictObject({
  model: text(128, 'textual inversion: catalogue id or name'),
  weight: float({ min: -10, max: 10, unset: [0] }).default(1),
  embeddingAccessKey: text(256).optional(),
});
export const embeddingSchema = z.strictObject({
  items: list(embeddingItemSchema, { max: MAX_EMBEDDINGS }).default([]),
});
export type EmbeddingItem = z.output<typeof embeddingItemSchema>;
export type EmbeddingParams = z.output<typeof embeddingSchema>;

export const layerDiffusionSchema = z.strictObject({
  enable: z.boolean().default(false),
  weight: float({ min: 0, max: 2, unset: [0] }).default(1),
});
export type LayerDiffusionParams = z.output<typeof layerDiffusionSchema>;

/** The diffusion parameters: a DIFFUSION stage's payload, and the optional `diffusion` of IMAGE_TO_* stages. */
export const diffusionSchema = z.strictObject({
  width: side(),
  height: side(),
  prompts: list(promptSchema, { min: 1, max: 150 }),
  negativePrompts: promptListSchema.default([]),
  sdModel: text(128, 'checkpoint: catalogue id (uint64 as a decimal string) or name; absent = the default checkpoint').optional(),
  sdVae: text(128).optional(),
  sampler: text(64).optional(),
  steps: int32({ min: 1, max: 60, unset: [0], description: `0 or absent = ${DEFAULT_STEPS}` }).default(DEFAULT_STEPS),
  cfgScale: float({ min: 0, max: 30, unset: [0], description: '0 or absent = 7' }).default(7),
  clipSkip: int32({ min: 0, max: 12, unset: [0], description: '0 or absent = the model default' }).optional(),
  denoisingStrength: float({ min: 0, max: 1 }).optional(),
  etaNoiseSeedDelta: int32({ min: 0, unset: [0] }).optional(),
  controlnet: controlnetSchema.optional(),
  lora: loraSchema.optional(),
  animateDiff: animateDiffSchema.optional(),
  embedding: embeddingSchema.optional(),
  v1Clip: z.boolean().optional(),
  modelAccessKey: text(256).optional(),
  scheduleName: text(32).optional(),
  enableElla: z.boolean().optional(),
  enablePix2pix: z.boolean().optional(),
  useHunyuanDit: z.boolean().describe('deprecated; accepted and ignored').optional(),
  layerDiffusion: layerDiffusionSchema.optional(),
  clipEncoderName: text(64).optional(),
});
export type DiffusionParams = z.output<typeof diffusionSchema>;
