import type { Provider } from '@nestjs/common';
import Redis from 'ioredis';
import pino, { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import { createPrismaClient, PrismaClient } from '@darkroom/db';
import { FairWaitQueue, NO_NOTIFIER, RedisCancelSignal, StatusNotifier } from '@darkroom/jobs';
import { FairQueue } from '@darkroom/queue';
import { LocalBlobStore, UrlSigner } from '@darkroom/storage';
import { Authenticator } from '../auth/authenticator';
import { TenantRateLimiter } from '../auth/rate-limiter';
import { ApiMetrics } from '../metrics/api-metrics';
import { BLOB_STORE, CANCEL_SIGNAL, CONFIG, LOGGER, NOTIFIER, PRISMA, REDIS, URL_SIGNER, WAIT_QUEUE } from './tokens';

/** Everything with I/O that the API's services get injected. Built once from the validated config. */
export function platformProviders(config: ApiEnv, overrides: { notifier?: StatusNotifier; logger?: Logger } = {}): Provider[] {
  return [
    { provide: CONFIG, useValue: config },
    { provide: LOGGER, useValue: overrides.logger ?? pino({ level: config.LOG_LEVEL, name: 'api' }) },
    { provide: PRISMA, useFactory: () => createPrismaClient(config.DATABASE_URL, 20) },
    { provide: REDIS, useFactory: () => new Redis(config.REDIS_URL, { maxRetriesPerRequest: 2, enableOfflineQueue: true }) },
    {
      provide: WAIT_QUEUE,
      useFactory: (redis: Redis) => new FairWaitQueue(new FairQueue({ redis, prefix: config.REDIS_PREFIX })),
      inject: [REDIS],
    },
    { provide: BLOB_STORE, useValue: new LocalBlobStore(config.STORAGE_DIR) },
    { provide: URL_SIGNER, useValue: new UrlSigner(config.URL_SIGNING_SECRET, config.PUBLIC_BASE_URL) },
    { provide: CANCEL_SIGNAL, useFactory: (redis: Redis) => new RedisCancelSignal(redis, config.REDIS_PREFIX), inject: [REDIS] },
    { provide: NOTIFIER, useValue: overrides.notifier ?? NO_NOTIFIER },
    { provide: ApiMetrics, useValue: new ApiMetrics() },
    { provide: Authenticator, useFactory: (prisma: PrismaClient, redis: Redis) => new Authenticator(prisma, redis, config.REDIS_PREFIX), inject: [PRISMA, REDIS] },
    { provide: TenantRateLimiter, useFactory: (redis: Redis) => new TenantRateLimiter(redis, config.REDIS_PREFIX, config.RATE_LIMIT_PER_SEC), inject: [REDIS] },
  ];
}
