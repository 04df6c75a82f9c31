import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { AdminPlansResponse, PlanView, TenantLimitsView } from '@darkroom/contracts';
import { impersonateRequestSchema, tenantPlanRequestSchema, tenantStatusRequestSchema } from '@darkroom/contracts';
import type { Plan } from '@darkroom/db';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export const planView = (p: Plan): PlanView => ({
  id: p.id,
  name: p.name,
  monthlyCredits: Number(p.monthlyCredits),
  rateLimitPerSec: p.rateLimitPerSec,
  maxConcurrentJobs: p.maxConcurrentJobs,
  queueWeight: p.queueWeight,
});

export function limitsView(t: { planId: string; rateLimitPerSec: number | null; maxConcurrentJobs: number | null; plan: Plan }): TenantLimitsView {
  return {
    planId: t.planId,
    rateLimitPerSec: t.rateLimitPerSec,
    maxConcurrentJobs: t.maxConcurrentJobs,
    effective: {
      rateLimitPerSec: t.rateLimitPerSec ?? t.plan.rateLimitPerSec,
      maxConcurrentJobs: t.maxConcurrentJobs ?? t.plan.maxConcurrentJobs,
      queueWeight: t.plan.queueWeight,
      monthlyCredits: Number(t.plan.monthlyCredits),
    },
  };
}

/** An operator's controls over one tenant: plan and limits, suspension, and the read-only view of its dashboard. */
@Injectable()
export class AdminTenantControlsService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async plans(): Promise<AdminPlansResponse> {
    return { plans: (await this.platform.prisma.plan.findMany({ orderBy: { createdAt: 'asc' } })).map(planView) };
  }

  async limits(tenantId: string): Promise<TenantLimitsView> {
    const t = UUID.test(tenantId) ? await this.platform.prisma.tenant.findUnique({ where: { id: tenantId }, include: { plan: true } }) : null;
    if (!t) throw DomainError.notFound(`tenant ${tenantId}`, 'tenantId');
    return limitsView(t);
  }

  /** Plan and per-tenant overrides (null = the plan's); in force within the API's short credential cache. */
  async setPlan(admin: DashboardUser, tenantId: string, body: unknown): Promise<TenantLimitsView> {
    const input = parseOrThrow(tenantPlanRequestSchema, body);
    await this.limits(tenantId);
    const { prisma, authenticator, log } = this.platform;
    if (!(await prisma.plan.findUnique({ where: { id: input.planId } }))) throw DomainError.notFound(`plan ${input.planId}`, 'planId');
    const t = await prisma.tenant.update({
      where: { id: tenantId },
      data: { planId: input.planId, rateLimitPerSec: input.rateLimitPerSec, maxConcurrentJobs: input.maxConcurrentJobs },
      include: { plan: true },
    });
    authenticator.forget();
    log.info({ adminUserId: admin.id, tenantId, ...input }, 'admin changed a tenant plan');
    return limitsView(t);
  }

  /**
   * Suspends or reactivates a tenant. A suspended tenant's keys and signatures are refused by the API, and its
   * dashboard cannot create jobs; jobs already waiting or running go on (cancel them from the live queue).
   */
  async setStatus(admin: DashboardUser, tenantId: string, body: unknown): Promise<{ tenantId: string; status: 'ACTIVE' | 'SUSPENDED' }> {
    const input = parseOrThrow(tenantStatusRequestSchema, body);
    await this.limits(tenantId);
    const { prisma, authenticator, log } = this.platform;
    const home = await prisma.user.findUnique({ where: { id: admin.id }, select: { tenantId: true } });
    if (input.status === 'SUSPENDED' && home?.tenantId === tenantId) {
      throw DomainError.failedPrecondition('you cannot suspend your own tenant', [{ field: 'status', rule: 'self', message: 'would lock you out' }]);
    }
    await prisma.tenant.update({ where: { id: tenantId }, data: { status: input.status } });
    authenticator.forget();
    log.warn({ adminUserId: admin.id, tenantId, status: input.status, reason: input.reason }, 'admin changed a tenant status');
    return { tenantId, status: input.status };
  }

  /** Checks the tenant an admin wants to view; the controller sets the session-bound cookie. */
  async impersonationTarget(admin: DashboardUser, body: unknown): Promise<{ tenantId: string; tenantName: string }> {
    const { tenantId } = parseOrThrow(impersonateRequestSchema, body);
    const t = await this.platform.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true, name: true } });
    if (!t) throw DomainError.notFound(`tenant ${tenantId}`, 'tenantId');
    this.platform.log.info({ adminUserId: admin.id, tenantId }, 'admin views a tenant read-only');
    return { tenantId: t.id, tenantName: t.name };
  }
}
