import { Body, Controller, Get, HttpCode, Inject, Post, Query, UseGuards } from '@nestjs/common';
import { CurrentTenant, TenantGuard } from '../auth/tenant.guard';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { BillingService } from './billing.service';

/**
 * A tenant's credits:
 *   GET  /v1/billing/packs      credit packs for sale (and whether payments are configured)
 *   POST /v1/billing/checkout   {pack} → a Stripe Checkout session URL
 *   GET  /v1/billing/balance    balance, expiring credits, plan limits
 *   GET  /v1/billing/ledger     ledger rows, newest first (?limit=&before=)
 *   GET  /v1/billing/prices     the price table in force and the plan's multiplier
 */
@Controller('v1/billing')
@UseGuards(TenantGuard)
export class BillingController {
  constructor(@Inject(BillingService) private readonly billing: BillingService) {}

  @Get('packs')
  packs() {
    return this.billing.packs();
  }

  @Post('checkout')
  @HttpCode(200)
  checkout(@CurrentTenant() tenant: AuthenticatedTenant, @Body() body: unknown) {
    return this.billing.checkout(tenant.tenantId, body);
  }

  @Get('balance')
  balance(@CurrentTenant() tenant: AuthenticatedTenant) {
    return this.billing.balance(tenant.tenantId);
  }

  @Get('ledger')
  ledger(@CurrentTenant() tenant: AuthenticatedTenant, @Query() query: Record<string, string>) {
    return this.billing.ledger(tenant.tenantId, query);
  }

  @Get('prices')
  prices(@CurrentTenant() tenant: AuthenticatedTenant) {
    return this.billing.priceTable(tenant.tenantId);
  }
}
