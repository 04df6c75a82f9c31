import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { BillingStatusResponse, CheckoutResponse, LedgerFilter, LedgerResponse, OverviewResponse, PaymentsResponse } from '@darkroom/contracts';
import { checkoutRequestSchema, ledgerFilterSchema, ledgerQuerySchema } from '@darkroom/contracts';
import type { Prisma } from '@darkroom/db';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import { ledgerEntryView, tenantSummary } from '../dashboard.views';
import type { DashboardUser } from '../session/dashboard-session';
import { assertCanManageTenant } from '../session/roles';
import { csvHeader, csvLine } from './ledger-csv';

export const SPEND_DAYS = 14;
/** Rows a CSV export holds at most (read in pages of CSV_PAGE). */
export const CSV_MAX_ROWS = 100_000;
const CSV_PAGE = 1000;
const PAYMENTS_SHOWN = 100;

/** The ledger rows a filter selects: a kind, and UTC days from..to (both included). */
export function ledgerWhere(tenantId: string, f: { kind?: string; from?: string; to?: string }): Prisma.LedgerEntryWhereInput {
  const where: Prisma.LedgerEntryWhereInput = { tenantId };
  if (f.kind) where.kind = f.kind as Prisma.LedgerEntryWhereInput['kind'];
  if (f.from || f.to) {
    where.createdAt = {
      ...(f.from ? { gte: new Date(`${f.from}T00:00:00Z`) } : {}),
      ...(f.to ? { lt: new Date(new Date(`${f.to}T00:00:00Z`).getTime() + 86_400_000) } : {}),
    };
  }
  return where;
}

function checkDayRange(f: { from?: string; to?: string }): void {
  for (const field of ['from', 'to'] as const) {
    const v = f[field];
    if (v && Number.isNaN(new Date(`${v}T00:00:00Z`).getTime())) throw DomainError.invalid([{ field, rule: 'date', message: 'must be a real date' }]);
  }
  if (f.from && f.to && f.from > f.to) throw DomainError.invalid([{ field: 'to', rule: 'min', message: 'must not be before from' }]);
}
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
    checkDayRange(q);
    const { prisma } = this.platform;
    const where = ledgerWhere(user.tenantId, q);
    if (q.cursor) where.id = { lt: BigInt(q.cursor) };
    const [tenant, rows] = await Promise.all([
      prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, select: { balance: true } }),
      prisma.ledgerEntry.findMany({ where, orderBy: { id: 'desc' }, take: q.limit + 1 }),
    ]);
    const page = rows.slice(0, q.limit);
    return { balance: Number(tenant.balance), entries: page.map(ledgerEntryView), nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null };
  }

  /** The ledger as CSV lines (header first), newest first, with the page's filters; at most CSV_MAX_ROWS rows. */
  async *ledgerCsv(user: DashboardUser, query: unknown): AsyncGenerator<string> {
    const f: LedgerFilter = parseOrThrow(ledgerFilterSchema, query);
    checkDayRange(f);
    yield csvHeader();
    let before: bigint | undefined;
    for (let written = 0; written < CSV_MAX_ROWS; ) {
      const where = ledgerWhere(user.tenantId, f);
      if (before !== undefined) where.id = { lt: before };
      const rows = await this.platform.prisma.ledgerEntry.findMany({ where, orderBy: { id: 'desc' }, take: Math.min(CSV_PAGE, CSV_MAX_ROWS - written) });
      if (rows.length === 0) return;
      for (const e of rows) {
        yield csvLine({
          id: e.id.toString(),
          createdAt: e.createdAt.toISOString(),
          kind: e.kind,
          amount: e.amount.toString(),
          balanceAfter: e.balanceAfter.toString(),
          jobId: e.jobId?.toString() ?? '',
          paymentRef: e.paymentRef ?? '',
          actor: e.actor || (e.actorUserId ?? ''),
          reason: e.reason,
        });
      }
      written += rows.length;
      before = rows[rows.length - 1].id;
    }
  }

  /** Whether credits can be bought online here, and the packs for sale. */
  status(): BillingStatusResponse {
    const { configured, packs } = this.platform.billing.packs();
    return { purchasesEnabled: configured, packs: configured ? packs : [] };
  }

  /** A Stripe Checkout session for a pack (the billing module's), for the signed-in tenant. */
  async checkout(user: DashboardUser, body: unknown): Promise<CheckoutResponse> {
    assertCanManageTenant(user);
    const input = parseOrThrow(checkoutRequestSchema, body);
    const tenant = await this.platform.prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, select: { status: true } });
    if (tenant.status !== 'ACTIVE') throw DomainError.permissionDenied('this tenant is suspended');
    const session = await this.platform.billing.checkout(user.tenantId, input);
    if (!session.url) throw DomainError.unavailable('the payment provider gave no checkout page; try again');
    return { sessionId: session.sessionId, url: session.url };
  }

  async payments(user: DashboardUser): Promise<PaymentsResponse> {
    const rows = await this.platform.prisma.payment.findMany({ where: { tenantId: user.tenantId }, orderBy: { createdAt: 'desc' }, take: PAYMENTS_SHOWN });
    return {
      payments: rows.map((p) => ({
        id: p.id,
        pack: p.pack,
        credits: Number(p.credits),
        amountTotal: p.amountTotal,
        currency: p.currency,
        status: p.status,
        reversedCredits: Number(p.reversedCredits),
        createdAt: p.createdAt.toISOString(),
        paidAt: p.paidAt?.toISOString() ?? null,
      })),
    };
  }
}
