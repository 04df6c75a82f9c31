import { z } from 'zod';
import { priceRatesSchema } from '@darkroom/credits';

const credits = z.number().min(-1_000_000_000).max(1_000_000_000).multipleOf(0.0001);

export const adminCreditChangeSchema = z
  .strictObject({
    /** Positive: a grant (or a positive adjustment); negative: a debit, never below a zero balance. */
    amount: credits.refine((v) => v !== 0, 'must not be 0'),
    reason: z.string().trim().min(1).max(500),
    kind: z.enum(['GRANT', 'ADJUSTMENT']).optional(),
    /** Retrying with the same key applies the change once. */
    idempotencyKey: z.string().regex(/^[A-Za-z0-9:_-]{1,100}$/).optional(),
    /** Positive amounts only: the credits expire then unless spent first. */
    expiresAt: z.iso.datetime({ offset: true }).optional(),
  })
  .refine((v) => !(v.expiresAt && v.amount < 0), { path: ['expiresAt'], message: 'only credits given can expire' })
  .refine((v) => !(v.kind === 'GRANT' && v.amount < 0), { path: ['kind'], message: 'a GRANT is positive; use ADJUSTMENT to take credits' });

export const tenantPlanSchema = z.strictObject({
  planId: z.string().min(1).max(64),
  /** Per-tenant overrides of the plan's limits; null = the plan's. */
  maxConcurrentJobs: z.number().int().min(1).max(1_000_000).nullable().optional(),
  rateLimitPerSec: z.number().int().min(1).max(100_000).nullable().optional(),
});

export const planSchema = z.strictObject({
  name: z.string().trim().min(1).max(100),
  monthlyCredits: z.number().min(0).max(1_000_000_000).multipleOf(0.0001),
  rateLimitPerSec: z.number().int().min(1).max(100_000),
  maxConcurrentJobs: z.number().int().min(1).max(1_000_000),
  queueWeight: z.number().int().min(1).max(1000),
});

export const publishPricesSchema = z.strictObject({ rates: priceRatesSchema, reason: z.string().trim().min(1).max(500) });

export const ledgerPageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().regex(/^[0-9]{1,20}$/).optional(),
});
