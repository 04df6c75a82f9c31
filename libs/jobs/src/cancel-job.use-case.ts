import { refundForJob } from '@darkroom/credits';
import { TX_OPTIONS, type PrismaClient } from '@darkroom/db';
import { findTenantJob } from './job-queries';
import type { CancelSignal, StatusNotifier, WaitQueue } from './ports';

export interface CancelJobDeps {
  prisma: PrismaClient;
  queue: WaitQueue;
  cancel: CancelSignal;
  notifier: StatusNotifier;
}

const CANCELABLE = ['CREATED', 'PENDING', 'WAITING', 'RUNNING'];

/**
 * DELETE /v1/jobs/{id}: a waiting or running job becomes CANCELED and its credits come back, in one transaction.
 * A waiting job leaves the queue at once; a running one stops at its worker's next step boundary (the worker's
 * own finish then finds the job no longer RUNNING and changes nothing). A finished job keeps its status.
 */
export async function cancelJob(deps: CancelJobDeps, tenantId: string, jobId: string): Promise<{ jobId: string; status: string }> {
  const job = await findTenantJob(deps.prisma, tenantId, jobId);
  const previous = await deps.prisma.$transaction(async (tx) => {
    const rows = await tx.$queryRaw<Array<{ status: string }>>`SELECT status::text FROM "Job" WHERE id = ${job.id} FOR UPDATE`;
    const status = rows[0]?.status;
    if (!status || !CANCELABLE.includes(status)) return null;
    await tx.job.update({
      where: { id: job.id },
      data: { status: 'CANCELED', cancelRequested: true, finishedAt: new Date(), leaseToken: null, leaseExpiresAt: null },
    });
    await refundForJob(tx, job.tenantId, job.id, Number(job.credits), 'canceled');
    return status;
  }, TX_OPTIONS);
  if (previous === null) {
    const now = await deps.prisma.job.findUniqueOrThrow({ where: { id: job.id }, select: { status: true } });
    return { jobId: job.id.toString(), status: now.status };
  }
  if (previous === 'RUNNING') await deps.cancel.requestCancel(job.id.toString());
  else await deps.queue.remove(job.pool, job.id.toString()).catch(() => false);
  await deps.notifier.jobStatusChanged(job);
  return { jobId: job.id.toString(), status: 'CANCELED' };
}
