import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import { applyLedgerChange, InsufficientCreditsError } from '@darkroom/credits';
import { parseId, type Prisma } from '@darkroom/db';
import { cancelJob } from '@darkroom/jobs';
import type { AdminQueueResponse, AdminTenantResponse, AdminTenantRow, AdminTenantsResponse, GrantCreditsResponse, QueuePoolView } from '@darkroom/contracts';
import { grantCreditsRequestSchema, tenantsQuerySchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import { ledgerEntryView, tenantSummary, userView } from '../dashboard.views';
import type { DashboardUser } from '../session/dashboard-session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TENANTS_SHOWN = 50;
const QUEUE_HEAD = 50;

const tenantInclude = { plan: true, users: { select: { id: true, email: true, role: true }, orderBy: { createdAt: 'asc' } }, _count: { select: { jobs: true } } } as const;
type TenantWithUsers = Prisma.TenantGetPayload<{ include: typeof tenantInclude }>;

function tenantRow(t: TenantWithUsers): AdminTenantRow {
  return { ...tenantSummary(t), createdAt: t.createdAt.toISOString(), users: t.users.map(userView), jobCount: t._count.jobs };
}

/** The operators' pages: every tenant (search, credits) and the live queue. Callers are checked by AdminGuard. */
@Injectable()
export class AdminService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  /** Tenants whose name or a user's email contains `q`, or whose id is `q`; newest first. */
  async tenants(query: unknown): Promise<AdminTenantsResponse> {
    const { q } = parseOrThrow(tenantsQuerySchema, query);
    const where: Prisma.TenantWhereInput = q
      ? {
          OR: [
            { name: { contains: q, mode: 'insensitive' } },
            { users: { some: { email: { contains: q, mode: 'insensitive' } } } },
            ...(UUID.test(q) ? [{ id: q.toLowerCase() }] : []),
          ],
        }
      : {};
    const rows = await this.platform.prisma.tenant.findMany({ where, include: tenantInclude, orderBy: { createdAt: 'desc' }, take: TENANTS_SHOWN });
    return { tenants: rows.map(tenantRow) };
  }

  async tenant(tenantId: string): Promise<AdminTenantResponse> {
    const { prisma } = this.platform;
    const t = UUID.test(tenantId) ? await prisma.tenant.findUnique({ where: { id: tenantId }, include: tenantInclude }) : null;
    if (!t) throw DomainError.notFound(`tenant ${tenantId}`, 'tenantId');
    const [ledger, groups] = await Promise.all([
      prisma.ledgerEntry.findMany({ where: { tenantId: t.id }, orderBy: { id: 'desc' }, take: 50 }),
      prisma.job.groupBy({ by: ['status'], where: { tenantId: t.id }, _count: { _all: true } }),
    ]);
    const jobsByStatus: Record<string, number> = {};
    for (const g of groups) jobsByStatus[g.status] = g._count._all;
    return { tenant: tenantRow(t), ledger: ledger.map(ledgerEntryView), jobsByStatus };
  }

  /** A grant (positive) or a correction (negative, never below 0), with the admin's id and reason on the ledger row. */
  async grantCredits(admin: DashboardUser, tenantId: string, body: unknown): Promise<GrantCreditsResponse> {
    const input = parseOrThrow(grantCreditsRequestSchema, body);
    const { prisma } = this.platform;
    if (!UUID.test(tenantId) || !(await prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }))) {
      throw DomainError.notFound(`tenant ${tenantId}`, 'tenantId');
    }
    const idempotencyKey = `admin:${input.idempotencyKey ?? randomUUID()}`;
    try {
      const result = await prisma.$transaction((tx) =>
        applyLedgerChange(tx, {
          tenantId,
          kind: input.amount > 0 ? 'GRANT' : 'ADJUSTMENT',
          amount: input.amount,
          reason: input.reason,
          idempotencyKey,
          actorUserId: admin.id,
        }),
      );
      const entry = await prisma.ledgerEntry.findUnique({ where: { idempotencyKey } });
      return { applied: result.applied, balanceAfter: Number(result.balanceAfter), entry: entry && entry.tenantId === tenantId ? ledgerEntryView(entry) : null };
    } catch (e) {
      if (e instanceof InsufficientCreditsError) {
        throw DomainError.failedPrecondition(`the balance is ${e.available}; it cannot go below 0`, [{ field: 'amount', rule: 'min', message: `must not take more than the balance (${e.available})` }]);
      }
      throw e;
    }
  }

  /** Cancels any tenant's job (waiting or running) with the usual refund. */
  async cancelJob(admin: DashboardUser, jobId: string): Promise<{ jobId: string; status: string }> {
    const { prisma, queue, cancel, notifier, log } = this.platform;
    const job = await this.findJob(jobId);
    const result = await cancelJob({ prisma, queue, cancel, notifier }, job.tenantId, jobId);
    log.warn({ adminUserId: admin.id, jobId, tenantId: job.tenantId }, 'admin canceled a job');
    return result;
  }

  /** Moves a waiting job to the front of its pool's queue (it is taken next, ahead of the fair order). */
  async prioritizeJob(admin: DashboardUser, jobId: string): Promise<{ jobId: string; rank: number | null }> {
    const { queue, log } = this.platform;
    const job = await this.findJob(jobId);
    const id = job.id.toString();
    if (!(await queue.fair.promote(job.pool, id))) {
      throw DomainError.failedPrecondition(`job ${jobId} is not waiting in the ${job.pool} queue (status ${job.status})`, [{ field: 'jobId', rule: 'not_waiting', message: 'is not waiting' }]);
    }
    log.warn({ adminUserId: admin.id, jobId, tenantId: job.tenantId }, 'admin moved a job to the front of the queue');
    const position = await queue.position(job.pool, id).catch(() => null);
    return { jobId: id, rank: position?.rank ?? null };
  }

  private async findJob(jobId: string) {
    const id = parseId(jobId);
    const job = id === null ? null : await this.platform.prisma.job.findUnique({ where: { id }, select: { id: true, tenantId: true, pool: true, status: true } });
    if (!job) throw DomainError.notFound(`job ${jobId}`, 'jobId');
    return job;
  }

  /** Per pool: waiting jobs in the order workers take them, the share of each tenant, and the running jobs. */
  async queue(): Promise<AdminQueueResponse> {
    const { config, queue, prisma } = this.platform;
    const fair = queue.fair;
    const pools = Object.entries(config.POOLS);
    const perPool = await Promise.all(
      pools.map(async ([pool]) => {
        const [length, counts, head, running] = await Promise.all([
          fair.length(pool),
          fair.countByTenant(pool),
          fair.list(pool, 0, QUEUE_HEAD),
          prisma.job.findMany({ where: { pool, status: 'RUNNING' }, orderBy: { startedAt: 'asc' }, take: 200, select: { id: true, tenantId: true, leaseWorker: true, startedAt: true } }),
        ]);
        return { pool, length, counts, head, running };
      }),
    );
    const tenantIds = new Set<string>();
    for (const p of perPool) {
      Object.keys(p.counts).forEach((t) => tenantIds.add(t));
      p.head.forEach((j) => tenantIds.add(j.tenantId));
      p.running.forEach((j) => tenantIds.add(j.tenantId));
    }
    const validIds = [...tenantIds].filter((id) => UUID.test(id));
    const names = new Map((await prisma.tenant.findMany({ where: { id: { in: validIds } }, select: { id: true, name: true } })).map((t) => [t.id, t.name]));
    const nameOf = (id: string) => names.get(id) ?? '(unknown tenant)';
    const views: QueuePoolView[] = perPool.map((p, i) => ({
      pool: p.pool,
      families: [...pools[i][1]],
      length: p.length,
      byTenant: Object.entries(p.counts)
        .map(([tenantId, waiting]) => ({ tenantId, tenantName: nameOf(tenantId), waiting }))
        .sort((a, b) => b.waiting - a.waiting),
      head: p.head.map((j) => ({ rank: j.rank, jobId: j.jobId, tenantId: j.tenantId, tenantName: nameOf(j.tenantId), modelKey: j.modelKey })),
      running: p.running.map((j) => ({ jobId: j.id.toString(), tenantId: j.tenantId, tenantName: nameOf(j.tenantId), worker: j.leaseWorker, startedAt: j.startedAt?.toISOString() ?? null })),
    }));
    return { pools: views };
  }
}
