import { z } from 'zod';

// The operators' pages beyond tenants and grants: plan, limits and suspension of a tenant, read-only
// impersonation, failing jobs, the price table, the model catalogue, and queue actions.

const limit = (max: number) => z.number().int('must be a whole number').min(1, 'must be at least 1').max(max, `must be at most ${max}`).nullable();

export const tenantPlanRequestSchema = z.strictObject({
  planId: z.string().trim().min(1, 'pick a plan').max(64),
  /** Per-tenant overrides of the plan's limits; null = the plan's. */
  rateLimitPerSec: limit(100_000).default(null),
  maxConcurrentJobs: limit(1_000_000).default(null),
});
export type TenantPlanRequest = z.input<typeof tenantPlanRequestSchema>;

export const tenantStatusRequestSchema = z.strictObject({
  status: z.enum(['ACTIVE', 'SUSPENDED']),
  reason: z.string().trim().min(3, 'must have at least 3 characters').max(200, 'must have at most 200 characters'),
});
export type TenantStatusRequest = z.input<typeof tenantStatusRequestSchema>;

export const impersonateRequestSchema = z.strictObject({ tenantId: z.uuid('must be a tenant id') });

export const failuresQuerySchema = z.strictObject({
  days: z.coerce.number().int().min(1).max(90).default(7),
  code: z.enum(['TRANSITORY_ERROR', 'FATAL_ERROR']).optional(),
});
export type FailuresQuery = z.input<typeof failuresQuerySchema>;

const rate = (max: number) => z.number({ message: 'must be a number' }).min(0, 'must be at least 0').max(max, `must be at most ${max}`);
/** A rate that cannot be 0: one issue per bad value (a refine would add a second one next to min's). */
const positiveRate = (max: number) => z.number({ message: 'must be a number' }).gt(0, 'must be more than 0').max(max, `must be at most ${max}`);
export const publishPricesRequestSchema = z.strictObject({
  rates: z.strictObject({
    basePer512Image20Steps: positiveRate(1_000_000),
    controlNetUnitFactor: rate(100),
    modelUpscalePerMegapixel: rate(1_000_000),
    minimumPerJob: rate(1_000_000),
    planMultipliers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'plan ids are 1-64 characters of [A-Za-z0-9_-]'), positiveRate(100)).default({}),
  }),
  reason: z.string().trim().min(3, 'must have at least 3 characters').max(200, 'must have at most 200 characters'),
});
export type PublishPricesRequest = z.input<typeof publishPricesRequestSchema>;

export const adminModelsQuerySchema = z.strictObject({
  q: z.string().trim().max(120).default(''),
  /** PUBLIC (default): the public catalogue and what was hidden from it; ALL: tenants' private items too. */
  scope: z.enum(['PUBLIC', 'ALL']).default('PUBLIC'),
});
export const modelVisibilityRequestSchema = z.strictObject({
  visibility: z.enum(['PUBLIC', 'HIDDEN']),
  reason: z.string().trim().max(200, 'must have at most 200 characters').default(''),
});
export type ModelVisibilityRequest = z.input<typeof modelVisibilityRequestSchema>;

// ---- answers ----

export interface PlanView {
  id: string;
  name: string;
  monthlyCredits: number;
  rateLimitPerSec: number;
  maxConcurrentJobs: number;
  queueWeight: number;
}
export interface AdminPlansResponse {
  plans: PlanView[];
}
/** A tenant's plan and its effective limits (the override, else the plan's). */
export interface TenantLimitsView {
  planId: string;
  rateLimitPerSec: number | null;
  maxConcurrentJobs: number | null;
  effective: { rateLimitPerSec: number; maxConcurrentJobs: number; queueWeight: number; monthlyCredits: number };
}

export interface FailureReasonView {
  reason: string;
  count: number;
  lastAt: string;
}
export interface FailureGroupView {
  code: 'TRANSITORY_ERROR' | 'FATAL_ERROR';
  count: number;
  reasons: FailureReasonView[];
}
export interface FailedJobView {
  jobId: string;
  tenantId: string;
  tenantName: string;
  code: string | null;
  reason: string | null;
  attempts: number;
  credits: number;
  /** Credits given back to the tenant for this job (failed jobs are refunded in full when they fail). */
  refunded: number;
  finishedAt: string | null;
}
export interface AdminFailuresResponse {
  days: number;
  groups: FailureGroupView[];
  recent: FailedJobView[];
}

export interface PriceRatesView {
  basePer512Image20Steps: number;
  controlNetUnitFactor: number;
  modelUpscalePerMegapixel: number;
  minimumPerJob: number;
  planMultipliers: Record<string, number>;
}
export interface PriceVersionView extends PriceRatesView {
  version: string;
  current: boolean;
  reason: string;
  actor: string;
  createdAt: string;
}
export interface AdminPricesResponse {
  current: string;
  versions: PriceVersionView[];
}

export interface AdminModelView {
  id: string;
  name: string;
  modelType: string;
  baseModel: string;
  visibility: 'PUBLIC' | 'PRIVATE' | 'HIDDEN';
  isDefault: boolean;
  ownerTenantId: string | null;
  ownerName: string | null;
  createdAt: string;
}
export interface AdminModelsResponse {
  models: AdminModelView[];
  /** The default checkpoint of each family (null = none set). */
  defaults: Record<string, string | null>;
}
