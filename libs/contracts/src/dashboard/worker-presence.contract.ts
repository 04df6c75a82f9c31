import { z } from 'zod';

// Workers announce themselves in Redis (written by the worker loop, read by the dashboard's admin pages):
// one key per worker with a short expiry, refreshed every few seconds, and a sorted set of workers by last report.

/** A worker's report. */
export const workerPresenceSchema = z.object({
  workerId: z.string(),
  pool: z.string(),
  hostname: z.string(),
  pid: z.number().int(),
  /** The engine's name (onnx, placeholder). */
  runner: z.string(),
  concurrency: z.number().int(),
  /** Model keys the engine holds loaded (what the queue's model affinity uses). */
  heldModels: z.array(z.string()),
  /** Jobs running on it now. */
  runningJobs: z.array(z.string()),
  /** false once it stops taking jobs (shutting down). */
  takingJobs: z.boolean(),
  startedAt: z.string(),
  /** When this report was written. */
  seenAt: z.string(),
});
export type WorkerPresence = z.infer<typeof workerPresenceSchema>;

/** How often a worker reports; a worker not heard from in 3 intervals is shown as lost. */
export const WORKER_PRESENCE_INTERVAL_MS = 5_000;
/** A report's key expires after this long without a refresh. */
export const WORKER_PRESENCE_TTL_SEC = 60;

export const workerPresenceKey = (prefix: string, workerId: string) => `${prefix}:workers:${workerId}`;
/** Sorted set: worker id → unix ms of its latest report. */
export const workerIndexKey = (prefix: string) => `${prefix}:workers`;

export interface WorkerView extends WorkerPresence {
  /** Seconds since its latest report. */
  ageSec: number;
  state: 'ONLINE' | 'STOPPING' | 'LOST';
  /** The job it runs now (the first when it runs several), with its tenant. */
  currentJobs: Array<{ jobId: string; tenantName: string; startedAt: string | null; progress: number | null }>;
}
export interface PoolView {
  pool: string;
  families: string[];
  waiting: number;
  running: number;
  workers: number;
}
export interface AdminWorkersResponse {
  pools: PoolView[];
  workers: WorkerView[];
}
