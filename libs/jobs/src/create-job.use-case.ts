import {
  checkDiffusionSize,
  collectModelRefs,
  CreateJobRequest,
  DomainError,
  FieldIssue,
  GrpcCode,
  parseCreateJobRequest,
  requestHash,
} from '@darkroom/contracts';
import { AccessFee, InsufficientCreditsError, PriceBook, priceBookFor, priceJob, PriceTable, recordAccessFees, reserveForJob, roundCredits } from '@darkroom/credits';
import { nextId, Prisma, PrismaClient, SqlPool, SqlTx, utcTimestamp, withSqlTransaction } from '@darkroom/db';
import type { Job } from '@darkroom/db';
import { accessKeyDenied, accessKeyProblem, describeItem, ModelResolver, ResolvedModel } from './model-resolver';
import { Family, poolForFamily, PoolMap } from './pools';
import type { WaitQueue } from './ports';
import { assertResourcesUsable } from './resource-check';
import { CreateCall, createOne, CreateJobBatcher } from './create-batcher';
import { isIP } from 'node:net';
import { AddressPolicy, checkAddress, checkWebhookUrl, WebhookAddressError } from '@darkroom/webhooks';

export interface CreateJobDeps {
  prisma: PrismaClient;
  /** node-postgres pool for the creation transaction itself (the hot path; see libs/db sql-pool.ts). */
  sql: SqlPool;
  /** Groups concurrent creates into one statement (one per process); without it each create is its own. */
  batcher?: CreateJobBatcher;
  queue: WaitQueue;
  models: ModelResolver;
  pools: PoolMap;
  maxAttempts: number;
  /** Which notifyUrl addresses are allowed (the delivery checks again after DNS). */
  webhookPolicy: AddressPolicy;
  /** A fixed price table; by default the table in force (`prices`, else the shared PriceBook of `prisma`). */
  priceTable?: PriceTable;
  prices?: PriceBook;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

export interface TenantContext {
  id: string;
  queueWeight: number;
  /** The tenant's plan as the caller last read it (prices depend on it); the creation checks it under the lock. */
  planId?: string;
}

export interface CreateJobResult {
  job: Job;
  /** false when the requestId was seen before with the same body (the earlier job is answered). */
  created: boolean;
  /** How a new job was written: `darkroom_create_job` in one round trip, or the general transaction. */
  path?: 'one-statement' | 'transaction';
  /** A new job's place in its pool's queue, read together with the enqueue (null if Redis did not answer). */
  position?: { rank: number; length: number } | null;
}

/** Diffusion objects present in the request, with their field paths (for the per-family size rules). */
function diffusionObjects(req: CreateJobRequest): Array<{ path: string; width: number; height: number }> {
  const found: Array<{ path: string; width: number; height: number }> = [];
  req.stages.forEach((stage, i) => {
    const candidates: Array<[string, { width: number; height: number } | undefined]> = [
      [`stages[${i}].diffusion`, stage.diffusion],
      [`stages[${i}].imageToUpscaler.diffusion`, stage.imageToUpscaler?.diffusion],
      [`stages[${i}].imageToAdetailer.diffusion`, stage.imageToAdetailer?.diffusion],
      [`stages[${i}].imageToInpaint.diffusion`, stage.imageToInpaint?.diffusion],
    ];
    for (const [path, d] of candidates) if (d) found.push({ path, width: d.width, height: d.height });
  });
  return found;
}

/** The family the job runs as: its checkpoint's. Every other model must be of the same family. */
function jobFamily(models: ResolvedModel[]): Family {
  const checkpoint = models.find((m) => m.kind === 'checkpoint') ?? models.find((m) => m.kind === 'adetailer_checkpoint');
  const family = checkpoint?.baseModel ?? 'SD1';
  const mismatched: FieldIssue[] = models
    .filter((m) => m.baseModel !== family)
    .map((m) => ({ field: m.field, rule: 'base_model', message: `"${m.name}" is a ${m.baseModel} model; the job's checkpoint is ${family}` }));
  if (mismatched.length) throw new DomainError(GrpcCode.INVALID_ARGUMENT, `${mismatched[0].field}: ${mismatched[0].message}`, mismatched);
  return family;
}

interface LockedTenant {
  planId: string;
  maxConcurrentJobs: number;
  balance: number;
  /** Unfinished jobs (CREATED, PENDING, WAITING, RUNNING): the tenant's counter, kept by triggers on "Job". */
  active: number;
  /** A job with this requestId that a concurrent create committed while this one waited for the lock. */
  requestIdTaken: boolean;
}

/**
 * Locks the tenant's row for the rest of the creation transaction (the ledger locks it anyway), so that the
 * limit check and the insert are one atomic step per tenant: concurrent creates cannot overshoot the limit. The
 * locked row is the latest committed one, so its job counter is exact. The requestId check is a second statement
 * on purpose: a statement's snapshot is taken before it waits for the lock, so only statements after the lock
 * see every create that committed before it was granted.
 */
async function lockTenant(tx: SqlTx, tenantId: string, requestId: string): Promise<LockedTenant> {
  const locked = await tx.$queryRaw<Array<{ planId: string; max: number; balance: string; active: number }>>`
    SELECT t."planId", COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs") AS max, t.balance::text AS balance, t."activeJobs" AS active
    FROM "Tenant" t JOIN "Plan" p ON p.id = t."planId" WHERE t.id = ${tenantId}::uuid FOR UPDATE OF t`;
  if (!locked.length) throw DomainError.unauthenticated('unknown tenant');
  const [{ taken }] = await tx.$queryRaw<Array<{ taken: boolean }>>`
    SELECT EXISTS (SELECT 1 FROM "Job" WHERE "tenantId" = ${tenantId}::uuid AND "requestId" = ${requestId}) AS taken`;
  return {
    planId: locked[0].planId,
    maxConcurrentJobs: locked[0].max,
    balance: Number(locked[0].balance),
    active: Number(locked[0].active),
    requestIdTaken: taken,
  };
}

function assertBelowConcurrencyLimit(tenant: { active: number; maxConcurrentJobs: number }): void {
  if (tenant.active < tenant.maxConcurrentJobs) return;
  const message = `${tenant.active} jobs of this tenant are waiting or running; its plan allows ${tenant.maxConcurrentJobs} at once`;
  throw new DomainError(GrpcCode.RESOURCE_EXHAUSTED, message, [{ field: '', rule: 'max_concurrent_jobs', message }]);
}

/** Counts one use of each access key the job uses, checking again (atomically) that each is still usable. */
async function countAccessKeyUses(tx: SqlTx, prisma: PrismaClient, resolved: ResolvedModel[]): Promise<void> {
  for (const keyId of new Set(resolved.map((m) => m.accessKeyId).filter((k): k is string => !!k))) {
    const counted = await tx.$executeRaw`
      UPDATE "ModelAccessKey" SET "usageCount" = "usageCount" + 1, "lastUsedAt" = now()
      WHERE id = ${keyId}::uuid AND "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now())
        AND ("usageLimit" IS NULL OR "usageCount" < "usageLimit")`;
    if (counted === 1) continue;
    // Revoked, expired or used up since the check: say which, naming the first item it was sent for.
    const item = resolved.find((m) => m.accessKeyId === keyId) as ResolvedModel;
    const key = await prisma.modelAccessKey.findUnique({ where: { id: keyId } });
    throw accessKeyDenied(item.field, describeItem(item.kind, item), (key && accessKeyProblem(key)) || 'revoked');
  }
}

/** The fee each access key charges this job: once per key, whatever the number of items it grants here. */
function accessFees(resolved: ResolvedModel[]): AccessFee[] {
  const fees = new Map<string, AccessFee>();
  for (const m of resolved) {
    if (m.accessKeyId && m.ownerTenantId && m.accessFee && m.accessFee > 0) fees.set(m.accessKeyId, { keyId: m.accessKeyId, ownerTenantId: m.ownerTenantId, credits: m.accessFee });
  }
  return [...fees.values()];
}

/**
 * POST /v1/jobs: validate → resolve models and check access (keys) → price with the table in force and the
 * tenant's plan → under the tenant's lock: requestId, concurrency limit, balance, insert the job, reserve its
 * credits (and access fees) → enqueue. Idempotent per (tenant, requestId).
 *
 * Most creates take one database round trip (`darkroom_create_job`, see its migration; it applies the same
 * expiring-lot rules as the ledger, through shared SQL functions). Creates that pay access-key fees, and a plan that
 * changed since the caller read it, take the general transaction below. Both run on plain pg (libs/db sql-pool.ts).
 */
export async function createJob(deps: CreateJobDeps, tenant: TenantContext, body: unknown): Promise<CreateJobResult> {
  const parsed = parseCreateJobRequest(body);
  if (!parsed.ok) throw DomainError.invalid(parsed.issues);
  const req = parsed.value;
  const hash = requestHash(req);

  if (req.notifyUrl) assertNotifyUrl(req.notifyUrl, deps.webhookPolicy);

  const resolved = await deps.models.resolve(tenant.id, collectModelRefs(req));
  const family = jobFamily(resolved);
  const sizeIssues = diffusionObjects(req).flatMap((d) => checkDiffusionSize(family, d.width, d.height, d.path));
  if (sizeIssues.length) throw DomainError.invalid(sizeIssues);
  await assertResourcesUsable(deps.prisma, tenant.id, req);
  const table = deps.priceTable ?? (await (deps.prices ?? priceBookFor(deps.prisma)).current());
  const draft: JobDraft = {
    id: nextId(),
    tenantId: tenant.id,
    req,
    hash,
    pool: poolForFamily(deps.pools, family),
    resolved,
    fees: accessFees(resolved),
    price: (planId) => priceJob(req.stages, table, planId),
    maxAttempts: deps.maxAttempts,
  };

  let outcome: Outcome | null = null;
  let path: CreateJobResult['path'] = 'one-statement';
  try {
    if (tenant.planId && !resolved.some((m) => m.accessKeyId)) outcome = await createInOneStatement(deps, draft, tenant.planId);
    if (!outcome) {
      path = 'transaction';
      outcome = await createInTransaction(deps, draft);
    }
  } catch (e) {
    if (e instanceof InsufficientCreditsError) throw insufficientCredits(e.message);
    throw e;
  }
  if (outcome.kind === 'taken') {
    // The requestId was used before (a repeat, or a concurrent create that won): answer its job or the conflict.
    const earlier = await deps.prisma.job.findUnique({ where: { tenantId_requestId: { tenantId: tenant.id, requestId: req.requestId } } });
    if (earlier) return sameRequestOrConflict(earlier, hash);
    throw new DomainError(GrpcCode.UNAVAILABLE, 'a concurrent request with the same requestId did not finish; retry', []);
  }

  const job = outcome.job;
  const checkpoint = resolved.find((m) => m.kind === 'checkpoint');
  const jobId = job.id.toString();
  let position: CreateJobResult['position'] = null;
  try {
    // The position is read in the same script as the enqueue (with the other creates of the batch; see WaitQueue).
    const placed = await deps.queue.enqueueWithPosition({ pool: job.pool, jobId, tenantId: tenant.id, weight: tenant.queueWeight, modelKey: checkpoint?.id.toString() });
    position = placed.position;
  } catch (e) {
    // The job is safe in Postgres as WAITING; the reconciler puts it in the queue once Redis answers again.
    deps.log?.('enqueue failed; the reconciler will retry', { jobId, error: (e as Error).message });
  }
  return { job, created: true, path, position };
}

/** What a create knows before it takes the tenant's lock. */
interface JobDraft {
  id: bigint;
  tenantId: string;
  req: CreateJobRequest;
  hash: string;
  pool: string;
  resolved: ResolvedModel[];
  fees: AccessFee[];
  price(planId: string): { credits: number; version: string };
  maxAttempts: number;
}

type Outcome = { kind: 'created'; job: Job } | { kind: 'taken' };

const insufficientCredits = (message: string) =>
  new DomainError(GrpcCode.RESOURCE_EXHAUSTED, message, [{ field: '', rule: 'insufficient_credits', message }]);

function chargeOf(draft: JobDraft, planId: string): { credits: number; version: string } {
  const price = draft.price(planId);
  return { credits: roundCredits(price.credits + draft.fees.reduce((sum, f) => sum + f.credits, 0)), version: price.version };
}

/** The common create in one statement (`darkroom_create_job`); null when it needs the general transaction. */
async function createInOneStatement(deps: CreateJobDeps, draft: JobDraft, planId: string): Promise<Outcome | null> {
  const charge = chargeOf(draft, planId);
  const row = newJobRow(draft, charge);
  const call: CreateCall = {
    id: row.id.toString(),
    tenant: row.tenantId,
    plan: planId,
    requestId: row.requestId,
    requestHash: row.requestHash,
    request: row.request,
    pool: row.pool,
    modelIds: row.modelIds,
    credits: charge.credits.toFixed(4),
    priceVersion: row.priceVersion,
    notifyUrl: row.notifyUrl,
    maxAttempts: row.maxAttempts,
    createdAt: utcTimestamp(row.createdAt),
  };
  const result = deps.batcher ? await deps.batcher.create(call) : await createOne(deps.sql, call);
  switch (result.outcome) {
    case 'created':
      return { kind: 'created', job: row };
    case 'request_id_taken':
      return { kind: 'taken' };
    case 'concurrency_limit':
      assertBelowConcurrencyLimit({ active: result.active, maxConcurrentJobs: result.max });
      return null;
    case 'insufficient_credits':
      throw new InsufficientCreditsError(charge.credits.toFixed(4), Number(result.balance).toFixed(4));
    case 'unknown_tenant':
      throw DomainError.unauthenticated('unknown tenant');
    default:
      return null;
  }
}

/** The general create: one pg transaction running the ledger's full rules (expiring lots, access-key fees). */
function createInTransaction(deps: CreateJobDeps, draft: JobDraft): Promise<Outcome> {
  return withSqlTransaction(deps.sql, async (tx) => {
    const locked = await lockTenant(tx, draft.tenantId, draft.req.requestId);
    if (locked.requestIdTaken) return { kind: 'taken' as const };
    assertBelowConcurrencyLimit(locked);
    const charge = chargeOf(draft, locked.planId);
    // Refused early (the reservation below checks again, exactly, with any expiring credits).
    if (charge.credits > locked.balance) throw new InsufficientCreditsError(charge.credits.toFixed(4), locked.balance.toFixed(4));
    await countAccessKeyUses(tx, deps.prisma, draft.resolved);
    const row = newJobRow(draft, charge);
    await tx.$executeRaw`
      INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, "modelIds", credits, "priceVersion",
                         "notifyUrl", "maxAttempts", "createdAt", "updatedAt")
      VALUES (${row.id}::bigint, ${row.tenantId}::uuid, ${row.requestId}, ${row.requestHash}, ${JSON.stringify(row.request)}::jsonb,
              'WAITING'::"JobStatus", ${row.pool}, ${row.modelIds}::text[], ${charge.credits.toFixed(4)}::numeric, ${row.priceVersion},
              ${row.notifyUrl}, ${row.maxAttempts}::int, ${row.createdAt}::timestamp, ${row.updatedAt}::timestamp)`;
    await reserveForJob(tx, draft.tenantId, draft.id, charge.credits);
    await recordAccessFees(tx, draft.id, draft.fees);
    return { kind: 'created' as const, job: row };
  });
}

/** The job row as the creation writes it (the same shape Prisma reads back). */
function newJobRow(draft: JobDraft, charge: { credits: number; version: string }): Job {
  const now = new Date();
  return {
    id: draft.id,
    tenantId: draft.tenantId,
    requestId: draft.req.requestId,
    requestHash: draft.hash,
    request: draft.req as unknown as Prisma.JsonValue,
    status: 'WAITING',
    pool: draft.pool,
    modelIds: draft.resolved.map((m) => m.id.toString()),
    credits: new Prisma.Decimal(charge.credits.toFixed(4)),
    priceVersion: charge.version,
    notifyUrl: draft.req.notifyUrl ?? null,
    attempts: 0,
    maxAttempts: draft.maxAttempts,
    leaseToken: null,
    leaseWorker: null,
    leaseExpiresAt: null,
    cancelRequested: false,
    progress: null,
    failureCode: null,
    failureReason: null,
    createdAt: now,
    updatedAt: now,
    startedAt: null,
    finishedAt: null,
  };
}

/** Refuses notifyUrls that can never be delivered: bad scheme, credentials, ports, literal private addresses. */
function assertNotifyUrl(url: string, policy: AddressPolicy): void {
  try {
    const parsed = checkWebhookUrl(url);
    const host = parsed.hostname.replace(/^\[|\]$/g, '');
    if (isIP(host)) checkAddress(host, policy);
  } catch (e) {
    if (!(e instanceof WebhookAddressError)) throw e;
    throw DomainError.invalid([{ field: 'notifyUrl', rule: e.code.toLowerCase(), message: e.message }]);
  }
}

function sameRequestOrConflict(existing: Job, hash: string): CreateJobResult {
  if (existing.requestHash === hash) return { job: existing, created: false };
  throw new DomainError(GrpcCode.ALREADY_EXISTS, `requestId "${existing.requestId}" was already used for a different request`, [
    { field: 'requestId', rule: 'idempotency', message: 'already used with a different body' },
  ]);
}
