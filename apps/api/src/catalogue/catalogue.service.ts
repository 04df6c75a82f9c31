import { DomainError, GrpcCode, type ModelAccessKeyView, type ModelUploadStatus, type OwnModelView } from '@darkroom/contracts';
import { nextId, parseId, Prisma, type Model, type ModelAccessKey, type PrismaClient } from '@darkroom/db';
import { accessKeyProblem, hashAccessKey } from '@darkroom/jobs';
import { generateAccessKey } from './access-key-codec';
import { mintAccessKeySchema, registerModelSchema, updateModelSchema } from './catalogue.schemas';
import { UUID_PATTERN, validateInput } from './validate-input';

export type { OwnModelView };
export type AccessKeyView = ModelAccessKeyView;

/** A model as `GET /v1/models/{id}` shows it (the TAMS shape). */
export interface PublicModelView {
  id: string;
  name: string;
  description: string;
  baseModel: string;
  modelType: string;
  showcaseImageUrls: string[];
  projectName: string;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

export const ownModelView = (m: Model): OwnModelView => ({
  id: m.id.toString(),
  name: m.name,
  description: m.description,
  modelType: m.modelType,
  baseModel: m.baseModel,
  visibility: m.visibility,
  storagePath: m.storagePath,
  projectName: m.projectName,
  showcaseImageUrls: m.showcaseImageUrls,
  status: m.status as ModelUploadStatus,
  uploadBytes: m.uploadBytes === null ? null : Number(m.uploadBytes),
  fileBytes: m.fileBytes === null ? null : Number(m.fileBytes),
  uploadError: m.uploadError,
  uploadedAt: iso(m.uploadedAt),
  createdAt: m.createdAt.toISOString(),
  updatedAt: m.updatedAt.toISOString(),
});

export const publicModelView = (m: Model): PublicModelView => ({
  id: m.id.toString(),
  name: m.name,
  description: m.description,
  baseModel: m.baseModel,
  modelType: m.modelType,
  showcaseImageUrls: m.showcaseImageUrls,
  projectName: m.projectName,
});

const STATUS_OF_PROBLEM = { revoked: 'revoked', expired: 'expired', over_limit: 'used_up' } as const;

export function accessKeyView(k: ModelAccessKey & { items: Array<{ modelId: bigint }> }): AccessKeyView {
  const problem = accessKeyProblem(k);
  return {
    id: k.id,
    name: k.name,
    prefix: k.prefix,
    modelIds: k.items.map((i) => i.modelId.toString()).sort(),
    feePerJob: Number(k.feePerJob),
    usageLimit: k.usageLimit,
    usageCount: k.usageCount,
    status: problem ? STATUS_OF_PROBLEM[problem] : 'active',
    createdAt: k.createdAt.toISOString(),
    expiresAt: iso(k.expiresAt),
    lastUsedAt: iso(k.lastUsedAt),
    revokedAt: iso(k.revokedAt),
  };
}

/** Where a tenant's registered files live on the workers' model store (relative to MODELS_DIR). */
export const tenantModelFolder = (tenantId: string) => `tenants/${tenantId}`;

/**
 * A tenant's own catalogue: private (or public) checkpoints, LoRAs, embeddings, VAEs and ControlNets it
 * registers, and the access keys that let other tenants use the private ones. Plain class over Prisma.
 */
export class CatalogueService {
  constructor(private readonly prisma: PrismaClient) {}

  /**
   * Registers an item whose files are on the model store under the tenant's own folder (the path given is
   * relative to it, so that nobody can register, and publish, another tenant's files).
   */
  async registerModel(tenantId: string, body: unknown): Promise<OwnModelView> {
    const input = validateInput(registerModelSchema, body);
    const clash = await this.prisma.model.findFirst({ where: { ownerTenantId: tenantId, name: input.name, modelType: input.modelType } });
    if (clash) throw DomainError.alreadyExists(`you already have a ${input.modelType} named "${input.name}" (${clash.id})`, [{ field: 'name', rule: 'unique', message: 'already used' }]);
    const model = await this.prisma.model.create({
      data: { ...input, id: nextId(), ownerTenantId: tenantId, storagePath: `${tenantModelFolder(tenantId)}/${input.storagePath}` },
    });
    return ownModelView(model);
  }

  async listModels(tenantId: string): Promise<OwnModelView[]> {
    const rows = await this.prisma.model.findMany({ where: { ownerTenantId: tenantId }, orderBy: { createdAt: 'desc' }, take: 1000 });
    return rows.map(ownModelView);
  }

