import type Redis from 'ioredis';
import type { FairQueue } from '@darkroom/queue';
import type { CancelSignal, QueueEntry, WaitQueue } from './ports';

/** The job lifecycle's WaitQueue on top of the fair queue of @darkroom/queue. */
export class FairWaitQueue implements WaitQueue {
  constructor(readonly fair: FairQueue) {}

  enqueue(e: QueueEntry): Promise<boolean> {
    return this.fair.enqueue(e.pool, { jobId: e.jobId, tenantId: e.tenantId, modelKey: e.modelKey ?? '', weight: e.weight });
  }

  requeue(e: QueueEntry): Promise<boolean> {
    return this.fair.requeue(e.pool, { jobId: e.jobId, tenantId: e.tenantId, modelKey: e.modelKey ?? '' });
  }

  position(pool: string, jobId: string) {
    return this.fair.position(pool, jobId);
  }

  remove(pool: string, jobId: string): Promise<boolean> {
    return this.fair.remove(pool, jobId);
  }

  async contains(pool: string, jobId: string): Promise<boolean> {
    return (await this.fair.position(pool, jobId)) !== null;
  }

  containsMany(pool: string, jobIds: readonly string[]): Promise<boolean[]> {
    return this.fair.waitingAmong(pool, jobIds);
  }

  length(pool: string): Promise<number> {
    return this.fair.length(pool);
  }
}

/** Cancel flags in Redis, read by the worker between steps (a GET is cheaper than a Postgres round trip). */
export class RedisCancelSignal implements CancelSignal {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  async requestCancel(jobId: string): Promise<void> {
    await this.redis.set(`${this.prefix}:cancel:${jobId}`, '1', 'EX', 86_400);
  }

  async isCancelRequested(jobId: string): Promise<boolean> {
    return (await this.redis.exists(`${this.prefix}:cancel:${jobId}`)) === 1;
  }
}
