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
import { InsufficientCreditsError, priceJob, PRICE_TABLE_V1, PriceTable, reserveForJob } from '@darkroom/credits';
import { nextId, PrismaClient } from '@darkroom/db';
import type { Job } from '@darkroom/db';
import { ModelResolver, ResolvedModel } from './model-resolver';
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
  priceTable?: PriceTable;
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

/**
 * POST /v1/jobs: validate → resolve models and access → price → one transaction (insert the job, reserve its
 * credits, count access-key uses) → enqueue. Idempotent per (tenant, requestId).
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
  const price = priceJob(req.stages, deps.priceTable ?? PRICE_TABLE_V1);
  const checkpoint = resolved.find((m) => m.kind === 'checkpoint');

  const id = nextId();
  let job: Job;
  try {
    job = await deps.prisma.$transaction(async (tx) => {
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
          credits: price.credits.toFixed(4),
          priceVersion: price.version,
          notifyUrl: req.notifyUrl ?? null,
          maxAttempts: deps.maxAttempts,
        },
      });
      await reserveForJob(tx, tenant.id, id, price.credits);
      for (const keyId of new Set(resolved.map((m) => m.accessKeyId).filter((k): k is string => !!k))) {
        const counted = await tx.$executeRaw`
          UPDATE "ModelAccessKey" SET "usageCount" = "usageCount" + 1, "lastUsedAt" = now()
          WHERE id = ${keyId}::uuid AND "revokedAt" IS NULL AND ("usageLimit" IS NULL OR "usageCount" < "usageLimit")`;
        if (counted !== 1) {
          const field = resolved.find((m) => m.accessKeyId === keyId)?.field ?? 'stages';
          throw new DomainError(GrpcCode.PERMISSION_DENIED, `${field}: the access key reached its usage limit`, [
            { field, rule: 'permission_denied', message: 'the access key reached its usage limit' },
          ]);
        }
      }
      return row;
    });
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
