import { DomainError, GrpcCode } from '@darkroom/contracts';
import { parseId, PrismaClient } from '@darkroom/db';

/** A tenant's job by its API id; any other tenant's job, or a malformed id, is NOT_FOUND. */
export async function findTenantJob(prisma: PrismaClient, tenantId: string, jobId: string, withOutputs = false) {
  const id = parseId(jobId);
  const job = id === null ? null : await prisma.job.findFirst({ where: { id, tenantId }, include: { outputs: withOutputs } });
  if (!job) throw new DomainError(GrpcCode.NOT_FOUND, `job ${jobId} not found`, [{ field: 'jobId', rule: 'not_found', message: `no job ${jobId}` }]);
  return job;
}
