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
import { AccessFee, InsufficientCreditsError, PriceBook, priceBookFor, priceJob, PriceTable, recordAccessFees, reserveForJob, roundCredits, Tx } from '@darkroom/credits';
import { nextId, PrismaClient, TX_OPTIONS } from '@darkroom/db';
import type { Job } from '@darkroom/db';
import { accessKeyDenied, accessKeyProblem, describeItem, ModelResolver, ResolvedModel } from './model-resolver';
import { Family, poolForFamily, PoolMap } from './pools';
import type { WaitQueue } from './ports';
import { assertResourcesUsable } from './resource-check';
import { isIP } from 'node:net';
import { AddressPolicy, checkAddress, checkWebhookUrl, WebhookAddressError } from '@darkroom/webhooks';

export interface CreateJobDeps {
  prisma: PrismaClient;
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
}

export interface CreateJobResult {
  job: Job;
  /** false when the requestId was seen before with the same body (the earlier job is answered). */
  created: boolean;
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

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';

interface LockedTenant {
  planId: string;
  maxConcurrentJobs: number;
  balance: number;
  /** Unfinished jobs (CREATED, PENDING, WAITING, RUNNING): what counts against maxConcurrentJobs. */
  active: number;
  /** A job with this requestId that a concurrent create committed while this one waited for the lock. */
  racedJobId: bigint | null;
}

/**
 * Locks the tenant's row for the rest of the creation transaction (the ledger locks it anyway), so that the
 * count of unfinished jobs and the insert are one atomic step per tenant: concurrent creates cannot overshoot
 * the limit. Statements after the lock see every create that committed before it was granted. Returns the plan,
 * the limit in force (the tenant's override, else the plan's), the balance and the unfinished jobs.
 */
async function lockTenant(tx: Tx, tenantId: string, requestId: string): Promise<LockedTenant> {
  const locked = await tx.$queryRaw<Array<{ planId: string; max: number; balance: string }>>`
    SELECT t."planId", COALESCE(t."maxConcurrentJobs", p."maxConcurrentJobs") AS max, t.balance::text AS balance
    FROM "Tenant" t JOIN "Plan" p ON p.id = t."planId" WHERE t.id = ${tenantId}::uuid FOR UPDATE OF t`;
  if (!locked.length) throw DomainError.unauthenticated('unknown tenant');
  const state = await tx.$queryRaw<Array<{ active: bigint; raced: bigint | null }>>`
    SELECT (SELECT count(*) FROM "Job" WHERE "tenantId" = ${tenantId}::uuid
              AND status IN ('CREATED', 'PENDING', 'WAITING', 'RUNNING')) AS active,
           (SELECT id FROM "Job" WHERE "tenantId" = ${tenantId}::uuid AND "requestId" = ${requestId}) AS raced`;
  return {
    planId: locked[0].planId,
    maxConcurrentJobs: locked[0].max,
    balance: Number(locked[0].balance),
    active: Number(state[0].active),
    racedJobId: state[0].raced,
  };
}

function assertBelowConcurrencyLimit(tenant: LockedTenant): void {
  if (tenant.active < tenant.maxConcurrentJobs) return;
  const message = `${tenant.active} jobs of this tenant are waiting or running; its plan allows ${tenant.maxConcurrentJobs} at once`;
  throw new DomainError(GrpcCode.RESOURCE_EXHAUSTED, message, [{ field: '', rule: 'max_concurrent_jobs', message }]);
}

/** Counts one use of each access key the job uses, checking again (atomically) that each is still usable. */
async function countAccessKeyUses(tx: Tx, resolved: ResolvedModel[]): Promise<void> {
  for (const keyId of new Set(resolved.map((m) => m.accessKeyId).filter((k): k is string => !!k))) {
    const counted = await tx.$executeRaw`
      UPDATE "ModelAccessKey" SET "usageCount" = "usageCount" + 1, "lastUsedAt" = now()
      WHERE id = ${keyId}::uuid AND "revokedAt" IS NULL AND ("expiresAt" IS NULL OR "expiresAt" > now())
        AND ("usageLimit" IS NULL OR "usageCount" < "usageLimit")`;
    if (counted === 1) continue;
    // Revoked, expired or used up since the check: say which, naming the first item it was sent for.
    const item = resolved.find((m) => m.accessKeyId === keyId) as ResolvedModel;
    const key = await tx.modelAccessKey.findUnique({ where: { id: keyId } });
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
 * POST /v1/jobs: validate → resolve models and check access (keys) → one transaction (lock the tenant, check its
 * concurrency limit, price with the table in force and its plan, count access-key uses, insert the job, reserve
 * its credits and access fees) → enqueue. Idempotent per (tenant, requestId).
 */
export async function createJob(deps: CreateJobDeps, tenant: TenantContext, body: unknown): Promise<CreateJobResult> {
  const parsed = parseCreateJobRequest(body);
  if (!parsed.ok) throw DomainError.invalid(parsed.issues);
  const req = parsed.value;
  const hash = requestHash(req);

  if (req.notifyUrl) assertNotifyUrl(req.notifyUrl, deps.webhookPolicy);

  const existing = await deps.prisma.job.findUnique({ where: { tenantId_requestId: { tenantId: tenant.id, requestId: req.requestId } } });
  if (existing) return sameRequestOrConflict(existing, hash);

  const resolved = await deps.models.resolve(tenant.id, collectModelRefs(req));
  const family = jobFamily(resolved);
  const sizeIssues = diffusionObjects(req).flatMap((d) => checkDiffusionSize(family, d.width, d.height, d.path));
  if (sizeIssues.length) throw DomainError.invalid(sizeIssues);
  await assertResourcesUsable(deps.prisma, tenant.id, req);
  const pool = poolForFamily(deps.pools, family);
  const table = deps.priceTable ?? (await (deps.prices ?? priceBookFor(deps.prisma)).current());
  const fees = accessFees(resolved);
  const checkpoint = resolved.find((m) => m.kind === 'checkpoint');

  const id = nextId();
  let job: Job;
  try {
    const outcome = await deps.prisma.$transaction(async (tx) => {
      const locked = await lockTenant(tx, tenant.id, req.requestId);
      if (locked.racedJobId !== null) return { job: await tx.job.findUniqueOrThrow({ where: { id: locked.racedJobId } }), raced: true };
      assertBelowConcurrencyLimit(locked);
      const price = priceJob(req.stages, table, locked.planId);
      const credits = roundCredits(price.credits + fees.reduce((sum, f) => sum + f.credits, 0));
      // Refused early (the reservation below checks again, exactly, with any expiring credits).
      if (credits > locked.balance) throw new InsufficientCreditsError(credits.toFixed(4), locked.balance.toFixed(4));
      await countAccessKeyUses(tx, resolved);
      const row = await tx.job.create({
        data: {
          id,
          tenantId: tenant.id,
          requestId: req.requestId,
          requestHash: hash,
          request: req as object,
          status: 'WAITING',
          pool,
          modelIds: resolved.map((m) => m.id.toString()),
          credits: credits.toFixed(4),
          priceVersion: price.version,
          notifyUrl: req.notifyUrl ?? null,
          maxAttempts: deps.maxAttempts,
        },
      });
      await reserveForJob(tx, tenant.id, id, Number(row.credits));
      await recordAccessFees(tx, id, fees);
      return { job: row, raced: false };
    }, TX_OPTIONS);
    if (outcome.raced) return sameRequestOrConflict(outcome.job, hash);
    job = outcome.job;
  } catch (e) {
    if (e instanceof InsufficientCreditsError) {
      throw new DomainError(GrpcCode.RESOURCE_EXHAUSTED, e.message, [{ field: '', rule: 'insufficient_credits', message: e.message }]);
    }
    if (isUniqueViolation(e)) {
      // Another request with the same requestId won the race: answer its job (or the conflict).
      const winner = await deps.prisma.job.findUnique({ where: { tenantId_requestId: { tenantId: tenant.id, requestId: req.requestId } } });
      if (winner) return sameRequestOrConflict(winner, hash);
    }
    throw e;
  }

  try {
    await deps.queue.enqueue({ pool, jobId: id.toString(), tenantId: tenant.id, weight: tenant.queueWeight, modelKey: checkpoint?.id.toString() });
  } catch (e) {
    // The job is safe in Postgres as WAITING; the reconciler puts it in the queue once Redis answers again.
    deps.log?.('enqueue failed; the reconciler will retry', { jobId: id.toString(), error: (e as Error).message });
  }
  return { job, created: true };
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
