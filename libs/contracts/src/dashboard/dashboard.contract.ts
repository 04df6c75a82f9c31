import { z } from 'zod';

// The dashboard API's requests (zod, validated by the API) and answers (types the dashboard reads).
// Only zod is imported here so that this file can move into libs/contracts as it is.

export const USER_ROLES = ['TENANT_MEMBER', 'TENANT_OWNER', 'ADMIN'] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const DASHBOARD_JOB_STATUSES = ['WAITING', 'RUNNING', 'SUCCESS', 'FAILED', 'CANCELED'] as const;
export const LEDGER_KINDS = ['GRANT', 'PURCHASE', 'RESERVE', 'SETTLE', 'REFUND', 'ADJUSTMENT', 'EXPIRY', 'REVENUE_SHARE', 'PAYMENT_REVERSAL'] as const;
export type LedgerKind = (typeof LEDGER_KINDS)[number];

/** Scopes an API key may carry (the /v1 routes check `jobs`, `models`, `resources`). */
export const API_KEY_SCOPES = ['jobs', 'models', 'resources'] as const;

const email = z
  .string()
  .trim()
  .toLowerCase()
  .max(254, 'must have at most 254 characters')
  .pipe(z.email('must be an email address'));
const password = z.string().min(10, 'must have at least 10 characters').max(200, 'must have at most 200 characters');
const pageLimit = z.coerce.number().int().min(1).max(100).default(25);
const cursor = z.string().regex(/^\d{1,20}$/, 'must be a cursor from a previous page').optional();

export const signUpRequestSchema = z.strictObject({
  email,
  password,
  tenantName: z.string().trim().min(1, 'is required').max(80, 'must have at most 80 characters'),
});
export type SignUpRequest = z.input<typeof signUpRequestSchema>;

export const signInRequestSchema = z.strictObject({ email, password: z.string().min(1, 'is required').max(200) });
export type SignInRequest = z.input<typeof signInRequestSchema>;

export const createApiKeyRequestSchema = z.strictObject({
  name: z.string().trim().min(1, 'is required').max(60, 'must have at most 60 characters'),
  scopes: z.array(z.enum(API_KEY_SCOPES)).min(1, 'pick at least one scope').max(API_KEY_SCOPES.length).default([...API_KEY_SCOPES]),
});
export type CreateApiKeyRequest = z.input<typeof createApiKeyRequestSchema>;

export const jobsQuerySchema = z.strictObject({
  status: z.enum(DASHBOARD_JOB_STATUSES).optional(),
  cursor,
  limit: pageLimit,
});
export type JobsQuery = z.input<typeof jobsQuerySchema>;

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
/** Filters shared by the ledger page and its CSV export: kind, and a range of UTC days (both ends included). */
export const ledgerFilterSchema = z.strictObject({ kind: z.enum(LEDGER_KINDS).optional(), from: day.optional(), to: day.optional() });
export type LedgerFilter = z.input<typeof ledgerFilterSchema>;

export const ledgerQuerySchema = ledgerFilterSchema.extend({ cursor, limit: pageLimit });
export type LedgerQuery = z.input<typeof ledgerQuerySchema>;

export const tenantsQuerySchema = z.strictObject({ q: z.string().trim().max(120).default('') });

export const grantCreditsRequestSchema = z.strictObject({
  amount: z
    .number()
    .refine((v) => v !== 0, 'must not be 0')
    .refine((v) => Math.abs(v) <= 1_000_000, 'must be at most 1000000 credits either way')
    .refine((v) => Math.round(v * 10_000) === v * 10_000, 'must have at most 4 decimal places'),
  reason: z.string().trim().min(3, 'must have at least 3 characters').max(200, 'must have at most 200 characters'),
  /** Chosen by the form when it opens, so that a double submit grants once. */
  idempotencyKey: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'must be 8-64 characters of [A-Za-z0-9_-]').optional(),
});
export type GrantCreditsRequest = z.input<typeof grantCreditsRequestSchema>;

// ---- answers ----

export interface SessionUser {
  id: string;
  email: string;
  role: UserRole;
}

export interface TenantSummary {
  id: string;
  name: string;
  status: 'ACTIVE' | 'SUSPENDED';
  planId: string;
  planName: string;
  balance: number;
}

