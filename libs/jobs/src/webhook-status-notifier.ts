import type { PrismaClient } from '@darkroom/db';
import type { UrlSigner } from '@darkroom/storage';
import { JOB_STATUS_EVENT, notifyJobStatus, WebhookDispatcher } from '@darkroom/webhooks';
import { toJobView } from './job-view';
import type { StatusNotifier, WaitQueue } from './ports';

export interface WebhookStatusNotifierDeps {
  prisma: PrismaClient;
  dispatcher: WebhookDispatcher;
  signer: UrlSigner;
  urlTtlSec: number;
  queue?: WaitQueue;
  log?: (msg: string, extra?: Record<string, unknown>) => void;
}

/**
 * Posts the job object to its notifyUrl after a status change: a delivery row, then a BullMQ job that signs,
 * sends and retries it. The body is the job as it is when the notification is built (a fast job may already
 * be past the status that triggered it). A failure to notify never fails the status change itself: the row
 * stays PENDING and the maintenance sweep sends it later.
 */
export class WebhookStatusNotifier implements StatusNotifier {
  constructor(private readonly deps: WebhookStatusNotifierDeps) {}

  async jobStatusChanged(job: { id: bigint; tenantId: string; notifyUrl: string | null }): Promise<void> {
    if (!job.notifyUrl) return;
    try {
      const row = await this.deps.prisma.job.findUnique({ where: { id: job.id }, include: { outputs: true } });
      if (!row) return;
      const position = row.status === 'WAITING' ? await this.deps.queue?.position(row.pool, row.id.toString()).catch(() => null) : null;
      const view = toJobView(row, { signer: this.deps.signer, urlTtlSec: this.deps.urlTtlSec, position });
      await notifyJobStatus(
        { deliveries: this.deps.dispatcher.deliveries, dispatcher: this.deps.dispatcher },
        { tenantId: row.tenantId, jobId: row.id, url: job.notifyUrl, event: JOB_STATUS_EVENT, payload: { job: view } as never },
      );
    } catch (e) {
      this.deps.log?.('could not queue a job status notification', { jobId: job.id.toString(), error: (e as Error).message });
    }
  }
}

/** The platform's webhook dispatcher from its validated config (same Redis, BullMQ prefix and address policy everywhere). */
export function createWebhookDispatcher(
  config: { REDIS_URL: string; REDIS_PREFIX: string; WEBHOOK_ALLOW_LOOPBACK: boolean; WEBHOOK_ALLOW_PRIVATE: boolean; WEBHOOK_RETRY_DELAYS_MS?: number[] },
  prisma: PrismaClient,
): WebhookDispatcher {
  return new WebhookDispatcher({
    connection: config.REDIS_URL,
    prefix: `${config.REDIS_PREFIX}:bull`,
    prisma,
    policy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
    delaysMs: config.WEBHOOK_RETRY_DELAYS_MS,
  });
}
