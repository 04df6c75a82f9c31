import { Module } from '@nestjs/common';
import { AccountController } from './account/account.controller';
import { AccountService } from './account/account.service';
import { AdminCatalogueService } from './admin/admin-catalogue.service';
import { AdminFailuresService } from './admin/admin-failures.service';
import { AdminOperationsController } from './admin/admin-operations.controller';
import { AdminTenantControlsService } from './admin/admin-tenant-controls.service';
import { AdminWorkersService } from './admin/admin-workers.service';
import { AdminController } from './admin/admin.controller';
import { AdminService } from './admin/admin.service';
import { AppCredentialsController } from './app-credentials/app-credentials.controller';
import { AppCredentialsService } from './app-credentials/app-credentials.service';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { BalanceController } from './billing/balance.controller';
import { BalanceService } from './billing/balance.service';
import { DashboardPlatform } from './dashboard.platform';
import { DashboardJobsController } from './jobs/dashboard-jobs.controller';
import { DashboardJobsService } from './jobs/dashboard-jobs.service';
import { InvitesController, MembersController } from './members/members.controller';
import { DashboardModelFilesController, DashboardModelsController } from './models/dashboard-models.controller';
import { DashboardModelsService } from './models/dashboard-models.service';
import { MembersService } from './members/members.service';
import { AdminGuard, SessionGuard } from './session/session.guard';
import { WebhooksController } from './webhooks/webhooks.controller';
import { WebhooksService } from './webhooks/webhooks.service';

/** /dashboard-api/*: the dashboard's own API, authenticated by session cookie (see README in apps/dashboard). */
@Module({
  controllers: [
    AccountController,
    MembersController,
    InvitesController,
    ApiKeysController,
    AppCredentialsController,
    WebhooksController,
    DashboardModelsController,
    DashboardModelFilesController,
    DashboardJobsController,
    BalanceController,
    AdminController,
    AdminOperationsController,
  ],
  providers: [
    DashboardPlatform,
    SessionGuard,
    AdminGuard,
    AccountService,
    MembersService,
    ApiKeysService,
    AppCredentialsService,
    WebhooksService,
    DashboardModelsService,
    DashboardJobsService,
    BalanceService,
    AdminService,
    AdminTenantControlsService,
    AdminWorkersService,
    AdminFailuresService,
    AdminCatalogueService,
  ],
})
export class DashboardModule {}
