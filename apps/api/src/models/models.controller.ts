import { Controller, Get, Inject, Param, UseGuards } from '@nestjs/common';
import { DomainError, GrpcCode } from '@darkroom/contracts';
import { parseId, PrismaClient } from '@darkroom/db';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { PRISMA } from '../platform/tokens';

/** GET /v1/models/{id}: public models and the caller's own; anything else is NOT_FOUND. */
@Controller('v1/models')
@UseGuards(TenantGuard)
export class ModelsController {
  constructor(@Inject(PRISMA) private readonly prisma: PrismaClient) {}

  @Get(':modelId')
  async get(@CurrentTenant() tenant: AuthenticatedTenant, @Param('modelId') modelId: string) {
    const id = parseId(modelId);
    const model =
      id === null
        ? null
        : await this.prisma.model.findFirst({ where: { id, OR: [{ visibility: 'PUBLIC' }, { ownerTenantId: tenant.tenantId }] } });
    if (!model) throw new DomainError(GrpcCode.NOT_FOUND, `model ${modelId} not found`, [{ field: 'modelId', rule: 'not_found', message: `no model ${modelId}` }]);
    return {
      model: {
        id: model.id.toString(),
        name: model.name,
        description: model.description,
        baseModel: model.baseModel,
        modelType: model.modelType,
        showcaseImageUrls: model.showcaseImageUrls,
        projectName: model.projectName,
      },
    };
  }
}
