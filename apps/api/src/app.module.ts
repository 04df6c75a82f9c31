import { BullModule } from '@nestjs/bullmq';
import { DynamicModule, Inject, Module, OnApplicationShutdown } from '@nestjs/common';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import { endSqlPoolWhenIdle, type PrismaClient, type SqlPool } from '@darkroom/db';
import type { StatusNotifier } from '@darkroom/jobs';
import { TenantGuard } from './auth/tenant.guard';
import { creditFeatures } from './billing/credit-features';
import { DashboardModule } from './dashboard/dashboard.module';
import { HealthController } from './health/health.controller';
import { JobsController } from './jobs/jobs.controller';
import { JobsService } from './jobs/jobs.service';
import { MAINTENANCE_QUEUE, MaintenanceProcessor } from './maintenance/maintenance.processor';
import { MetricsController } from './metrics/metrics.controller';
import { OpenApiController } from './openapi/openapi.controller';
import { platformProviders } from './platform/platform.providers';
import { redisOptions } from './platform/redis-options';
import { PRISMA, REDIS, SQL_POOL } from './platform/tokens';
import { FilesController } from './resources/files.controller';
import { ResourcesController } from './resources/resources.controller';
import { ResourcesService } from './resources/resources.service';

export interface ApiModuleOptions {
  config: ApiEnv;
  notifier?: StatusNotifier;
  logger?: Logger;
  /** Run the maintenance scheduler in this process (default true). */
  maintenance?: boolean;
}

@Module({})
export class AppModule implements OnApplicationShutdown {
  constructor(
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(SQL_POOL) private readonly sql: SqlPool,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(options: ApiModuleOptions): DynamicModule {
    const { config } = options;
    const maintenance = options.maintenance ?? true;
    return {
      module: AppModule,
      imports: [
        BullModule.forRoot({ connection: redisOptions(config.REDIS_URL, { maxRetriesPerRequest: null }), prefix: `${config.REDIS_PREFIX}:bull` }),
        BullModule.registerQueue({ name: MAINTENANCE_QUEUE, defaultJobOptions: { removeOnComplete: 100, removeOnFail: 100 } }),
        DashboardModule,
      ],
      controllers: [JobsController, ResourcesController, FilesController, ...creditFeatures.controllers, HealthController, MetricsController, OpenApiController],
      providers: [
        ...platformProviders(config, options),
        TenantGuard,
        ...creditFeatures.providers,
        JobsService,
        ResourcesService,
        ...(maintenance ? [MaintenanceProcessor] : []),
      ],
      exports: [PRISMA, REDIS],
    };
  }

  async onApplicationShutdown(): Promise<void> {
    await endSqlPoolWhenIdle(this.sql);
    await this.prisma.$disconnect();
    this.redis.disconnect();
  }
}