  async updateModel(tenantId: string, modelId: string, body: unknown): Promise<OwnModelView> {
    const input = validateInput(updateModelSchema, body);
    const model = await this.ownModel(tenantId, modelId);
    return ownModelView(await this.prisma.model.update({ where: { id: model.id }, data: input }));
  }

  /** Mints a key for some of the tenant's items. The key is in this answer only. */
  async mintAccessKey(tenantId: string, body: unknown): Promise<{ key: string; accessKey: AccessKeyView }> {
    const input = validateInput(mintAccessKeySchema, body);
    const ids = [...new Set(input.modelIds)];
    const owned = await this.prisma.model.findMany({ where: { ownerTenantId: tenantId, id: { in: ids.map((id) => parseId(id) ?? 0n) } }, select: { id: true } });
    const ownedIds = new Set(owned.map((m) => m.id.toString()));
    const missing = input.modelIds.findIndex((id) => !ownedIds.has(id));
    if (missing >= 0) throw DomainError.notFound(`model ${input.modelIds[missing]} of yours`, `modelIds[${missing}]`);
    const expiresAt = input.expiresAt ? new Date(input.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) {
      throw DomainError.invalid([{ field: 'expiresAt', rule: 'future', message: 'must be in the future' }]);
    }
    const { key, prefix, hash } = generateAccessKey();
    const row = await this.prisma.modelAccessKey.create({
      data: {
        ownerTenantId: tenantId,
        name: input.name,
        prefix,
        hash,
        expiresAt,
        usageLimit: input.usageLimit ?? null,
        feePerJob: new Prisma.Decimal(input.feePerJob.toFixed(4)),
        items: { create: ids.map((id) => ({ modelId: BigInt(id) })) },
      },
      include: { items: true },
    });
    return { key, accessKey: accessKeyView(row) };
  }

  async listAccessKeys(tenantId: string): Promise<AccessKeyView[]> {
    const rows = await this.prisma.modelAccessKey.findMany({ where: { ownerTenantId: tenantId }, include: { items: true }, orderBy: { createdAt: 'desc' }, take: 1000 });
    return rows.map(accessKeyView);
  }

  /** Revokes a key: jobs that present it from now on are PERMISSION_DENIED. Revoking twice changes nothing. */
  async revokeAccessKey(tenantId: string, keyId: string): Promise<AccessKeyView> {
    const key = UUID_PATTERN.test(keyId) ? await this.prisma.modelAccessKey.findFirst({ where: { id: keyId, ownerTenantId: tenantId } }) : null;
    if (!key) throw DomainError.notFound(`access key ${keyId}`, 'keyId');
    await this.prisma.modelAccessKey.updateMany({ where: { id: key.id, revokedAt: null }, data: { revokedAt: new Date() } });
    return accessKeyView(await this.prisma.modelAccessKey.findUniqueOrThrow({ where: { id: key.id }, include: { items: true } }));
  }

  /**
   * GET /v1/models/{id}: a public item, one of the caller's own, or a private one the caller holds a usable
   * access key for. Anything else is NOT_FOUND (not PERMISSION_DENIED: its existence is not revealed).
   */
  async visibleModel(tenantId: string, modelId: string, accessKey: string | undefined): Promise<PublicModelView> {
    const id = parseId(modelId);
    const notFound = () => new DomainError(GrpcCode.NOT_FOUND, `model ${modelId} not found`, [{ field: 'modelId', rule: 'not_found', message: `no model ${modelId}` }]);
    if (id === null) throw notFound();
    const model = await this.prisma.model.findUnique({ where: { id } });
    if (!model) throw notFound();
    if (model.visibility === 'PUBLIC' || model.ownerTenantId === tenantId) return publicModelView(model);
    if (model.visibility === 'PRIVATE' && accessKey) {
      const key = await this.prisma.modelAccessKey.findFirst({ where: { hash: hashAccessKey(accessKey), items: { some: { modelId: id } } } });
      if (key && !accessKeyProblem(key)) return publicModelView(model);
    }
    throw notFound();
  }

  private async ownModel(tenantId: string, modelId: string): Promise<Model> {
    const id = parseId(modelId);
    const model = id === null ? null : await this.prisma.model.findFirst({ where: { id, ownerTenantId: tenantId } });
    if (!model) throw DomainError.notFound(`model ${modelId} of yours`, 'modelId');
    return model;
  }
}
