import { Inject, Injectable } from '@nestjs/common';
import type { AdminFailuresResponse, FailureGroupView } from '@darkroom/contracts';
import { failuresQuerySchema } from '@darkroom/contracts';
import type { Prisma } from '@darkroom/db';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';

const REASONS_PER_CODE = 15;
const RECENT_SHOWN = 50;

/** Failed jobs of the last days: counted by error code and reason, the latest ones with their tenant and refund. */
@Injectable()
export class AdminFailuresService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async failures(query: unknown): Promise<AdminFailuresResponse> {
    const q = parseOrThrow(failuresQuerySchema, query);
    const { prisma } = this.platform;
    const where: Prisma.JobWhereInput = { status: 'FAILED', finishedAt: { gte: new Date(Date.now() - q.days * 86_400_000) } };
    if (q.code) where.failureCode = q.code;
    const [groups, recent] = await Promise.all([
      prisma.job.groupBy({ by: ['failureCode', 'failureReason'], where, _count: { _all: true }, _max: { finishedAt: true } }),
      prisma.job.findMany({ where, orderBy: { finishedAt: 'desc' }, take: RECENT_SHOWN, include: { tenant: { select: { name: true } } } }),
    ]);
    const refunds = recent.length
      ? await prisma.ledgerEntry.groupBy({ by: ['jobId'], where: { jobId: { in: recent.map((j) => j.id) }, kind: 'REFUND' }, _sum: { amount: true } })
      : [];
    const refundOf = new Map(refunds.map((r) => [r.jobId?.toString(), Number(r._sum.amount ?? 0)]));

    const byCode = new Map<string, FailureGroupView>();
    for (const g of groups) {
      const code = (g.failureCode ?? 'FATAL_ERROR') as FailureGroupView['code'];
      const group = byCode.get(code) ?? { code, count: 0, reasons: [] };
      group.count += g._count._all;
      group.reasons.push({ reason: g.failureReason || '(no reason given)', count: g._count._all, lastAt: (g._max.finishedAt ?? new Date(0)).toISOString() });
      byCode.set(code, group);
    }
    for (const g of byCode.values()) g.reasons = g.reasons.sort((a, b) => b.count - a.count || b.lastAt.localeCompare(a.lastAt)).slice(0, REASONS_PER_CODE);
    return {
      days: q.days,
      groups: [...byCode.values()].sort((a, b) => b.count - a.count),
      recent: recent.map((j) => ({
        jobId: j.id.toString(),
        tenantId: j.tenantId,
        tenantName: j.tenant.name,
        code: j.failureCode,
        reason: j.failureReason,
        attempts: j.attempts,
        credits: Number(j.credits),
        refunded: refundOf.get(j.id.toString()) ?? 0,
        finishedAt: j.finishedAt?.toISOString() ?? null,
      })),
    };
  }
}
