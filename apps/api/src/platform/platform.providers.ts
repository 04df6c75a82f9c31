import type { Provider } from '@nestjs/common';
import Redis from 'ioredis';
import pino, { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import { createPrismaClient, createSqlPool, PrismaClient } from '@darkroom/db';
import { createWebhookDispatcher, FairWaitQueue, RedisCancelSignal, StatusNotifier, WaitQueue, WebhookStatusNotifier } from '@darkroom/jobs';
import type { WebhookDispatcher } from '@darkroom/webhooks';
import { FairQueue } from '@darkroom/queue';
import { LocalBlobStore, UrlSigner } from '@darkroom/storage';
import { Authenticator } from '../auth/authenticator';
import { TenantRateLimiter } from '../auth/rate-limiter';
import { ApiMetrics } from '../metrics/api-metrics';
import { BLOB_STORE, CANCEL_SIGNAL, CONFIG, LOGGER, NOTIFIER, PRISMA, REDIS, SQL_POOL, URL_SIGNER, WAIT_QUEUE, WEBHOOKS } from './tokens';
import { WebhookDeliveryLifecycle } from './webhook-delivery.lifecycle';

/** Everything with I/O that the API's services get injected. Built once from the validated config. */
export function platformProviders(config: ApiEnv, overrides: { notifier?: StatusNotifier; logger?: Logger } = {}): Provider[] {
  return [
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useValue: overrides.logger ?? pino({ level: config.LOG_LEVEL, name: 'api' }) },
    { provide: PRISMA, useFactory: () => createPrismaClient(config.DATABASE_URL, 20) },
    { provide: SQL_POOL, useFactory: () => createSqlPool(config.DATABASE_URL, 10) },
    // Auto-pipelining sends the commands that concurrent requests issue in one tick as one write (nothing in the
    // API blocks on this connection; the wake signal has its own).
    { provide: REDIS, useFactory: () => new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true, enableAutoPipelining: true }) },
    {
      provide: WAIT_QUEUE,
      useFactory: (redis: Redis) => new FairWaitQueue(new FairQueue({ redis, prefix: config.REDIS_PREFIX })),
      inject: [REDIS],
    },
    { provide: BLOB_STORE, useValue: new LocalBlobStore(config.STORAGE_DIR) },
    { provide: URL_SIGNER, useValue: new UrlSigner(config.URL_SIGNING_SECRET, config.PUBLIC_BASE_URL) },
    { provide: CANCEL_SIGNAL, useFactory: (redis: Redis) => new RedisCancelSignal(redis, config.REDIS_PREFIX), inject: [REDIS] },
    { provide: WEBHOOKS, useFactory: (prisma: PrismaClient) => createWebhookDispatcher(config, prisma), inject: [PRISMA] },
    WebhookDeliveryLifecycle,
    overrides.notifier
      ? { provide: NOTIFIER, useValue: overrides.notifier }
      : {
          provide: NOTIFIER,
          inject: [PRISMA, WEBHOOKS, URL_SIGNER, WAIT_QUEUE, LOGGER],
          useFactory: (prisma: PrismaClient, dispatcher: WebhookDispatcher, signer: UrlSigner, queue: WaitQueue, log: Logger) =>
            new WebhookStatusNotifier({ prisma, dispatcher, signer, queue, urlTtlSec: config.OUTPUT_URL_TTL_SEC, log: (msg, extra) => log.warn(extra, msg) }),
        },
    { provide: ApiMetrics, useValue: new ApiMetrics() },
    { provide: Authenticator, useFactory: (prisma: PrismaClient, redis: Redis) => new Authenticator(prisma, redis, config.REDIS_PREFIX), inject: [PRISMA, REDIS] },
    { provide: TenantRateLimiter, useFactory: (redis: Redis) => new TenantRateLimiter(redis, config.REDIS_PREFIX, config.RATE_LIMIT_PER_SEC), inject: [REDIS] },
  ];
}
