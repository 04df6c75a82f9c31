import { z } from 'zod';

/** Item types a tenant can register (the catalogue's other types are platform-managed). */
export const REGISTRABLE_TYPES = ['CHECKPOINT', 'LORA', 'LOCON', 'LYCORIS', 'TEXTUAL_INVERSION', 'VAE', 'CONTROLNET'] as const;

/** A path relative to the tenant's folder on the workers' model store: no absolute paths, no "..". */
const storagePath = z
  .string()
  .min(1)
  .max(500)
  .regex(/^[A-Za-z0-9_][A-Za-z0-9._-]*(\/[A-Za-z0-9_][A-Za-z0-9._-]*)*$/, 'a relative path of [A-Za-z0-9._-] segments, without ".." or a leading "/"');

const uint64 = z.string().regex(/^[0-9]{1,20}$/, 'a uint64 id as a decimal string');

export const registerModelSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(5000).default(''),
  modelType: z.enum(REGISTRABLE_TYPES),
  baseModel: z.enum(['SD1', 'SD2', 'SDXL']),
  visibility: z.enum(['PRIVATE', 'PUBLIC']).default('PRIVATE'),
  storagePath,
  projectName: z.string().max(200).default(''),
  showcaseImageUrls: z.array(z.string().url().max(2000)).max(10).default([]),
});
export type RegisterModelInput = z.output<typeof registerModelSchema>;

export const updateModelSchema = z.strictObject({
  name: z.string().trim().min(1).max(200).optional(),
  description: z.string().max(5000).optional(),
  visibility: z.enum(['PRIVATE', 'PUBLIC']).optional(),
  projectName: z.string().max(200).optional(),
  showcaseImageUrls: z.array(z.string().url().max(2000)).max(10).optional(),
});

export const mintAccessKeySchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  modelIds: z.array(uint64).min(1).max(100),
  expiresAt: z.iso.datetime({ offset: true }).optional(),
  usageLimit: z.number().int().min(1).max(1_000_000_000).optional(),
  /** Credits a job using the key pays the owner (once per job); 0 = free. */
  feePerJob: z.number().min(0).max(1_000_000).multipleOf(0.0001).default(0),
});
