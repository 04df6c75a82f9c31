import { z } from 'zod';
import { REGISTRABLE_TYPES } from './catalogue.schemas';

/** The largest file and the largest item (all its files) a tenant may upload. */
export const MODEL_FILE_MAX_BYTES = 16 * 1024 ** 3;
export const MODEL_UPLOAD_MAX_BYTES = 32 * 1024 ** 3;
export const MODEL_UPLOAD_MAX_FILES = 64;

/** A file's path inside the item: relative segments of [A-Za-z0-9._-], none starting with "." (so no ".."). */
export const MODEL_FILE_PATH = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}(\/[A-Za-z0-9_][A-Za-z0-9._-]{0,127}){0,3}$/;

const uploadFile = z.strictObject({
  path: z.string().regex(MODEL_FILE_PATH, 'a relative path of at most 4 [A-Za-z0-9._-] segments, none starting with "."'),
  bytes: z.number().int('must be a whole number of bytes').min(1, 'must be at least 1').max(MODEL_FILE_MAX_BYTES, `must be at most ${MODEL_FILE_MAX_BYTES}`),
});

/**
 * POST /v1/catalogue/uploads: the item's metadata and the files it will send. Single-file types (LoRA, LoCon,
 * LyCORIS, embedding) send one `.safetensors` file; checkpoints, VAEs and ControlNets send an ONNX folder.
 */
export const startModelUploadSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    description: z.string().max(5000).default(''),
    modelType: z.enum(REGISTRABLE_TYPES),
    baseModel: z.enum(['SD1', 'SD2', 'SDXL']),
    visibility: z.enum(['PRIVATE', 'PUBLIC']).default('PRIVATE'),
    projectName: z.string().max(200).default(''),
    files: z.array(uploadFile).min(1, 'must list at least one file').max(MODEL_UPLOAD_MAX_FILES, `must list at most ${MODEL_UPLOAD_MAX_FILES} files`),
    /** How long the upload URLs work. */
    expireSec: z.number().int().min(60).max(7 * 86_400).default(86_400),
  })
  .superRefine((v, ctx) => {
    const seen = new Set<string>();
    v.files.forEach((f, i) => {
      if (seen.has(f.path)) ctx.addIssue({ code: 'custom', path: ['files', i, 'path'], message: 'is listed twice' });
      seen.add(f.path);
    });
    const total = v.files.reduce((a, f) => a + f.bytes, 0);
    if (total > MODEL_UPLOAD_MAX_BYTES) ctx.addIssue({ code: 'custom', path: ['files'], message: `add up to ${total} bytes; at most ${MODEL_UPLOAD_MAX_BYTES}` });
  });
export type StartModelUploadInput = z.output<typeof startModelUploadSchema>;
