import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { JobsService } from './jobs.service';

@Controller('v1/jobs')
@UseGuards(TenantGuard)
export class JobsController {
  constructor(@Inject(JobsService) private readonly jobs: JobsService) {}

  @Post()
  @HttpCode(200)
  create(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.jobs.create(tenant, body);
  }

  @Post('credits')
  @HttpCode(200)
  estimate(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.jobs.estimate(tenant, body);
  }

  @Get(':jobId')
  get(@CurrentTenant() tenant: AuthenticatedTenant, @Param('jobId') jobId: string) {
    return this.jobs.get(tenant, jobId);
  }

  @Delete(':jobId')
  cancel(@CurrentTenant() tenant: AuthenticatedTenant, @Param('jobId') jobId: string) {
    return this.jobs.cancel(tenant, jobId);
  }
}
