import { Inject, Injectable } from '@nestjs/common';
import type { BillingStatusResponse, LedgerResponse, OverviewResponse } from '@darkroom/contracts';
import { ledgerQuerySchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import { ledgerEntryView, tenantSummary } from '../dashboard.views';
import type { DashboardUser } from '../session/dashboard-session';

export const SPEND_DAYS = 14;
const WAITING_SHOWN = 20;

/** UTC days from `days - 1` days ago to today, as YYYY-MM-DD. */
export function lastDays(days: number, now = new Date()): string[] {
  const out: string[] = [];
  for (let i = days - 1; i >= 0; i--) out.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - i)).toISOString().slice(0, 10));
  return out;
}

/** The tenant's money and activity at a glance: balance, ledger, spend per day, jobs by status, queue places. */
@Injectable()
export class BalanceService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async overview(user: DashboardUser): Promise<OverviewResponse> {
    const { prisma, queue } = this.platform;
    const tenantId = user.tenantId;
    const days = lastDays(SPEND_DAYS);
    const [tenant, groups, spend, waiting] = await Promise.all([
      prisma.tenant.findUniqueOrThrow({ where: { id: tenantId }, include: { plan: true } }),
      prisma.job.groupBy({ by: ['status'], where: { tenantId }, _count: { _all: true } }),
      // Spend = what reserves took minus what refunds gave back, per UTC day.
      prisma.$queryRaw<Array<{ day: string; credits: string }>>`
        SELECT to_char(date_trunc('day', "createdAt" AT TIME ZONE 'UTC'), 'YYYY-MM-DD') AS day, (-SUM(amount))::text AS credits
        FROM "LedgerEntry"
        WHERE "tenantId" = ${tenantId}::uuid AND kind IN ('RESERVE', 'REFUND') AND "createdAt" >= ${new Date(`${days[0]}T00:00:00Z`)}
        GROUP BY 1`,
      prisma.job.findMany({ where: { tenantId, status: 'WAITING' }, orderBy: { id: 'asc' }, take: WAITING_SHOWN, select: { id: true, pool: true } }),
    ]);
    const byDay = new Map(spend.map((r) => [r.day, Number(r.credits)]));
    const jobsByStatus: Record<string, number> = {};
    for (const g of groups) jobsByStatus[g.status] = g._count._all;
    const positions = await Promise.all(waiting.map((j) => queue.position(j.pool, j.id.toString()).catch(() => null)));
    return {
      tenant: tenantSummary(tenant),
      jobsByStatus,
      spendByDay: days.map((day) => ({ day, credits: Math.max(0, byDay.get(day) ?? 0) })),
      waiting: waiting.map((j, i) => ({ jobId: j.id.toString(), pool: j.pool, queueRank: positions[i]?.rank ?? null, queueLen: positions[i]?.length ?? null })),
    };
  }

  async ledger(user: DashboardUser, query: unknown): Promise<LedgerResponse> {
    const q = parseOrThrow(ledgerQuerySchema, query);
    const { prisma } = this.platform;
    const [tenant, rows] = await Promise.all([
      prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, select: { balance: true } }),
      prisma.ledgerEntry.findMany({
        where: { tenantId: user.tenantId, ...(q.kind ? { kind: q.kind } : {}), ...(q.cursor ? { id: { lt: BigInt(q.cursor) } } : {}) },
        orderBy: { id: 'desc' },
        take: q.limit + 1,
      }),
    ]);
    const page = rows.slice(0, q.limit);
    return { balance: Number(tenant.balance), entries: page.map(ledgerEntryView), nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null };
  }

  /** Online purchases belong to the billing module; until it is wired here the page says so. */
  status(): BillingStatusResponse {
    return { purchasesEnabled: false };
  }
}
