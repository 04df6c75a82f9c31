import type { PrismaClient } from '@darkroom/db';
import { Queue, UnrecoverableError, Worker, type ConnectionOptions, type Job } from 'bullmq';
import type { RedisOptions } from 'ioredis';
import type { AddressPolicy, HostResolver } from './address-guard';
import { DeliveryRepository } from './delivery-repository';
import { signPayload } from './webhook-signer';
import { DEFAULT_WEBHOOK_TIMEOUT_MS, sendWebhook } from './webhook-sender';

/** BullMQ queue name. Persisted in Redis keys: never rename it. */
export const WEBHOOK_QUEUE = 'webhooks';
/** The one job name on that queue. */
export const DELIVER_JOB = 'deliver';
export interface DeliverJobData {
  deliveryId: string;
}

/** Waits after attempt 1, 2, ...: 9 attempts spread over about 8 hours. */
export const DEFAULT_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  10_000,
  60_000,
  5 * 60_000,
  15 * 60_000,
  30 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
  4 * 60 * 60_000,
]);

// Stored in each job's options; the worker's backoff strategy answers for it.
const BACKOFF_TYPE = 'darkroom-delay-list';

export interface WebhookLogger {
  warn(context: object, message: string): void;
}

export interface WebhookDispatcherOptions {
  /** ioredis options or a redis:// URL. */
  connection: string | RedisOptions;
  /** BullMQ key prefix (the deployment's REDIS_PREFIX; a unique one per test file). */
  prefix: string;
  prisma: PrismaClient;
  policy: AddressPolicy;
  /** Waits between attempts; attempts = length + 1. Default DEFAULT_RETRY_DELAYS_MS. */
  delaysMs?: readonly number[];
  /** Extra random wait added to each delay, as a fraction of it (never less than the delay). Default 0.1. */
  jitter?: number;
  /** Per-attempt deadline. Default 10 s. */
  timeoutMs?: number;
  /** Host resolution; the system resolver unless a test injects one. */
  resolver?: HostResolver;
  logger?: WebhookLogger;
}

function toConnection(connection: string | RedisOptions, blocking: boolean): ConnectionOptions {
  const options = typeof connection === 'string' ? { url: connection } : { ...connection };
  // A worker's blocking connection must retry forever (BullMQ insists); a producer keeps ioredis' bounded
  // retries so that enqueue fails, rather than hangs, while Redis is down.
  return blocking ? { ...options, maxRetriesPerRequest: null } : options;
}

/**
 * Delivers job status webhooks through BullMQ: `enqueue` on the producer side (API, worker),
 * `startWorker` where deliveries are sent. Every attempt is logged in Postgres.
 */
export class WebhookDispatcher {
  readonly deliveries: DeliveryRepository;
  private readonly queue: Queue<DeliverJobData>;
  private worker?: Worker<DeliverJobData>;
  private readonly delays: readonly number[];
  private readonly jitter: number;

  constructor(private readonly options: WebhookDispatcherOptions) {
    this.delays = options.delaysMs ?? DEFAULT_RETRY_DELAYS_MS;
    if (this.delays.some((d) => !Number.isFinite(d) || d < 0)) throw new Error('webhook retry delays must be >= 0 ms');
    this.jitter = options.jitter ?? 0.1;
    this.deliveries = new DeliveryRepository(options.prisma);
    this.queue = new Queue<DeliverJobData>(WEBHOOK_QUEUE, {
      connection: toConnection(options.connection, false),
      prefix: options.prefix,
    });
  }

  get maxAttempts(): number {
    return this.delays.length + 1;
  }

  /** Queues a delivery. The BullMQ job id is the delivery id, so enqueueing twice sends once. */
  async enqueue(deliveryId: string): Promise<void> {
    await this.queue.add(
      DELIVER_JOB,
      { deliveryId },
      {
        jobId: deliveryId,
        attempts: this.maxAttempts,
        backoff: { type: BACKOFF_TYPE },
        // Postgres keeps the log; Redis keeps finished jobs only long enough to collapse late duplicates.
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      },
    );
  }

  /** Starts sending. Resolves once the worker is connected. */
  async startWorker(options: { concurrency: number }): Promise<void> {
    if (this.worker) throw new Error('webhook worker already started');
    const worker = new Worker<DeliverJobData>(WEBHOOK_QUEUE, (job) => this.process(job), {
      connection: toConnection(this.options.connection, true),
      prefix: this.options.prefix,
      concurrency: options.concurrency,
      settings: { backoffStrategy: (attemptsMade: number) => this.delayAfter(attemptsMade) },
    });
    worker.on('error', (err) => this.options.logger?.warn({ err }, 'webhook worker error'));
    this.worker = worker;
    await worker.waitUntilReady();
  }

  /** The wait after attempt `attempt` (1-based): the list's entry, the last one beyond it, plus upward jitter. */
  delayAfter(attempt: number): number {
    if (!this.delays.length) return 0;
    const base = this.delays[Math.min(attempt, this.delays.length) - 1];
    return Math.round(base * (1 + Math.random() * this.jitter));
  }

  private async process(job: Job<DeliverJobData>): Promise<void> {
    const { deliveryId } = job.data;
    const delivery = await this.deliveries.get(deliveryId);
    // Gone (its job was deleted) or already finished (a duplicate run): nothing to send.
    if (!delivery || delivery.status !== 'PENDING') return;

    const attempt = job.attemptsMade + 1;
    const lastAttempt = attempt >= (job.opts.attempts ?? 1);
    const body = JSON.stringify(delivery.payload);

    let headers: Record<string, string>;
    try {
      headers = { ...signPayload(delivery.webhookSecret, delivery.messageId, new Date(), body) };
    } catch (err) {
      const reason = `cannot sign: ${err instanceof Error ? err.message : String(err)}`;
      await this.deliveries.recordAttempt(deliveryId, attempt, { error: reason, durationMs: 0 });
      await this.deliveries.markFailed(deliveryId, reason);
      throw new UnrecoverableError(reason);
    }

    const result = await sendWebhook({
      url: delivery.url,
      headers,
      body,
      timeoutMs: this.options.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS,
      policy: this.options.policy,
      resolver: this.options.resolver,
    });
    await this.deliveries.recordAttempt(deliveryId, attempt, {
      status: result.status,
      error: result.error,
      durationMs: result.durationMs,
    });

    if (result.ok) {
      await this.deliveries.markSucceeded(deliveryId);
      return;
    }
    const reason = result.error ?? 'delivery failed';
    if (result.refused) {
      await this.deliveries.markFailed(deliveryId, reason);
      throw new UnrecoverableError(reason);
    }
    if (lastAttempt) await this.deliveries.markFailed(deliveryId, reason);
    // BullMQ schedules the next attempt (or gives up after the last).
    throw new Error(reason);
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}
