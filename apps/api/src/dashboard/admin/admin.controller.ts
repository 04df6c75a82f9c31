import { Body, Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { AdminGuard, CurrentSession, SessionGuard } from '../session/session.guard';
import { AdminService } from './admin.service';

@Controller('dashboard-api/admin')
@UseGuards(SessionGuard, AdminGuard)
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Get('tenants')
  tenants(@Query() query: Record<string, string>) {
    return this.admin.tenants(query);
  }

  @Get('tenants/:tenantId')
  tenant(@Param('tenantId') tenantId: string) {
    return this.admin.tenant(tenantId);
  }

  @Post('tenants/:tenantId/credits')
  @HttpCode(200)
  grant(@CurrentSession() s: DashboardSession, @Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.admin.grantCredits(s.user, tenantId, body);
  }

  @Get('queue')
  queue() {
    return this.admin.queue();
  }
}
