import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { Inject, Module, OnApplicationShutdown, DynamicModule } from '@nestjs/common';
import Redis from 'ioredis';
import pino, { Logger } from 'pino';
import type { WorkerEnv } from '@darkroom/config';
import { createPrismaClient, PrismaClient } from '@darkroom/db';
import { createOnnxJobRunner, JobRunner, PlaceholderRunner } from '@darkroom/inference';
import { createWebhookDispatcher, FairWaitQueue, RedisCancelSignal, StatusNotifier, tenantWeightLookup, WebhookStatusNotifier } from '@darkroom/jobs';
import { FairQueue } from '@darkroom/queue';
import { LocalBlobStore, UrlSigner } from '@darkroom/storage';
import type { WebhookDispatcher } from '@darkroom/webhooks';
import { WorkerLoop } from './worker-loop';
import { WorkerMetrics } from './worker-metrics';
import { WorkerPresenceReporter } from './worker-presence';

export const WORKER_CONFIG = Symbol('WORKER_CONFIG');
const PRISMA = Symbol('PRISMA');
const REDIS = Symbol('REDIS');
const WEBHOOKS = Symbol('WEBHOOKS');

export interface WorkerModuleOptions {
  config: WorkerEnv;
  runner?: JobRunner;
  notifier?: StatusNotifier;
  logger?: Logger;
}

/** The engine the worker runs jobs with, from ENGINE/EXECUTION_PROVIDER/INTRA_OP_THREADS/ORT_SPIN_WAIT. */
export function runnerFor(config: WorkerEnv): JobRunner {
  if (config.ENGINE === 'placeholder') return new PlaceholderRunner(config.PLACEHOLDER_STEP_MS);
  return createOnnxJobRunner({ executionProvider: config.EXECUTION_PROVIDER, intraOpThreads: config.INTRA_OP_THREADS || undefined, spinWait: config.ORT_SPIN_WAIT });
}

/** The worker's wiring: a NestJS standalone application context around WorkerLoop. */
@Module({})
export class WorkerModule implements OnApplicationShutdown {
  constructor(
    @Inject(WorkerLoop) private readonly loop: WorkerLoop,
    @Inject(WORKER_CONFIG) private readonly config: WorkerEnv,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(WEBHOOKS) private readonly webhooks: WebhookDispatcher,
    @Inject(WorkerPresenceReporter) private readonly presence: WorkerPresenceReporter,
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
        // The worker only queues deliveries; an API process sends them.
        { provide: WEBHOOKS, useFactory: (prisma: PrismaClient) => createWebhookDispatcher(config, prisma), inject: [PRISMA] },
        { provide: WorkerMetrics, useValue: new WorkerMetrics() },
        {
          provide: WorkerLoop,
          inject: [PRISMA, REDIS, WEBHOOKS, WorkerMetrics],
          useFactory: (prisma: PrismaClient, redis: Redis, dispatcher: WebhookDispatcher, metrics: WorkerMetrics) => {
            const fair = new FairQueue({ redis, prefix: config.REDIS_PREFIX });
            const log = options.logger ?? pino({ level: config.LOG_LEVEL, name: 'worker' });
            const waitQueue = new FairWaitQueue(fair);
            const signer = new UrlSigner(config.URL_SIGNING_SECRET, config.PUBLIC_BASE_URL);
            return new WorkerLoop({
              prisma,
              fair,
              waitQueue,
              blobs: new LocalBlobStore(config.STORAGE_DIR),
              runner: options.runner ?? runnerFor(config),
              cancel: new RedisCancelSignal(redis, config.REDIS_PREFIX),
              notifier:
                options.notifier ??
                new WebhookStatusNotifier({ prisma, dispatcher, signer, queue: waitQueue, urlTtlSec: config.OUTPUT_URL_TTL_SEC, log: (msg, extra) => log.warn(extra, msg) }),
              log,
              pool: config.WORKER_POOL,
              workerId,
              modelsDir: config.MODELS_DIR,
              leaseTtlMs: config.LEASE_TTL_MS,
              concurrency: config.WORKER_CONCURRENCY,
              metrics,
              weightOf: tenantWeightLookup(prisma),
            });
          },
        },
        {
          provide: WorkerPresenceReporter,
          inject: [REDIS, WorkerLoop],
          useFactory: (redis: Redis, loop: WorkerLoop) =>
            new WorkerPresenceReporter({
              redis,
              prefix: config.REDIS_PREFIX,
              source: loop,
              pool: config.WORKER_POOL,
              workerId,
              runner: config.ENGINE,
              concurrency: config.WORKER_CONCURRENCY,
              log: options.logger ?? pino({ level: config.LOG_LEVEL, name: 'worker' }),
            }),
        },
      ],
    };
  }

  /** SIGTERM: stop taking jobs, finish or release the current ones, then close connections. */
  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop(this.config.SHUTDOWN_GRACE_MS);
    await this.presence.stop();
    await this.webhooks.close();
    await this.prisma.$disconnect();
    this.redis.disconnect();
  }
}
