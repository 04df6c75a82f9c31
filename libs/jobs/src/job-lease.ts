import { randomUUID } from 'node:crypto';
import { accessFeeTotal, partialRefundCredits, refundForJob, settleForJob } from '@darkroom/credits';
import { Prisma, TX_OPTIONS, type Job, type PrismaClient } from '@darkroom/db';
import type { JobProgress } from './job-view';

/**
 * A worker's hold on a job. Postgres is the authority: the row carries a fencing token and an expiry that
 * heartbeats extend. Every write of the worker is conditional on its token, so a worker that lost its lease
 * (it stalled, the reaper gave the job to another) cannot change the job any more.
 */
export interface Lease {
  job: Job;
  token: string;
}

export interface NewOutput {
  kind: 'IMAGE' | 'VIDEO';
  stageIndex: number;
  index: number;
  storageKey: string;
  format: string;
  width: number;
  height: number;
  frames?: number;
  bytes: number;
  seed: bigint;
}

/** WAITING → RUNNING for this worker, or null if the job is no longer waiting (canceled, taken twice). */
export async function claimJob(prisma: PrismaClient, jobId: bigint, workerId: string, ttlMs: number): Promise<Lease | null> {
  const token = randomUUID();
  const expires = new Date(Date.now() + ttlMs);
  const updated = await prisma.job.updateManyAndReturn({
    where: { id: jobId, status: 'WAITING' },
    data: { status: 'RUNNING', leaseToken: token, leaseWorker: workerId, leaseExpiresAt: expires, attempts: { increment: 1 }, startedAt: new Date() },
  });
  return updated.length ? { job: updated[0], token } : null;
}

/** Extends the lease (and saves progress). false = the lease is gone: canceled, or taken back by the reaper. */
export async function heartbeat(prisma: PrismaClient, lease: Lease, ttlMs: number, progress?: JobProgress): Promise<boolean> {
  const n = await prisma.job.updateMany({
    where: { id: lease.job.id, leaseToken: lease.token, status: 'RUNNING' },
    data: { leaseExpiresAt: new Date(Date.now() + ttlMs), ...(progress ? { progress: progress as object } : {}) },
  });
  return n.count === 1;
}

/** RUNNING → SUCCESS with the outputs, settling the reserved credits, in one transaction. false = lease lost. */
export async function completeJob(prisma: PrismaClient, lease: Lease, outputs: NewOutput[]): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const n = await tx.job.updateMany({
      where: { id: lease.job.id, leaseToken: lease.token, status: 'RUNNING' },
      data: { status: 'SUCCESS', finishedAt: new Date(), leaseToken: null, leaseExpiresAt: null, progress: Prisma.DbNull },
    });
    if (n.count !== 1) return false;
    await tx.jobOutput.createMany({
      data: outputs.map((o) => ({ ...o, frames: o.frames ?? null, jobId: lease.job.id, tenantId: lease.job.tenantId })),
    });
    await settleForJob(tx, lease.job.tenantId, lease.job.id);
    return true;
  });
}

/**
 * RUNNING → SUCCESS when only `succeeded` of the `requested` images were made: the outputs are stored, the
 * reservation is settled and the share of the missing images refunded (partialRefundCredits: the price's
 * share, access fees kept), all in one transaction and each at most once. None made is a failure (FATAL_ERROR,
 * full refund); all made is completeJob. `why` (what went wrong with the missing images) is kept as the job's
 * failureReason, or is the failure's reason. false = lease lost (canceled meanwhile: the cancel refunded it all).
 */
export async function completeJobPartially(
  prisma: PrismaClient,
  lease: Lease,
  outputs: NewOutput[],
  images: { requested: number; succeeded: number },
  why?: string,
): Promise<boolean> {
  const missing = `${images.requested - Math.max(0, images.succeeded)} of ${images.requested} images could not be made`;
  if (images.succeeded <= 0) return failJob(prisma, lease, 'FATAL_ERROR', why ? `none of the ${images.requested} images could be made: ${why}` : `none of the ${images.requested} images could be made`);
  if (images.succeeded >= images.requested) return completeJob(prisma, lease, outputs);
  return prisma.$transaction(async (tx) => {
    const n = await tx.job.updateMany({
      where: { id: lease.job.id, leaseToken: lease.token, status: 'RUNNING' },
      data: {
        status: 'SUCCESS',
        finishedAt: new Date(),
        leaseToken: null,
        leaseExpiresAt: null,
        progress: Prisma.DbNull,
        failureReason: (why ? `${missing}: ${why}` : missing).slice(0, 2000),
      },
    });
    if (n.count !== 1) return false;
    await tx.jobOutput.createMany({
      data: outputs.map((o) => ({ ...o, frames: o.frames ?? null, jobId: lease.job.id, tenantId: lease.job.tenantId })),
    });
    await settleForJob(tx, lease.job.tenantId, lease.job.id);
    const refund = partialRefundCredits({ credits: Number(lease.job.credits), fees: await accessFeeTotal(tx, lease.job.id), ...images });
    if (refund > 0) {
      await refundForJob(tx, lease.job.tenantId, lease.job.id, refund, `partial: ${images.succeeded} of ${images.requested} images made`);
    }
    return true;
  }, TX_OPTIONS);
}

/** RUNNING → FAILED with a reason, refunding the credits, in one transaction. false = lease lost. */
export async function failJob(prisma: PrismaClient, lease: Lease, code: 'FATAL_ERROR' | 'TRANSITORY_ERROR', reason: string): Promise<boolean> {
  return prisma.$transaction(async (tx) => {
    const n = await tx.job.updateMany({
      where: { id: lease.job.id, leaseToken: lease.token, status: 'RUNNING' },
      data: { status: 'FAILED', failureCode: code, failureReason: reason.slice(0, 2000), finishedAt: new Date(), leaseToken: null, leaseExpiresAt: null },
    });
    if (n.count !== 1) return false;
    await refundForJob(tx, lease.job.tenantId, lease.job.id, Number(lease.job.credits), `failed: ${code}`);
    return true;
  });
}

/**
 * Gives a job back after a transient failure or a shutdown: WAITING again while attempts remain, else FAILED
 * with TRANSITORY_ERROR and refunded. Returns the new status, or null if the lease was already lost.
 */
export async function releaseJob(prisma: PrismaClient, lease: Lease, reason: string, countAttempt = true): Promise<'WAITING' | 'FAILED' | null> {
  return prisma.$transaction(async (tx) => {
    const rows = await tx.job.findMany({ where: { id: lease.job.id, leaseToken: lease.token, status: 'RUNNING' }, select: { attempts: true, maxAttempts: true } });
    if (!rows.length) return null;
    const attempts = countAttempt ? rows[0].attempts : rows[0].attempts - 1;
    if (attempts >= rows[0].maxAttempts) {
      await tx.job.update({
        where: { id: lease.job.id },
        data: { status: 'FAILED', failureCode: 'TRANSITORY_ERROR', failureReason: `${reason} (after ${attempts} attempts)`, finishedAt: new Date(), leaseToken: null, leaseExpiresAt: null },
      });
      await refundForJob(tx, lease.job.tenantId, lease.job.id, Number(lease.job.credits), 'failed: TRANSITORY_ERROR');
      return 'FAILED';
    }
    await tx.job.update({ where: { id: lease.job.id }, data: { status: 'WAITING', attempts, leaseToken: null, leaseExpiresAt: null, leaseWorker: null, progress: Prisma.DbNull } });
    return 'WAITING';
  });
}
