import { Body, Controller, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { ResourcesService } from './resources.service';

@Controller('v1/resource')
export class ResourcesController {
  constructor(@Inject(ResourcesService) private readonly resources: ResourcesService) {}

  @Post('image')
  @HttpCode(200)
  @UseGuards(TenantGuard)
  createImage(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.resources.createImage(tenant.tenantId, body);
  }

  /** The putUrl: its signature is the credential, so no Authorization header is needed. */
  @Put('upload/:resourceId')
  @HttpCode(200)
  upload(@Param('resourceId') id: string, @Query('exp') exp: string | undefined, @Query('sig') sig: string | undefined, @Body() body: unknown) {
    return this.resources.upload(id, exp, sig, body);
  }
}
