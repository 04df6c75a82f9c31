import { z } from 'zod';

export const createResourceResponseSchema = z.object({
  resourceId: z.string(),
  putUrl: z.string().describe('PUT the image bytes here, with `headers`, before it expires'),
  headers: z.record(z.string(), z.string()),
});
export type CreateResourceResponse = z.output<typeof createResourceResponseSchema>;
