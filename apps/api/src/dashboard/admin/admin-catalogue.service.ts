import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { AdminModelsResponse, AdminModelView, AdminPricesResponse, PriceVersionView } from '@darkroom/contracts';
import { adminModelsQuerySchema, modelVisibilityRequestSchema, publishPricesRequestSchema } from '@darkroom/contracts';
import type { PriceTableRecord } from '@darkroom/credits';
import type { Prisma } from '@darkroom/db';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';

const MODELS_SHOWN = 200;
/** The families a default checkpoint is kept for. */
export const MODEL_FAMILIES = ['SD1', 'SD2', 'SDXL'] as const;

type ModelRow = Prisma.ModelGetPayload<{ include: { owner: { select: { name: true } } } }>;

const modelView = (m: ModelRow): AdminModelView => ({
  id: m.id.toString(),
  name: m.name,
  modelType: m.modelType,
  baseModel: m.baseModel,
  visibility: m.visibility,
  isDefault: m.isDefault,
  ownerTenantId: m.ownerTenantId,
  ownerName: m.owner?.name ?? null,
  createdAt: m.createdAt.toISOString(),
});

const priceVersionView = (r: PriceTableRecord, current: string): PriceVersionView => ({ ...r.table, current: r.table.version === current, reason: r.reason, actor: r.actor, createdAt: r.createdAt.toISOString() });

/** The public model catalogue (moderation, a default checkpoint per family) and the price table. */
@Injectable()
export class AdminCatalogueService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async models(query: unknown): Promise<AdminModelsResponse> {
    const q = parseOrThrow(adminModelsQuerySchema, query);
    const { prisma } = this.platform;
    const where: Prisma.ModelWhereInput = q.scope === 'PUBLIC' ? { OR: [{ visibility: 'PUBLIC' }, { visibility: 'HIDDEN' }, { ownerTenantId: null }] } : {};
    if (q.q) where.AND = [{ OR: [{ name: { contains: q.q, mode: 'insensitive' } }, ...(/^\d{1,20}$/.test(q.q) ? [{ id: BigInt(q.q) }] : [])] }];
    const [rows, defaults] = await Promise.all([
      prisma.model.findMany({ where, include: { owner: { select: { name: true } } }, orderBy: [{ baseModel: 'asc' }, { name: 'asc' }], take: MODELS_SHOWN }),
      prisma.model.findMany({ where: { isDefault: true, modelType: 'CHECKPOINT' }, select: { id: true, baseModel: true }, orderBy: { createdAt: 'asc' } }),
    ]);
    const byFamily: Record<string, string | null> = Object.fromEntries(MODEL_FAMILIES.map((f) => [f, null]));
    for (const d of defaults) byFamily[d.baseModel] ??= d.id.toString();
    return { models: rows.map(modelView), defaults: byFamily };
  }

  /** Hides a model from everyone but its owner (moderation), or shows a hidden public one again. */
  async setVisibility(admin: DashboardUser, modelId: string, body: unknown): Promise<{ model: AdminModelView }> {
    const input = parseOrThrow(modelVisibilityRequestSchema, body);
    const model = await this.find(modelId);
    if (input.visibility === 'PUBLIC' && model.visibility === 'PRIVATE') {
      throw DomainError.failedPrecondition('a private model is published by its owner, not by an admin', [{ field: 'visibility', rule: 'owner_only', message: 'only the owner can publish a private model' }]);
    }
    if (input.visibility === 'HIDDEN' && model.isDefault) {
      throw DomainError.failedPrecondition(`"${model.name}" is the default ${model.baseModel} checkpoint; make another one the default first`, [{ field: 'visibility', rule: 'default', message: 'is a default checkpoint' }]);
    }
    const updated = await this.platform.prisma.model.update({ where: { id: model.id }, data: { visibility: input.visibility }, include: { owner: { select: { name: true } } } });
    this.platform.log.warn({ adminUserId: admin.id, modelId, visibility: input.visibility, reason: input.reason }, 'admin changed a model visibility');
    return { model: modelView(updated) };
  }

  /** Makes a public checkpoint the default of its family (the one jobs without sdModel of that family use). */
  async setDefault(admin: DashboardUser, modelId: string): Promise<{ model: AdminModelView }> {
    const model = await this.find(modelId);
    if (model.modelType !== 'CHECKPOINT' || model.visibility !== 'PUBLIC') {
      throw DomainError.failedPrecondition('only a public checkpoint can be a family default', [{ field: 'modelId', rule: 'public_checkpoint', message: `is a ${model.visibility.toLowerCase()} ${model.modelType.toLowerCase()}` }]);
    }
    const { prisma, log } = this.platform;
    const updated = await prisma.$transaction(async (tx) => {
      await tx.model.updateMany({ where: { baseModel: model.baseModel, modelType: 'CHECKPOINT', isDefault: true, NOT: { id: model.id } }, data: { isDefault: false } });
      return tx.model.update({ where: { id: model.id }, data: { isDefault: true }, include: { owner: { select: { name: true } } } });
    });
    log.info({ adminUserId: admin.id, modelId, family: model.baseModel }, 'admin set a default checkpoint');
    return { model: modelView(updated) };
  }

  async prices(): Promise<AdminPricesResponse> {
    const { prices } = this.platform;
    const [records, current] = await Promise.all([prices.list(), prices.current()]);
    return { current: current.version, versions: records.map((r) => priceVersionView(r, current.version)) };
  }

  /** A new price version, in force at once (jobs already created keep theirs); the admin's id is its actor. */
  async publishPrices(admin: DashboardUser, body: unknown): Promise<{ version: PriceVersionView }> {
    const input = parseOrThrow(publishPricesRequestSchema, body);
    const plans = new Set((await this.platform.prisma.plan.findMany({ select: { id: true } })).map((p) => p.id));
    const unknown = Object.keys(input.rates.planMultipliers).filter((p) => !plans.has(p));
    if (unknown.length) throw DomainError.invalid(unknown.map((p) => ({ field: `rates.planMultipliers.${p}`, rule: 'unknown_plan', message: `there is no plan "${p}"` })));
    const record = await this.platform.prices.publish(input.rates, { actor: admin.id, reason: input.reason });
    return { version: priceVersionView(record, record.table.version) };
  }

  private async find(modelId: string) {
    const model = /^\d{1,20}$/.test(modelId) ? await this.platform.prisma.model.findUnique({ where: { id: BigInt(modelId) } }) : null;
    if (!model) throw DomainError.notFound(`model ${modelId}`, 'modelId');
    return model;
  }
}
