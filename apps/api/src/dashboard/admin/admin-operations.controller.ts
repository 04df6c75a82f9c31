import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardPlatform } from '../dashboard.platform';
import type { DashboardSession } from '../session/dashboard-session';
import { AllowedWhileImpersonating } from '../session/impersonation';
import { setViewAs } from '../session/session-cookies';
import { AdminGuard, CurrentSession, SessionGuard } from '../session/session.guard';
import { AdminCatalogueService } from './admin-catalogue.service';
import { AdminFailuresService } from './admin-failures.service';
import { AdminTenantControlsService } from './admin-tenant-controls.service';
import { AdminWorkersService } from './admin-workers.service';
import { AdminService } from './admin.service';

/** Operators' controls: tenant plan/limits/suspension, read-only impersonation, queue actions, workers, failures, catalogue, prices. */
@Controller('dashboard-api/admin')
@UseGuards(SessionGuard, AdminGuard)
export class AdminOperationsController {
  constructor(
    @Inject(AdminTenantControlsService) private readonly tenants: AdminTenantControlsService,
    @Inject(AdminService) private readonly admin: AdminService,
    @Inject(AdminWorkersService) private readonly workersService: AdminWorkersService,
    @Inject(AdminFailuresService) private readonly failuresService: AdminFailuresService,
    @Inject(AdminCatalogueService) private readonly catalogue: AdminCatalogueService,
    @Inject(DashboardPlatform) private readonly platform: DashboardPlatform,
  ) {}

  @Get('plans')
  plans() {
    return this.tenants.plans();
  }

  @Get('tenants/:tenantId/limits')
  limits(@Param('tenantId') tenantId: string) {
    return this.tenants.limits(tenantId);
  }

  @Post('tenants/:tenantId/plan')
  @HttpCode(200)
  setPlan(@CurrentSession() s: DashboardSession, @Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.tenants.setPlan(s.user, tenantId, body);
  }

  @Post('tenants/:tenantId/status')
  @HttpCode(200)
  setStatus(@CurrentSession() s: DashboardSession, @Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.tenants.setStatus(s.user, tenantId, body);
  }

  /** Starts viewing a tenant's dashboard read-only (switching from another tenant is allowed). */
  @Post('impersonation')
  @HttpCode(200)
  @AllowedWhileImpersonating()
  async impersonate(@CurrentSession() s: DashboardSession, @Body() body: unknown, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const target = await this.tenants.impersonationTarget(s.user, body);
    setViewAs(this.platform.sessionKey, req, reply, s.cookieValue, target.tenantId);
    return { impersonating: target };
  }

  @Delete('impersonation')
  @AllowedWhileImpersonating()
  endImpersonation(@CurrentSession() s: DashboardSession, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    setViewAs(this.platform.sessionKey, req, reply, s.cookieValue, null);
    return { impersonating: null };
  }

  @Post('jobs/:jobId/cancel')
  @HttpCode(200)
  cancelJob(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string) {
    return this.admin.cancelJob(s.user, jobId);
  }

  @Post('jobs/:jobId/prioritize')
  @HttpCode(200)
  prioritizeJob(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string) {
    return this.admin.prioritizeJob(s.user, jobId);
  }

  @Get('workers')
  workers() {
    return this.workersService.workers();
  }

  @Get('failures')
  failures(@Query() query: Record<string, string>) {
    return this.failuresService.failures(query);
  }

  @Get('models')
  models(@Query() query: Record<string, string>) {
    return this.catalogue.models(query);
  }

  @Post('models/:modelId/visibility')
  @HttpCode(200)
  setVisibility(@CurrentSession() s: DashboardSession, @Param('modelId') modelId: string, @Body() body: unknown) {
    return this.catalogue.setVisibility(s.user, modelId, body);
  }

  @Post('models/:modelId/default')
  @HttpCode(200)
  setDefault(@CurrentSession() s: DashboardSession, @Param('modelId') modelId: string) {
    return this.catalogue.setDefault(s.user, modelId);
  }

  @Get('prices')
  prices() {
    return this.catalogue.prices();
  }

  @Post('prices')
  @HttpCode(200)
  publishPrices(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.catalogue.publishPrices(s.user, body);
  }
}
