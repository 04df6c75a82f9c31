import { Queue } from 'bullmq';
import { WEBHOOK_QUEUE, type DeliverJobData, type WebhookDispatcher } from '@darkroom/webhooks';
import { redisOptions } from '../../platform/redis-options';

export type RetryOutcome = 'sent-now' | 'already-queued' | 'queued';

/**
 * "Retry now" on the webhook queue the dispatcher uses (same name and prefix). A delivery's BullMQ job id is the
 * delivery id: a delayed retry is promoted to run now; a failed job is moved back to the queue (one more attempt,
 * and the schedule's remaining ones if any); a job Redis no longer holds is enqueued afresh through the dispatcher.
 */
export class WebhookRetryQueue {
  private queue?: Queue<DeliverJobData>;

  constructor(
    private readonly dispatcher: Pick<WebhookDispatcher, 'enqueue'>,
    private readonly redisUrl: string,
    private readonly prefix: string,
  ) {}

  async retryNow(deliveryId: string): Promise<RetryOutcome> {
    this.queue ??= new Queue<DeliverJobData>(WEBHOOK_QUEUE, { connection: redisOptions(this.redisUrl), prefix: this.prefix });
    const job = await this.queue.getJob(deliveryId);
    const state = job ? await job.getState() : 'unknown';
    if (job && state === 'delayed') {
      await job.promote();
      return 'sent-now';
    }
    if (job && (state === 'failed' || state === 'completed')) {
      await job.retry(state);
      return 'sent-now';
    }
    if (job && state !== 'unknown') return 'already-queued';
    await this.dispatcher.enqueue(deliveryId);
    return 'queued';
  }

  async close(): Promise<void> {
    await this.queue?.close();
  }
}
