import { randomUUID } from 'node:crypto';
import { DomainError } from '@darkroom/contracts';
import {
  applyLedgerChange,
  checkAllLedgers,
  checkLedger,
  expireDueCredits,
  grantMonthlyCredits,
  InsufficientCreditsError,
  PriceBook,
  PriceTableRecord,
} from '@darkroom/credits';
import { TX_OPTIONS, type PrismaClient } from '@darkroom/db';
import { ledgerEntryView, LedgerEntryView } from '../billing/billing.service';
import { UUID_PATTERN, validateInput } from '../catalogue/validate-input';
import { ADMIN_TOKEN_ACTOR } from './admin-token.guard';
import { adminCreditChangeSchema, ledgerPageSchema, planSchema, publishPricesSchema, tenantPlanSchema } from './admin.schemas';
import { planView } from '../dashboard/admin/admin-tenant-controls.service';

const PLAN_ID = /^[A-Za-z0-9_-]{1,64}$/;


const priceVersionView = (r: PriceTableRecord, current: string) => ({ ...r.table, current: r.table.version === current, reason: r.reason, actor: r.actor, createdAt: r.createdAt.toISOString() });

/** Admin operations on credits, plans and prices. Every ledger change carries the admin actor and a reason. */
export class AdminService {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly prices: PriceBook,
    /** Called after a tenant's plan or limits change (drops cached credentials that carry the old limits). */
    private readonly onTenantLimitsChanged: () => void = () => undefined,
  ) {}

  /** Grants or takes credits (ADJUSTMENT below 0, never below a zero balance); idempotent with a key. */
  async changeCredits(tenantId: string, body: unknown) {
    const input = validateInput(adminCreditChangeSchema, body);
    await this.tenant(tenantId);
    const idempotencyKey = `admin:${input.idempotencyKey ?? randomUUID()}`;
    try {
      const result = await this.prisma.$transaction((tx) =>
        applyLedgerChange(tx, {
          tenantId,
          kind: input.kind ?? (input.amount > 0 ? 'GRANT' : 'ADJUSTMENT'),
          amount: input.amount,
          reason: input.reason,
          actor: ADMIN_TOKEN_ACTOR,
          idempotencyKey,
          expiresAt: input.expiresAt ? new Date(input.expiresAt) : undefined,
        }),
        TX_OPTIONS,
      );
      const entry = await this.prisma.ledgerEntry.findUniqueOrThrow({ where: { idempotencyKey } });
      if (entry.tenantId !== tenantId) throw DomainError.alreadyExists('idempotencyKey was used for another tenant', [{ field: 'idempotencyKey', rule: 'idempotency', message: 'already used' }]);
      return { applied: result.applied, balance: Number(result.balanceAfter), entry: ledgerEntryView(entry) };
    } catch (e) {
      if (e instanceof InsufficientCreditsError) {
        throw DomainError.failedPrecondition(`the balance is ${e.available}; it cannot go below 0`, [{ field: 'amount', rule: 'min', message: `must not take more than the balance (${e.available})` }]);
      }
      throw e;
    }
  }

  async ledger(tenantId: string, query: unknown): Promise<{ entries: LedgerEntryView[]; nextBefore: string | null }> {
    const q = validateInput(ledgerPageSchema, query);
    await this.tenant(tenantId);
    const rows = await this.prisma.ledgerEntry.findMany({ where: { tenantId, ...(q.before ? { id: { lt: BigInt(q.before) } } : {}) }, orderBy: { id: 'desc' }, take: q.limit });
    return { entries: rows.map(ledgerEntryView), nextBefore: rows.length === q.limit ? rows[rows.length - 1].id.toString() : null };
  }

  checkLedger(tenantId: string) {
    return this.tenant(tenantId).then(() => checkLedger(this.prisma, tenantId));
  }

  async checkAllLedgers() {
    const result = await checkAllLedgers(this.prisma);
    return { ok: result.failures.length === 0, ...result };
  }

  async setTenantPlan(tenantId: string, body: unknown) {
    const input = validateInput(tenantPlanSchema, body);
    await this.tenant(tenantId);
    if (!(await this.prisma.plan.findUnique({ where: { id: input.planId } }))) throw DomainError.notFound(`plan ${input.planId}`, 'planId');
    const t = await this.prisma.tenant.update({
      where: { id: tenantId },
      data: { planId: input.planId, maxConcurrentJobs: input.maxConcurrentJobs, rateLimitPerSec: input.rateLimitPerSec },
      include: { plan: true },
    });
    this.onTenantLimitsChanged();
    return { tenantId, plan: planView(t.plan), maxConcurrentJobs: t.maxConcurrentJobs, rateLimitPerSec: t.rateLimitPerSec };
  }

  async plans() {
    return { plans: (await this.prisma.plan.findMany({ orderBy: { createdAt: 'asc' } })).map(planView) };
  }

  /** Creates or changes a plan (limits apply to its tenants within seconds: credentials are cached briefly). */
  async putPlan(planId: string, body: unknown) {
    if (!PLAN_ID.test(planId)) throw DomainError.invalid([{ field: 'planId', rule: 'pattern', message: 'plan ids are 1-64 characters of [A-Za-z0-9_-]' }]);
    const input = validateInput(planSchema, body);
    const data = { ...input, monthlyCredits: input.monthlyCredits.toFixed(4) };
    const plan = await this.prisma.plan.upsert({ where: { id: planId }, update: data, create: { id: planId, ...data } });
    this.onTenantLimitsChanged();
    return { plan: planView(plan) };
  }

  async priceVersions() {
    const [records, current] = await Promise.all([this.prices.list(), this.prices.current()]);
    return { current: current.version, versions: records.map((r) => priceVersionView(r, current.version)) };
  }

  /** A new price version, in force from now on (jobs already created keep theirs). */
  async publishPrices(body: unknown) {
    const input = validateInput(publishPricesSchema, body);
    const record = await this.prices.publish(input.rates, { actor: ADMIN_TOKEN_ACTOR, reason: input.reason });
    return { version: priceVersionView(record, record.table.version) };
  }

  grantMonthlyCredits() {
    return grantMonthlyCredits(this.prisma, new Date());
  }

  expireCredits() {
    return expireDueCredits(this.prisma, new Date());
  }

  /** Payments flagged by refunds or disputes that could not take back every credit, newest first. */
  async flaggedPayments() {
    const rows = await this.prisma.payment.findMany({ where: { flagged: true }, orderBy: { updatedAt: 'desc' }, take: 200 });
    return {
      payments: rows.map((p) => ({
        id: p.id,
        tenantId: p.tenantId,
        checkoutSessionId: p.checkoutSessionId,
        pack: p.pack,
        credits: Number(p.credits),
        reversedCredits: Number(p.reversedCredits),
        status: p.status,
        flagReason: p.flagReason,
        updatedAt: p.updatedAt.toISOString(),
      })),
    };
  }

  private async tenant(tenantId: string): Promise<void> {
    const found = UUID_PATTERN.test(tenantId) && (await this.prisma.tenant.findUnique({ where: { id: tenantId }, select: { id: true } }));
    if (!found) throw DomainError.notFound(`tenant ${tenantId}`, 'tenantId');
  }
}
