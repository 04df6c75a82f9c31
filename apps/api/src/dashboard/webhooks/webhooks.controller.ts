import { Controller, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { WebhooksService } from './webhooks.service';

@Controller('dashboard-api/webhooks')
@UseGuards(SessionGuard)
export class WebhooksController {
  constructor(@Inject(WebhooksService) private readonly webhooks: WebhooksService) {}

  @Get()
  list(@CurrentSession() s: DashboardSession, @Query() query: Record<string, string>) {
    return this.webhooks.list(s.user, query);
  }

  @Get('deliveries/:deliveryId')
  get(@CurrentSession() s: DashboardSession, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.get(s.user, deliveryId);
  }

  @Post('deliveries/:deliveryId/retry')
  @HttpCode(200)
  retry(@CurrentSession() s: DashboardSession, @Param('deliveryId') deliveryId: string) {
    return this.webhooks.retry(s.user, deliveryId);
  }

  @Post('secret/rotate')
  @HttpCode(200)
  rotate(@CurrentSession() s: DashboardSession) {
    return this.webhooks.rotateSecret(s.user);
  }
}
