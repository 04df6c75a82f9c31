import { InjectQueue, Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, OnApplicationBootstrap } from '@nestjs/common';
import type { Job, Queue } from 'bullmq';
import type { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import { expireDueCredits, grantMonthlyCredits } from '@darkroom/credits';
import type { PrismaClient } from '@darkroom/db';
import { MaintenanceDeps, reapExpiredLeases, reconcileWaitingJobs, StatusNotifier, tenantWeightLookup, WaitQueue } from '@darkroom/jobs';
import { requeuePendingDeliveries, WebhookDispatcher } from '@darkroom/webhooks';
import { ModelUploadsService } from '../catalogue/model-uploads.service';
import { CONFIG, LOGGER, NOTIFIER, PRISMA, WAIT_QUEUE, WEBHOOKS } from '../platform/tokens';

/** Queue and job names are persisted in Redis: never rename them once shipped. */
export const MAINTENANCE_QUEUE = 'maintenance';
export const MAINTENANCE_TICK = 'tick';
export const CREDITS_TICK = 'credits';

/**
 * One maintenance tick every MAINTENANCE_INTERVAL_MS, run by exactly one API replica at a time (a BullMQ job
 * scheduler): reap jobs whose worker stopped heartbeating, and restore waiting jobs Redis lost. Hourly, the
 * credits' scheduled work: expire granted credits whose time has come, then grant the month's plan credits
 * (once per tenant and month); and remove model uploads nobody completed.
 */
@Processor(MAINTENANCE_QUEUE)
export class MaintenanceProcessor extends WorkerHost implements OnApplicationBootstrap {
  private readonly deps: MaintenanceDeps;

  constructor(
    @InjectQueue(MAINTENANCE_QUEUE) private readonly queue: Queue,
    @Inject(CONFIG) private readonly config: ApiEnv,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(WAIT_QUEUE) waitQueue: WaitQueue,
    @Inject(NOTIFIER) notifier: StatusNotifier,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(WEBHOOKS) private readonly webhooks: WebhookDispatcher,
    @Inject(ModelUploadsService) private readonly uploads: ModelUploadsService,
  ) {
    super();
    this.deps = {
      prisma,
      queue: waitQueue,
      notifier,
      log: (msg, extra) => log.info(extra, msg),
      weightOf: tenantWeightLookup(prisma),
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.upsertJobScheduler('maintenance-tick', { every: this.config.MAINTENANCE_INTERVAL_MS }, { name: MAINTENANCE_TICK });
    if (this.config.CREDITS_TICK_MS > 0) {
      await this.queue.upsertJobScheduler('credits-hourly', { every: this.config.CREDITS_TICK_MS }, { name: CREDITS_TICK });
    } else {
      await this.queue.removeJobScheduler('credits-hourly');
    }
  }

  async process(job: Job): Promise<unknown> {
    if (job.name !== CREDITS_TICK) return this.tick();
    const credits = await this.creditsTick();
    const abandonedUploads = await this.uploads.sweepAbandoned();
    if (abandonedUploads) this.log.info({ abandonedUploads }, 'removed model uploads never completed');
    return { ...credits, abandonedUploads };
  }

  /** Expire first: last month's included credits leave before this month's arrive. */
  async creditsTick(now = new Date()) {
    const expired = await expireDueCredits(this.prisma, now);
    const granted = await grantMonthlyCredits(this.prisma, now);
    this.log.info({ expiredTenants: expired.tenants, ...granted }, 'credits tick');
    return { expiredTenants: expired.tenants, ...granted };
  }

  async tick(): Promise<{ requeued: number; failed: number; restored: number; webhooksResent: number }> {
    const reaped = await reapExpiredLeases(this.deps);
    const restored = await reconcileWaitingJobs(this.deps);
    // Deliveries whose enqueue failed (Redis down at the time) are still PENDING in Postgres: send them now.
    const webhooksResent = await requeuePendingDeliveries(
      { deliveries: this.webhooks.deliveries, dispatcher: this.webhooks },
      { olderThanMs: 60_000, limit: 500 },
    );
    return { ...reaped, restored, webhooksResent };
  }

  /** For tests and the admin API: run one tick now, in this process. */
  runOnce() {
    return this.tick();
  }
}
