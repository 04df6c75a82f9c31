import { Module } from '@nestjs/common';
import { AccountController } from './account/account.controller';
import { AccountService } from './account/account.service';
import { AdminController } from './admin/admin.controller';
import { AdminService } from './admin/admin.service';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { BalanceController } from './billing/balance.controller';
import { BalanceService } from './billing/balance.service';
import { DashboardPlatform } from './dashboard.platform';
import { DashboardJobsController } from './jobs/dashboard-jobs.controller';
import { DashboardJobsService } from './jobs/dashboard-jobs.service';
import { AdminGuard, SessionGuard } from './session/session.guard';

/** /dashboard-api/*: the dashboard's own API, authenticated by session cookie (see README in apps/dashboard). */
@Module({
  controllers: [AccountController, ApiKeysController, DashboardJobsController, BalanceController, AdminController],
  providers: [DashboardPlatform, SessionGuard, AdminGuard, AccountService, ApiKeysService, DashboardJobsService, BalanceService, AdminService],
})
export class DashboardModule {}
