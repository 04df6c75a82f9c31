import { Body, Controller, Get, HttpCode, Inject, Param, Post, Put, Query, UseGuards } from '@nestjs/common';
import { AdminTokenGuard } from './admin-token.guard';
import { AdminService } from './admin.service';

/**
 * The admin API (Bearer ADMIN_API_TOKEN):
 *   POST /admin/tenants/{tenantId}/credits        grant or adjust credits {amount, reason, kind?, idempotencyKey?, expiresAt?}
 *   GET  /admin/tenants/{tenantId}/ledger         the tenant's ledger (?limit=&before=)
 *   GET  /admin/tenants/{tenantId}/ledger/check   Σ ledger = balance for one tenant
 *   PUT  /admin/tenants/{tenantId}/plan           {planId, maxConcurrentJobs?, rateLimitPerSec?}
 *   GET  /admin/ledger/check                      the check for every tenant
 *   GET  /admin/plans, PUT /admin/plans/{planId}  plans and their limits
 *   GET  /admin/prices, POST /admin/prices        price table versions; {rates, reason} publishes the next one
 *   POST /admin/credits/monthly-grants            grant this month's plan credits (idempotent per tenant+month)
 *   POST /admin/credits/expire                    expire due granted credits now
 *   GET  /admin/payments/flagged                  payments whose refund/dispute could not take back every credit
 */
@Controller('admin')
@UseGuards(AdminTokenGuard)
export class AdminController {
  constructor(@Inject(AdminService) private readonly admin: AdminService) {}

  @Post('tenants/:tenantId/credits')
  @HttpCode(200)
  credits(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.admin.changeCredits(tenantId, body);
  }

  @Get('tenants/:tenantId/ledger')
  ledger(@Param('tenantId') tenantId: string, @Query() query: Record<string, string>) {
    return this.admin.ledger(tenantId, query);
  }

  @Get('tenants/:tenantId/ledger/check')
  checkTenant(@Param('tenantId') tenantId: string) {
    return this.admin.checkLedger(tenantId);
  }

  @Put('tenants/:tenantId/plan')
  setPlan(@Param('tenantId') tenantId: string, @Body() body: unknown) {
    return this.admin.setTenantPlan(tenantId, body);
  }

  @Get('ledger/check')
  checkAll() {
    return this.admin.checkAllLedgers();
  }

  @Get('plans')
  plans() {
    return this.admin.plans();
  }

  @Put('plans/:planId')
  putPlan(@Param('planId') planId: string, @Body() body: unknown) {
    return this.admin.putPlan(planId, body);
  }

  @Get('prices')
  prices() {
    return this.admin.priceVersions();
  }

  @Post('prices')
  @HttpCode(200)
  publish(@Body() body: unknown) {
    return this.admin.publishPrices(body);
  }

  @Post('credits/monthly-grants')
  @HttpCode(200)
  monthly() {
    return this.admin.grantMonthlyCredits();
  }

  @Post('credits/expire')
  @HttpCode(200)
  expire() {
    return this.admin.expireCredits();
  }

  @Get('payments/flagged')
  flagged() {
    return this.admin.flaggedPayments();
  }
}
