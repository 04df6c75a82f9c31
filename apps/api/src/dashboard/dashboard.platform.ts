import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import type { PrismaClient } from '@darkroom/db';
import type { CancelSignal, FairWaitQueue, StatusNotifier } from '@darkroom/jobs';
import type { UrlSigner } from '@darkroom/storage';
import { Authenticator } from '../auth/authenticator';
import { TenantRateLimiter } from '../auth/rate-limiter';
import { ApiMetrics } from '../metrics/api-metrics';
import { CANCEL_SIGNAL, CONFIG, LOGGER, NOTIFIER, PRISMA, REDIS, URL_SIGNER, WAIT_QUEUE } from '../platform/tokens';
import { sessionKey } from './session/session-token';

/**
 * The API's shared I/O (one Prisma client, one Redis connection, the wait queue, ...) as the dashboard module
 * uses it. The app module declares those providers itself rather than exporting them to imported modules, so
 * they are looked up once, after every provider exists, instead of being built a second time.
 */
@Injectable()
export class DashboardPlatform implements OnModuleInit {
  config!: ApiEnv;
  prisma!: PrismaClient;
  redis!: Redis;
  queue!: FairWaitQueue;
  signer!: UrlSigner;
  notifier!: StatusNotifier;
  cancel!: CancelSignal;
  log!: Logger;
  authenticator!: Authenticator;
  rateLimiter!: TenantRateLimiter;
  metrics!: ApiMetrics;
  /** HMAC key of session cookies and CSRF tokens. */
  sessionKey!: Buffer;

  constructor(@Inject(ModuleRef) private readonly ref: ModuleRef) {}

  onModuleInit(): void {
    const get = <T>(token: symbol | (abstract new (...args: never[]) => T)) => this.ref.get<T>(token as never, { strict: false });
    this.config = get<ApiEnv>(CONFIG);
    this.prisma = get<PrismaClient>(PRISMA);
    this.redis = get<Redis>(REDIS);
    this.queue = get<FairWaitQueue>(WAIT_QUEUE);
    this.signer = get<UrlSigner>(URL_SIGNER);
    this.notifier = get<StatusNotifier>(NOTIFIER);
    this.cancel = get<CancelSignal>(CANCEL_SIGNAL);
    this.log = get<Logger>(LOGGER);
    this.authenticator = get(Authenticator);
    this.rateLimiter = get(TenantRateLimiter);
    this.metrics = get(ApiMetrics);
    this.sessionKey = sessionKey(this.config.DASHBOARD_SESSION_SECRET, this.config.URL_SIGNING_SECRET);
  }
}
