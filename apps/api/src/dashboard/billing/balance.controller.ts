import { Controller, Get, Inject, Query, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { BalanceService } from './balance.service';

@Controller('dashboard-api')
@UseGuards(SessionGuard)
export class BalanceController {
  constructor(@Inject(BalanceService) private readonly balance: BalanceService) {}

  @Get('overview')
  overview(@CurrentSession() s: DashboardSession) {
    return this.balance.overview(s.user);
  }

  @Get('ledger')
  ledger(@CurrentSession() s: DashboardSession, @Query() query: Record<string, string>) {
    return this.balance.ledger(s.user, query);
  }

  @Get('billing/status')
  status() {
    return this.balance.status();
  }
}
