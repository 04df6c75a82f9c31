import { Controller, Get, Headers, Inject, Param, Query, UseGuards } from '@nestjs/common';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { CatalogueService } from './catalogue.service';

/** The header (or the `accessKey` query parameter) that presents a model access key to GET /v1/models/{id}. */
export const MODEL_ACCESS_KEY_HEADER = 'x-model-access-key';

/**
 * GET /v1/models/{id}: public models, the caller's own, and private ones the caller holds a usable access key
 * for (sent as `X-Model-Access-Key`, or `?accessKey=`); anything else is NOT_FOUND.
 */
@Controller('v1/models')
@UseGuards(TenantGuard)
export class CatalogueModelsController {
  constructor(@Inject(CatalogueService) private readonly catalogue: CatalogueService) {}

  @Get(':modelId')
  async get(
    @CurrentTenant() tenant: AuthenticatedTenant,
    @Param('modelId') modelId: string,
    @Headers(MODEL_ACCESS_KEY_HEADER) header: string | undefined,
    @Query('accessKey') query: string | undefined,
  ) {
    return { model: await this.catalogue.visibleModel(tenant.tenantId, modelId, header || query || undefined) };
  }
}
