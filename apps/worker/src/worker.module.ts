import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Inject, Module, OnApplicationShutdown, DynamicModule } from '@nestjs/common';
import Redis from 'ioredis';
import pino, { Logger } from 'pino';
import type { WorkerEnv } from '@darkroom/config';
import { createPrismaClient, PrismaClient } from '@darkroom/db';
import { JobRunner, PlaceholderRunner } from '@darkroom/inference';
import { FairWaitQueue, NO_NOTIFIER, RedisCancelSignal, StatusNotifier } from '@darkroom/jobs';
import { FairQueue } from '@darkroom/queue';
import { LocalBlobStore } from '@darkroom/storage';
import { WorkerLoop } from './worker-loop';

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
const PRISMA = Symbol('PRISMA');
const REDIS = Symbol('REDIS');

export interface WorkerModuleOptions {
  config: WorkerEnv;
  runner?: JobRunner;
  notifier?: StatusNotifier;
  logger?: Logger;
}

/** The worker's wiring: a NestJS standalone application context around WorkerLoop. */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(
    @Inject(WorkerLoop) private readonly loop: WorkerLoop,
    @Inject(WORKER_CONFIG) private readonly config: WorkerEnv,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
  ) {}

  static forRoot(options: WorkerModuleOptions): DynamicModule {
    const { config } = options;
    const workerId = config.WORKER_ID ?? `${os.hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
    return {
      module: WorkerModule,
      providers: [
        { provide: WORKER_CONFIG, useValue: config },
        { provide: PRISMA, useFactory: () => createPrismaClient(config.DATABASE_URL, 4 + config.WORKER_CONCURRENCY) },
        { provide: REDIS, useFactory: () => new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2 }) },
        {
          provide: WorkerLoop,
          inject: [PRISMA, REDIS],
          useFactory: (prisma: PrismaClient, redis: Redis) => {
            const fair = new FairQueue({ redis, prefix: config.REDIS_PREFIX });
            const weights = new Map<string, number>();
            return new WorkerLoop({
              prisma,
              fair,
              waitQueue: new FairWaitQueue(fair),
              blobs: new LocalBlobStore(config.STORAGE_DIR),
              runner: options.runner ?? new PlaceholderRunner(config.PLACEHOLDER_STEP_MS),
              cancel: new RedisCancelSignal(redis, config.REDIS_PREFIX),
              notifier: options.notifier ?? NO_NOTIFIER,
              log: options.logger ?? pino({ level: config.LOG_LEVEL, name: 'worker' }),
              pool: config.WORKER_POOL,
              workerId,
              modelsDir: config.MODELS_DIR,
              leaseTtlMs: config.LEASE_TTL_MS,
              concurrency: config.WORKER_CONCURRENCY,
              weightOf: async (tenantId) => {
                if (!weights.has(tenantId)) {
                  const t = await prisma.tenant.findUnique({ where: { id: tenantId }, include: { plan: true } });
                  weights.set(tenantId, t?.plan.queueWeight ?? 1);
                }
                return weights.get(tenantId) as number;
              },
            });
          },
        },
      ],
    };
  }

  /** SIGTERM: stop taking jobs, finish or release the current ones, then close connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop(this.config.SHUTDOWN_GRACE_MS);
    await this.prisma.$disconnect();
    this.redis.disconnect();
  }
}
