import { Body, Controller, HttpCode, Inject, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { ModelUploadsService } from './model-uploads.service';

/**
 * Uploads of a tenant's own items:
 *   POST /v1/catalogue/uploads                          declare the item and its files → signed PUT URLs
 *   PUT  /v1/catalogue/uploads/{modelId}/{bytes}/{path} a file's bytes (application/octet-stream, streamed)
 *   POST /v1/catalogue/models/{modelId}/complete        check the files; the item becomes READY
 */
@Controller('v1/catalogue')
export class ModelUploadsController {
  constructor(@Inject(ModelUploadsService) private readonly uploads: ModelUploadsService) {}

  @Post('uploads')
  @HttpCode(200)
  @UseGuards(TenantGuard)
  start(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.uploads.start(tenant.tenantId, body);
  }

  /** The putUrl: its signature is the credential, so no Authorization header is needed. */
  @Put('uploads/*')
  @HttpCode(200)
  receive(@Req() req: FastifyRequest, @Query('exp') exp: string | undefined, @Query('sig') sig: string | undefined, @Body() body: unknown) {
    return this.uploads.receive(decodeURIComponent(req.url.split('?')[0]), exp, sig, body);
  }

  @Post('models/:modelId/complete')
  @HttpCode(200)
  @UseGuards(TenantGuard)
  async complete(@CurrentTenant() tenant: AuthenticatedTenant, @Param('modelId') modelId: string) {
    return { model: await this.uploads.complete(tenant.tenantId, modelId) };
  }
}
