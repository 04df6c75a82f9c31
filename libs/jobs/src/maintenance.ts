import { refundForJob } from '@darkroom/credits';
import { TX_OPTIONS, type PrismaClient } from '@darkroom/db';
import type { StatusNotifier, WaitQueue } from './ports';

export interface MaintenanceDeps {
  prisma: PrismaClient;
  queue: WaitQueue;
  notifier: StatusNotifier;
  /** Queue weight of a tenant (from its plan). */
  weightOf: (tenantId: string) => Promise<number>;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * Jobs whose worker stopped heartbeating (killed, partitioned, stuck): back to WAITING and into the queue,
 * ahead of newer work, while attempts remain; FAILED with TRANSITORY_ERROR and refunded after the last one.
 */
export async function reapExpiredLeases(deps: MaintenanceDeps, batch = 100): Promise<{ requeued: number; failed: number }> {
  const expired = await deps.prisma.job.findMany({
    where: { status: 'RUNNING', leaseExpiresAt: { lt: new Date() } },
    select: { id: true },
    take: batch,
  });
  let requeued = 0;
  let failed = 0;
  for (const { id } of expired) {
    const outcome = await deps.prisma.$transaction(async (tx) => {
      const rows = await tx.job.findMany({ where: { id, status: 'RUNNING', leaseExpiresAt: { lt: new Date() } } });
      if (!rows.length) return null; // heartbeat came back, or another reaper got it
      const job = rows[0];
      if (job.attempts >= job.maxAttempts) {
        await tx.job.update({
          where: { id },
          data: {
            status: 'FAILED',
            failureCode: 'TRANSITORY_ERROR',
            failureReason: `the worker running the job stopped responding (${job.attempts} of ${job.maxAttempts} attempts used)`,
            finishedAt: new Date(),
            leaseToken: null,
            leaseExpiresAt: null,
          },
        });
        await refundForJob(tx, job.tenantId, job.id, Number(job.credits), 'failed: TRANSITORY_ERROR');
        return { job, status: 'FAILED' as const };
      }
      await tx.job.update({ where: { id }, data: { status: 'WAITING', leaseToken: null, leaseExpiresAt: null, leaseWorker: null } });
      return { job, status: 'WAITING' as const };
    }, TX_OPTIONS);
    if (!outcome) continue;
    if (outcome.status === 'WAITING') {
      requeued++;
      const { job } = outcome;
      await deps.queue.requeue({ pool: job.pool, jobId: job.id.toString(), tenantId: job.tenantId, weight: await deps.weightOf(job.tenantId), modelKey: job.modelIds[0] });
    } else {
      failed++;
    }
    await deps.notifier.jobStatusChanged(outcome.job);
    deps.log?.('reaped an expired lease', { jobId: id.toString(), status: outcome.status });
  }
  return { requeued, failed };
}

export interface ReconcileOptions {
  /** Jobs created or released less than this long ago are left alone: their enqueue may be in flight (default 5 s). */
  graceMs?: number;
  pageSize?: number;
  /** How often every waiting job is checked, not only those that changed since the last tick (default 60 s). */
  fullCheckEveryMs?: number;
  now?: number;
}

/**
 * Jobs that Postgres has as WAITING but the Redis queue does not hold (Redis restarted or was flushed, an
 * enqueue failed after its commit): put them back.
 *
 * A tick checks the waiting jobs that changed since the previous tick (from its cutoff less one grace period, for
 * the clocks of API replicas and the database), not the whole backlog: with 100,000 jobs waiting, checking all of
 * them every 5 s costs a page query per 500 jobs and holds up the API's event loop. Every job is checked when the
 * progress marker is missing (it is kept with the queue's data, so a queue that lost its jobs loses it too) and
 * every `fullCheckEveryMs`, for the rarer losses that leave the marker (a worker that died between taking a job from
 * the queue and leasing it in Postgres).
 */
export async function reconcileWaitingJobs(deps: MaintenanceDeps, options: ReconcileOptions = {}): Promise<number> {
  const graceMs = options.graceMs ?? 5000;
  const pageSize = options.pageSize ?? 500;
  const now = options.now ?? Date.now();
  const cutoff = now - graceMs;
  const progress = await deps.queue.reconcileProgress();
  // The progress to go on from, or null when this tick checks every waiting job.
  const since = progress && now - progress.fullCheckAt < (options.fullCheckEveryMs ?? 60_000) ? progress : null;
  const updatedAt = { lt: new Date(cutoff), ...(since ? { gte: new Date(since.checkedUntil - graceMs) } : {}) };
  let restored = 0;
  let after: bigint | undefined;
  for (;;) {
    const page = await deps.prisma.job.findMany({
      where: { status: 'WAITING', updatedAt, ...(after !== undefined ? { id: { gt: after } } : {}) },
      select: { id: true, pool: true, tenantId: true, modelIds: true },
      orderBy: { id: 'asc' },
      take: pageSize,
    });
    // One membership check per pool and page, not one per job: the backlog can hold many thousands.
    const waiting = new Set<bigint>();
    for (const pool of new Set(page.map((j) => j.pool))) {
      const ids = page.filter((j) => j.pool === pool).map((j) => j.id);
      const found = await deps.queue.containsMany(pool, ids.map(String));
      ids.forEach((id, i) => found[i] && waiting.add(id));
    }
    for (const job of page) {
      if (waiting.has(job.id)) continue;
      const added = await deps.queue.requeue({ pool: job.pool, jobId: job.id.toString(), tenantId: job.tenantId, weight: await deps.weightOf(job.tenantId), modelKey: job.modelIds[0] });
      if (added) restored++;
    }
    if (page.length < pageSize) break;
    after = page[page.length - 1].id;
  }
  await deps.queue.setReconcileProgress({ checkedUntil: cutoff, fullCheckAt: since ? since.fullCheckAt : now });
  if (restored) deps.log?.('restored waiting jobs missing from the queue', { restored, full: !since });
  return restored;
}
