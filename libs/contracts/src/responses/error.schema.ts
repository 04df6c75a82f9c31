import { z } from 'zod';

/** The error body every failing call answers (see errorBody). */
export const apiErrorBodySchema = z.object({
  code: z.int().describe('gRPC status code: 3 INVALID_ARGUMENT, 5 NOT_FOUND, 6 ALREADY_EXISTS, 7 PERMISSION_DENIED, 8 RESOURCE_EXHAUSTED, 9 FAILED_PRECONDITION, 13 INTERNAL, 14 UNAVAILABLE, 16 UNAUTHENTICATED'),
  message: z.string().describe('for field issues: "<first field>: <what is wrong>"'),
  details: z.array(
    z.object({
      '@type': z.string(),
      field: z.string().optional().describe('e.g. stages[1].diffusion.width; "" = the whole body'),
      rule: z.string().optional().describe('e.g. max, multiple_of, unknown_field, missing_diffusion'),
      description: z.string(),
    }),
  ),
});
