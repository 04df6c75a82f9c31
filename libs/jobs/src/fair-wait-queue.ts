import type Redis from 'ioredis';
import type { FairQueue } from '@darkroom/queue';
import type { CancelSignal, QueueEntry, ReconcileProgress, WaitQueue } from './ports';

type Placed = Awaited<ReturnType<WaitQueue['enqueueWithPosition']>>;

interface PendingEnqueue {
  entry: QueueEntry;
  resolve(placed: Placed): void;
  reject(e: unknown): void;
}

/** The job lifecycle's WaitQueue on top of the fair queue of @darkroom/queue. */
export class FairWaitQueue implements WaitQueue {
  /** enqueueWithPosition calls of this turn of the event loop, sent together when it ends. */
  private pending: PendingEnqueue[] = [];

  constructor(readonly fair: FairQueue) {}

  enqueue(e: QueueEntry): Promise<boolean> {
    return this.fair.enqueue(e.pool, { jobId: e.jobId, tenantId: e.tenantId, modelKey: e.modelKey ?? '', weight: e.weight });
  }

  enqueueWithPosition(entry: QueueEntry): Promise<Placed> {
    return new Promise((resolve, reject) => {
      if (this.pending.length === 0) process.nextTick(() => this.flush());
      this.pending.push({ entry, resolve, reject });
    });
  }

  /** One script per pool for everything enqueued since the last flush. */
  private flush(): void {
    const byPool = new Map<string, PendingEnqueue[]>();
    for (const p of this.pending) {
      const calls = byPool.get(p.entry.pool);
      if (calls) calls.push(p);
      else byPool.set(p.entry.pool, [p]);
    }
    this.pending = [];
    for (const [pool, calls] of byPool) {
      const jobs = calls.map(({ entry: e }) => ({ jobId: e.jobId, tenantId: e.tenantId, modelKey: e.modelKey ?? '', weight: e.weight }));
      this.fair.enqueueAndRank(pool, jobs).then(
        (placed) => calls.forEach((c, i) => c.resolve(placed[i])),
        (e) => calls.forEach((c) => c.reject(e)),
      );
    }
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

  async reconcileProgress(): Promise<ReconcileProgress | null> {
    const text = await this.fair.marker(RECONCILE_MARKER);
    if (!text) return null;
    const [checkedUntil, fullCheckAt] = text.split(' ').map(Number);
    return Number.isFinite(checkedUntil) && Number.isFinite(fullCheckAt) ? { checkedUntil, fullCheckAt } : null;
  }

  async setReconcileProgress(p: ReconcileProgress): Promise<void> {
    await this.fair.setMarker(RECONCILE_MARKER, `${p.checkedUntil} ${p.fullCheckAt}`);
  }
}

const RECONCILE_MARKER = 'reconciled';

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
