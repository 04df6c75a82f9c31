import type { PrismaClient } from '@darkroom/db';

/**
 * A tenant's queue weight (its plan's), looked up once per process: requeues after a lost lease or a transient
 * failure need it, and it is the same for every job of the tenant.
 */
export function tenantWeightLookup(prisma: PrismaClient): (tenantId: string) => Promise<number> {
  const weights = new Map<string, number>();
  return async (tenantId) => {
    let weight = weights.get(tenantId);
    if (weight === undefined) {
      const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { plan: true } });
      weight = tenant?.plan.queueWeight ?? 1;
      weights.set(tenantId, weight);
    }
    return weight;
  };
}
