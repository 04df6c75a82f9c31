import { createHash } from 'node:crypto';
import { DomainError, FieldIssue, GrpcCode } from '@darkroom/contracts';
import type { Model, PrismaClient } from '@darkroom/db';
import type { Family } from './pools';

export type ModelRefKind = 'checkpoint' | 'vae' | 'lora' | 'embedding' | 'controlnet' | 'adetailer_checkpoint';

export interface ModelRef {
  field: string;
  kind: ModelRefKind;
  ref: string;
  accessKey?: string;
}

export interface ResolvedModel {
  field: string;
  kind: ModelRefKind;
  id: bigint;
  name: string;
  baseModel: Family;
  storagePath: string;
  /** The access key that granted use of another tenant's private model; its use is counted with the job. */
  accessKeyId?: string;
  /** With accessKeyId: the item's owner and the key's fee per job (credits; 0 = free). */
  ownerTenantId?: string;
  accessFee?: number;
}

/** The key row fields the checks read. */
export interface AccessKeyState {
  revokedAt: Date | null;
  expiresAt: Date | null;
  usageLimit: number | null;
  usageCount: number;
}

/** Why a key that grants an item cannot be used now, or null when it can. */
export function accessKeyProblem(key: AccessKeyState, now = new Date()): 'revoked' | 'expired' | 'over_limit' | null {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt.getTime() <= now.getTime()) return 'expired';
  if (key.usageLimit !== null && key.usageCount >= key.usageLimit) return 'over_limit';
  return null;
}

const PROBLEM_TEXT = { revoked: 'was revoked', expired: 'has expired', over_limit: 'reached its usage limit' } as const;

/** "lora \"my-style\" (123)": how errors name an item. */
export const describeItem = (kind: string, model: { id: bigint; name: string }) => `${kind} "${model.name}" (${model.id})`;

/** The PERMISSION_DENIED of a key that cannot be used for an item (also raised when its use is counted). */
export function accessKeyDenied(field: string, what: string, problem: keyof typeof PROBLEM_TEXT): DomainError {
  const message = `the access key for ${what} ${PROBLEM_TEXT[problem]}`;
  return new DomainError(GrpcCode.PERMISSION_DENIED, `${field}: ${message}`, [{ field, rule: 'permission_denied', message }]);
}

const KIND_TYPES: Record<ModelRefKind, string[]> = {
  checkpoint: ['CHECKPOINT', 'DEFAULT'],
  adetailer_checkpoint: ['CHECKPOINT', 'DEFAULT'],
  vae: ['VAE'],
  lora: ['LORA', 'LOCON', 'LYCORIS'],
  embedding: ['TEXTUAL_INVERSION'],
  controlnet: ['CONTROLNET'],
};

/** VAE names that mean "the checkpoint's own". */
const BUILTIN_VAE = new Set(['', 'none', 'automatic', 'auto']);

export const hashAccessKey = (key: string) => createHash('sha256').update(key).digest('hex');

/**
 * Resolves every model a job references against the catalogue and checks that the tenant may use it: public
 * models, its own, and other tenants' private ones through a valid access key. An empty sdModel means the
 * catalogue's default checkpoint.
 */
