import { z } from 'zod';

export const MODEL_TYPES = [
  'DEFAULT',
  'CHECKPOINT',
  'TEXTUAL_INVERSION',
  'HYPERNETWORK',
  'AESTHETIC_GRADIENT',
  'LORA',
  'LOCON',
  'CONTROLNET',
  'POSES',
  'WILDCARDS',
  'OTHER',
  'LYCORIS',
  // Not in TAMS's list: darkroom's catalogue also holds VAEs (sdVae references them).
  'VAE',
] as const;
export type ModelType = (typeof MODEL_TYPES)[number];

export const modelViewSchema = z.object({
  id: z.string().describe('uint64 as a decimal string'),
  name: z.string(),
  description: z.string(),
  baseModel: z.string().describe('e.g. SD1, SD2, SDXL'),
  modelType: z.enum(MODEL_TYPES),
  showcaseImageUrls: z.array(z.string()),
  projectName: z.string(),
});
export type ModelView = z.output<typeof modelViewSchema>;

export const getModelResponseSchema = z.object({ model: modelViewSchema });
export type GetModelResponse = z.output<typeof getModelResponseSchema>;
