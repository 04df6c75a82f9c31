import { TX_OPTIONS, type PrismaClient } from '@darkroom/db';
import { applyLedgerChange } from './ledger';

/** "2026-11" for a date, in UTC. */
export const monthOf = (at: Date) => `${at.getUTCFullYear()}-${String(at.getUTCMonth() + 1).padStart(2, '0')}`;

/** The first instant of the month after `at`'s, in UTC. */
export const startOfNextMonth = (at: Date) => new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth() + 1, 1));

export const monthlyGrantKey = (tenantId: string, month: string) => `plan-grant:${tenantId}:${month}`;

/**
 * Plans' included credits: each active tenant whose plan includes credits gets them once per calendar month
 * (UTC), keyed by tenant and month, so running this hourly, twice or from two replicas grants once. They expire
 * at the start of the next month (included credits do not roll over; purchased credits never expire). A tenant
 * that changes plan mid-month gets the new plan's credits from the next month on.
 */
export async function grantMonthlyCredits(prisma: PrismaClient, at: Date = new Date(), batch = 500): Promise<{ month: string; granted: number; alreadyGranted: number }> {
  const month = monthOf(at);
  const expiresAt = startOfNextMonth(at);
  let granted = 0;
  let alreadyGranted = 0;
  let after: string | undefined;
  for (;;) {
    const tenants = await prisma.tenant.findMany({
      where: { status: 'ACTIVE', plan: { monthlyCredits: { gt: 0 } }, ...(after ? { id: { gt: after } } : {}) },
      include: { plan: true },
      orderBy: { id: 'asc' },
      take: batch,
    });
    for (const t of tenants) {
      const r = await prisma.$transaction((tx) =>
        applyLedgerChange(tx, {
          tenantId: t.id,
          kind: 'GRANT',
          amount: Number(t.plan.monthlyCredits),
          reason: `${t.plan.name} plan: included credits for ${month}`,
          actor: 'system:monthly-grant',
          idempotencyKey: monthlyGrantKey(t.id, month),
          expiresAt,
        }),
        TX_OPTIONS,
      );
      if (r.applied) granted++;
      else alreadyGranted++;
    }
    if (tenants.length < batch) break;
    after = tenants[tenants.length - 1].id;
  }
  return { month, granted, alreadyGranted };
}