export class ModelResolver {
  /** The default checkpoint lookup of the last few seconds: most jobs name no model, and it rarely changes. */
  private defaultCheckpoint: { at: number; types: string; model: Promise<Model | null> } | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    /** How long the default checkpoint lookup is reused (a changed default takes effect after at most this). */
    private readonly defaultCacheMs = 5_000,
  ) {}

  async resolve(tenantId: string, refs: ModelRef[]): Promise<ResolvedModel[]> {
    const resolved: ResolvedModel[] = [];
    const issues: FieldIssue[] = [];
    let denied: FieldIssue | null = null;
    let notReady: FieldIssue | null = null;
    for (const ref of refs) {
      if (ref.kind === 'vae' && BUILTIN_VAE.has(ref.ref.trim().toLowerCase())) continue;
      const model = await this.find(tenantId, ref);
      if (!model) {
        issues.push({ field: ref.field, rule: 'unknown_model', message: `no ${ref.kind} model "${ref.ref}" in the catalogue` });
        continue;
      }
      if (model.status !== 'READY') {
        // An upload not completed yet: its files are missing or unchecked (apps/api catalogue uploads).
        notReady ??= { field: ref.field, rule: 'not_ready', message: `${describeItem(ref.kind, model)} is still being uploaded` };
        continue;
      }
      const access = await this.checkAccess(tenantId, model, ref);
      if (typeof access === 'string') {
        denied ??= { field: ref.field, rule: 'permission_denied', message: access };
        continue;
      }
      resolved.push({
        field: ref.field,
        kind: ref.kind,
        id: model.id,
        name: model.name,
        baseModel: model.baseModel as Family,
        storagePath: model.storagePath,
        ...(access.key ? { accessKeyId: access.key.id, ownerTenantId: access.key.ownerTenantId, accessFee: Number(access.key.feePerJob) } : {}),
      });
    }
    if (issues.length) throw new DomainError(GrpcCode.NOT_FOUND, `${issues[0].field}: ${issues[0].message}`, issues);
    if (denied) throw new DomainError(GrpcCode.PERMISSION_DENIED, `${denied.field}: ${denied.message}`, [denied]);
    if (notReady) throw new DomainError(GrpcCode.FAILED_PRECONDITION, `${notReady.field}: ${notReady.message}`, [notReady]);
    return resolved;
  }

  private async find(tenantId: string, ref: ModelRef) {
    const types = KIND_TYPES[ref.kind] as never[];
    const text = ref.ref.trim();
    if ((ref.kind === 'checkpoint' || ref.kind === 'adetailer_checkpoint') && text === '') {
      return this.defaultModel(types);
    }
    if (/^[0-9]{1,20}$/.test(text) && BigInt(text) <= 0xffff_ffff_ffff_ffffn) {
      const byId = await this.prisma.model.findFirst({ where: { id: BigInt(text), modelType: { in: types } } });
      if (byId) return byId;
    }
    // By name: the tenant's own first, then public ones, then the items of the access key sent with it.
    return (
      (await this.prisma.model.findFirst({ where: { name: text, ownerTenantId: tenantId, modelType: { in: types } } })) ??
      (await this.prisma.model.findFirst({ where: { name: text, visibility: 'PUBLIC', modelType: { in: types } }, orderBy: { createdAt: 'asc' } })) ??
      (ref.accessKey
        ? await this.prisma.model.findFirst({
            where: { name: text, modelType: { in: types }, accessKeyItems: { some: { key: { hash: hashAccessKey(ref.accessKey) } } } },
            orderBy: { createdAt: 'asc' },
          })
        : null)
    );
  }

  private defaultModel(types: never[]): Promise<Model | null> {
    const key = types.join(',');
    const cached = this.defaultCheckpoint;
    if (cached && cached.types === key && Date.now() - cached.at < this.defaultCacheMs) return cached.model;
    const model = this.prisma.model.findFirst({ where: { isDefault: true, modelType: { in: types }, visibility: 'PUBLIC' }, orderBy: { createdAt: 'asc' } });
    this.defaultCheckpoint = { at: Date.now(), types: key, model };
    // A failed lookup is not reused.
    model.catch(() => {
      if (this.defaultCheckpoint?.model === model) this.defaultCheckpoint = null;
    });
    return model;
  }

  private async keyFor(modelId: bigint, ref: ModelRef) {
    if (!ref.accessKey) return null;
    return this.prisma.modelAccessKey.findFirst({ where: { hash: hashAccessKey(ref.accessKey), items: { some: { modelId } } } });
  }

  /**
   * `{}` (`{ key }` when a key grants it) when the tenant may use the model; otherwise the reason, naming the item. Every
   * failure of a key (missing, wrong, revoked, expired, over its limit) is a reason, checked before any credit
   * is reserved; the job's transaction checks revocation, expiry and the limit again when it counts the use.
   */
  private async checkAccess(
    tenantId: string,
    model: { id: bigint; name: string; ownerTenantId: string | null; visibility: string },
    ref: ModelRef,
  ): Promise<{ key?: { id: string; ownerTenantId: string; feePerJob: { toString(): string } } } | string> {
    if (model.ownerTenantId === tenantId) return {};
    if (model.visibility === 'PUBLIC') return {};
    const what = describeItem(ref.kind, model);
    if (model.visibility === 'HIDDEN') return `${what} is not available`;
    if (!ref.accessKey) return `${what} is private: an access key is required`;
    const key = await this.keyFor(model.id, ref);
    if (!key) return `the access key does not grant ${what}`;
    const problem = accessKeyProblem(key);
    if (problem) return `the access key for ${what} ${PROBLEM_TEXT[problem]}`;
    return { key };
  }
}
