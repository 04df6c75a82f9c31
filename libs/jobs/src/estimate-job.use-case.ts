import { DomainError, parseEstimateRequest } from '@darkroom/contracts';
import { quoteForTenant } from '@darkroom/credits';
import type { PrismaClient } from '@darkroom/db';

/**
 * POST /v1/jobs/credits (and the dashboard's estimate): what the job would cost this tenant, by the price table
 * in force and the tenant's plan — the same function job creation charges with.
 */
export async function estimateJob(prisma: PrismaClient, tenantId: string, body: unknown): Promise<{ credits: number }> {
  const parsed = parseEstimateRequest(body);
  if (!parsed.ok) throw DomainError.invalid(parsed.issues);
  return { credits: (await quoteForTenant(prisma, tenantId, parsed.value.stages)).credits };
}