/** GET /dashboard-api/me, and the answer of sign-up and sign-in. */
export interface MeResponse {
  user: SessionUser;
  tenant: TenantSummary;
  /** Send it back as the x-csrf-token header on every POST/DELETE (it is also in the dr_csrf cookie). */
  csrfToken: string;
  /**
   * Set while an admin views a tenant's dashboard read-only: `tenant` is then that tenant, `user` is still the
   * admin, and every change is refused except ending the view (DELETE /admin/impersonation) and signing out.
   */
  impersonating?: { tenantId: string; tenantName: string } | null;
}

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}
export interface ApiKeysResponse {
  apiKeys: ApiKeyView[];
}
/** The key itself is in this answer only; the API keeps its SHA-256. */
export interface CreateApiKeyResponse {
  apiKey: ApiKeyView;
  key: string;
}

/** A job as the list shows it: what was asked (from the stored request) and where it stands. */
export interface JobSummary {
  id: string;
  requestId: string;
  status: string;
  pool: string;
  credits: number;
  prompt: string;
  width: number | null;
  height: number | null;
  steps: number | null;
  sampler: string | null;
  seed: string | null;
  count: number;
  stageTypes: string[];
  failureReason: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}
export interface JobsResponse {
  jobs: JobSummary[];
  nextCursor: string | null;
}

/**
 * One event of GET /dashboard-api/jobs/events (server-sent events, `event: job`): a job of the tenant changed
 * (status, progress). `progress` is the mean of its images' progress (0-100) while it runs, else null.
 */
export interface JobChangeEvent {
  job: JobSummary;
  progress: number | null;
  updatedAt: string;
}

export interface OverviewResponse {
  tenant: TenantSummary;
  jobsByStatus: Record<string, number>;
  /** Credits spent per UTC day (reserves minus refunds), oldest first, the last 14 days. */
  spendByDay: Array<{ day: string; credits: number }>;
  /** The tenant's waiting jobs with their place in their pool's queue. */
  waiting: Array<{ jobId: string; pool: string; queueRank: number | null; queueLen: number | null }>;
}

export interface LedgerEntryView {
  id: string;
  kind: LedgerKind;
  amount: number;
  balanceAfter: number;
  jobId: string | null;
  paymentRef: string | null;
  actorUserId: string | null;
  reason: string;
  createdAt: string;
}
export interface LedgerResponse {
  balance: number;
  entries: LedgerEntryView[];
  nextCursor: string | null;
}

export interface PlaygroundModel {
  id: string;
  name: string;
  baseModel: string;
  isDefault: boolean;
}
export interface PlaygroundOptionsResponse {
  samplers: string[];
  defaultSampler: string;
  models: PlaygroundModel[];
  sizes: { min: number; max: number; multipleOf: number };
  steps: { min: number; max: number; default: number };
  count: { min: number; max: number };
}

export interface BillingStatusResponse {
  /** Buying credits online (Stripe Checkout) is configured in this deployment. */
  purchasesEnabled: boolean;
  /** Credit packs for sale (empty when purchases are off). */
  packs: Array<{ name: string; credits: number }>;
}

export interface AdminTenantRow extends TenantSummary {
  createdAt: string;
  users: Array<{ id: string; email: string; role: UserRole }>;
  jobCount: number;
}
export interface AdminTenantsResponse {
  tenants: AdminTenantRow[];
}
export interface AdminTenantResponse {
  tenant: AdminTenantRow;
  ledger: LedgerEntryView[];
  jobsByStatus: Record<string, number>;
}
export interface GrantCreditsResponse {
  /** false when this idempotency key was already used (nothing changed this time). */
  applied: boolean;
  balanceAfter: number;
  entry: LedgerEntryView | null;
}

export interface QueuePoolView {
  pool: string;
  families: string[];
  length: number;
  /** Waiting jobs per tenant, most first. */
  byTenant: Array<{ tenantId: string; tenantName: string; waiting: number }>;
  /** The head of the queue in the order workers take it. */
  head: Array<{ rank: number; jobId: string; tenantId: string; tenantName: string; modelKey: string }>;
  running: Array<{ jobId: string; tenantId: string; tenantName: string; worker: string | null; startedAt: string | null }>;
}
export interface AdminQueueResponse {
  pools: QueuePoolView[];
}

export * from './dashboard-team.contract';
export * from './dashboard-billing.contract';
export * from './dashboard-admin.contract';
export * from './worker-presence.contract';
export * from './dashboard-models.contract';
