import os from 'node:os';
import type Redis from 'ioredis';
import type { Logger } from 'pino';
import { WORKER_PRESENCE_INTERVAL_MS, WORKER_PRESENCE_TTL_SEC, workerIndexKey, WorkerPresence, workerPresenceKey } from '@darkroom/contracts';

/** What a worker reports about itself. */
export interface PresenceSource {
  readonly activeJobs: string[];
  readonly isTakingJobs: boolean;
  heldModels(): string[];
}

export interface WorkerPresenceOptions {
  redis: Redis;
  prefix: string;
  source: PresenceSource;
  pool: string;
  workerId: string;
  runner: string;
  concurrency: number;
  log: Logger;
  intervalMs?: number;
}

/** Index entries older than this are dropped (the records themselves expire after WORKER_PRESENCE_TTL_SEC). */
const INDEX_KEEP_MS = 24 * 3600_000;

/**
 * Announces this worker in Redis every few seconds (pool, models held, running jobs), for the admin's workers
 * page: a record with a short expiry, so a worker that dies silently disappears, and a sorted index by last report.
 */
export class WorkerPresenceReporter {
  private timer?: NodeJS.Timeout;
  private readonly startedAt = new Date().toISOString();

  constructor(private readonly o: WorkerPresenceOptions) {}

  start(): void {
    if (this.timer) return;
    void this.report();
    this.timer = setInterval(() => void this.report(), this.o.intervalMs ?? WORKER_PRESENCE_INTERVAL_MS);
    this.timer.unref();
  }

  snapshot(now = new Date()): WorkerPresence {
    return {
      workerId: this.o.workerId,
      pool: this.o.pool,
      hostname: os.hostname(),
      pid: process.pid,
      runner: this.o.runner,
      concurrency: this.o.concurrency,
      heldModels: this.o.source.heldModels(),
      runningJobs: this.o.source.activeJobs,
      takingJobs: this.o.source.isTakingJobs,
      startedAt: this.startedAt,
      seenAt: now.toISOString(),
    };
  }

  /** One report; failures are logged and retried at the next tick (presence is advisory). */
  async report(): Promise<void> {
    const now = new Date();
    try {
      await this.o.redis
        .multi()
        .set(workerPresenceKey(this.o.prefix, this.o.workerId), JSON.stringify(this.snapshot(now)), 'EX', WORKER_PRESENCE_TTL_SEC)
        .zadd(workerIndexKey(this.o.prefix), now.getTime(), this.o.workerId)
        .zremrangebyscore(workerIndexKey(this.o.prefix), '-inf', now.getTime() - INDEX_KEEP_MS)
        .exec();
    } catch (e) {
      this.o.log.warn({ err: e }, 'worker presence report failed');
    }
  }

  /** Stops reporting and removes the record (a clean shutdown is not a lost worker). */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    try {
      await this.o.redis.multi().del(workerPresenceKey(this.o.prefix, this.o.workerId)).zrem(workerIndexKey(this.o.prefix), this.o.workerId).exec();
    } catch (e) {
      this.o.log.warn({ err: e }, 'worker presence removal failed');
    }
  }
}
