import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Patch, Post, UseGuards } from '@nestjs/common';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { CatalogueService } from './catalogue.service';

/**
 * A tenant's own catalogue items and the access keys that share them:
 *   POST   /v1/catalogue/models                 register an item (metadata + path under the tenant's folder)
 *   GET    /v1/catalogue/models                 the tenant's items
 *   PATCH  /v1/catalogue/models/{modelId}       rename, describe, make PRIVATE/PUBLIC
 *   POST   /v1/catalogue/access-keys            mint a key (shown once)
 *   GET    /v1/catalogue/access-keys            the tenant's keys (usage, last use, status)
 *   DELETE /v1/catalogue/access-keys/{keyId}    revoke
 */
@Controller('v1/catalogue')
@UseGuards(TenantGuard)
export class CatalogueController {
  constructor(@Inject(CatalogueService) private readonly catalogue: CatalogueService) {}

  @Post('models')
  @HttpCode(200)
  async register(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return { model: await this.catalogue.registerModel(tenant.tenantId, body) };
  }

  @Get('models')
  async list(@CurrentTenant() tenant: AuthenticatedTenant) {
    return { models: await this.catalogue.listModels(tenant.tenantId) };
  }

  @Patch('models/:modelId')
  async update(@CurrentTenant() tenant: AuthenticatedTenant, @Param('modelId') modelId: string, @Body() body: unknown) {
    return { model: await this.catalogue.updateModel(tenant.tenantId, modelId, body) };
  }

  @Post('access-keys')
  @HttpCode(200)
  mint(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.catalogue.mintAccessKey(tenant.tenantId, body);
  }

  @Get('access-keys')
  async keys(@CurrentTenant() tenant: AuthenticatedTenant) {
    return { accessKeys: await this.catalogue.listAccessKeys(tenant.tenantId) };
  }

  @Delete('access-keys/:keyId')
  async revoke(@CurrentTenant() tenant: AuthenticatedTenant, @Param('keyId') keyId: string) {
    return { accessKey: await this.catalogue.revokeAccessKey(tenant.tenantId, keyId) };
  }
}
