import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import type { PrismaClient, SqlPool } from '@darkroom/db';
import type { CancelSignal, FairWaitQueue, StatusNotifier } from '@darkroom/jobs';
import type { PriceBook } from '@darkroom/credits';
import type { BlobStore, UrlSigner } from '@darkroom/storage';
import type { WebhookDispatcher } from '@darkroom/webhooks';
import { BillingService } from '../billing/billing.service';
import { CatalogueService } from '../catalogue/catalogue.service';
import { ModelUploadsService } from '../catalogue/model-uploads.service';
import { PRICE_BOOK } from '../billing/billing.tokens';
import { Authenticator } from '../auth/authenticator';
import { TenantRateLimiter } from '../auth/rate-limiter';
import { ApiMetrics } from '../metrics/api-metrics';
import { BLOB_STORE, CANCEL_SIGNAL, CONFIG, LOGGER, NOTIFIER, PRISMA, REDIS, SQL_POOL, URL_SIGNER, WAIT_QUEUE, WEBHOOKS } from '../platform/tokens';
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
  sql!: SqlPool;
  redis!: Redis;
  queue!: FairWaitQueue;
  signer!: UrlSigner;
  notifier!: StatusNotifier;
  cancel!: CancelSignal;
  log!: Logger;
  authenticator!: Authenticator;
  rateLimiter!: TenantRateLimiter;
  metrics!: ApiMetrics;
  blobs!: BlobStore;
  webhooks!: WebhookDispatcher;
  /** Stripe Checkout and the packs for sale (the billing module's service). */
  billing!: BillingService;
  prices!: PriceBook;
  /** The tenant catalogue (items, access keys) and its uploads, as /v1/catalogue serves them. */
  catalogue!: CatalogueService;
  modelUploads!: ModelUploadsService;
  /** HMAC key of session cookies and CSRF tokens. */
  sessionKey!: Buffer;

  constructor(@Inject(ModuleRef) private readonly ref: ModuleRef) {}

  onModuleInit(): void {
    const get = <T>(token: symbol | (abstract new (...args: never[]) => T)) => this.ref.get<T>(token as never, { strict: false });
    this.config = get<ApiEnv>(CONFIG);
    this.prisma = get<PrismaClient>(PRISMA);
    this.sql = get<SqlPool>(SQL_POOL);
    this.redis = get<Redis>(REDIS);
    this.queue = get<FairWaitQueue>(WAIT_QUEUE);
    this.signer = get<UrlSigner>(URL_SIGNER);
    this.notifier = get<StatusNotifier>(NOTIFIER);
    this.cancel = get<CancelSignal>(CANCEL_SIGNAL);
    this.log = get<Logger>(LOGGER);
    this.authenticator = get(Authenticator);
    this.rateLimiter = get(TenantRateLimiter);
    this.metrics = get(ApiMetrics);
    this.blobs = get<BlobStore>(BLOB_STORE);
    this.webhooks = get<WebhookDispatcher>(WEBHOOKS);
    this.billing = get(BillingService);
    this.prices = get<PriceBook>(PRICE_BOOK);
    this.catalogue = get(CatalogueService);
    this.modelUploads = get(ModelUploadsService);
    this.sessionKey = sessionKey(this.config.DASHBOARD_SESSION_SECRET, this.config.URL_SIGNING_SECRET);
  }
}
