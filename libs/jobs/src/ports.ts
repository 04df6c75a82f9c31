/** The wait queue as the job lifecycle sees it (implemented by @darkroom/queue's FairQueue). */
export interface WaitQueue {
  /**
   * Adds a waiting job. The FairQueue runs every command on one Redis connection, in order: a position() sent
   * right behind an enqueue() (without awaiting it) answers for the enqueued job, in the same round trip.
   */
  enqueue(entry: QueueEntry): Promise<boolean>;
  /**
   * Adds a new waiting job and answers its place. Concurrent calls (those made in the same turn of the event loop,
   * as the creates of one database batch are) share one Redis command per pool.
   */
  enqueueWithPosition(entry: QueueEntry): Promise<{ added: boolean; position: { rank: number; length: number } | null }>;
  /** Puts a job back after a lost lease or a transient failure, ahead of newer arrivals. */
  requeue(entry: QueueEntry): Promise<boolean>;
  position(pool: string, jobId: string): Promise<{ rank: number; length: number } | null>;
  remove(pool: string, jobId: string): Promise<boolean>;
  contains(pool: string, jobId: string): Promise<boolean>;
  /** contains() for many jobs of one pool at once (one round trip). */
  containsMany(pool: string, jobIds: readonly string[]): Promise<boolean[]>;
  /**
   * What the reconciler has checked so far, kept with the queue's own data: null after the queue lost its data
   * (then every waiting job must be checked again).
   */
  reconcileProgress(): Promise<ReconcileProgress | null>;
  setReconcileProgress(progress: ReconcileProgress): Promise<void>;
}

export interface ReconcileProgress {
  /** Every job WAITING in Postgres with updatedAt before this time (epoch ms) was checked against the queue. */
  checkedUntil: number;
  /** When the last check of every waiting job started (epoch ms). */
  fullCheckAt: number;
}

export interface QueueEntry {
  pool: string;
  jobId: string;
  tenantId: string;
  weight: number;
  modelKey?: string;
}

/** Something that tells a job's notifyUrl about a status change (implemented with @darkroom/webhooks). */
export interface StatusNotifier {
  jobStatusChanged(job: { id: bigint; tenantId: string; notifyUrl: string | null }): Promise<void>;
}

export const NO_NOTIFIER: StatusNotifier = { jobStatusChanged: async () => undefined };

/** Where a running job's cancel flag can be read quickly between steps. */
export interface CancelSignal {
  requestCancel(jobId: string): Promise<void>;
  isCancelRequested(jobId: string): Promise<boolean>;
}
