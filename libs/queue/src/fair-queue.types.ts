import type { Redis } from 'ioredis';

export interface FairQueueOptions {
  /** The client the scripts are defined on; blocking waits use duplicates of it. */
  redis: Redis;
  /** Key prefix, e.g. `darkroom`; keys are `${prefix}:q:{${pool}}:...`. No braces. */
  prefix: string;
  /** How many wake-up tokens a pool's signal list keeps at most (default 64). */
  signalMax?: number;
}

export interface EnqueueInput {
  jobId: string;
  tenantId: string;
  /** The model a worker must hold to run the job; used for affinity. */
  modelKey: string;
  /** The tenant's share relative to others, >= 1 (default 1). A tenant of weight 2 gets twice the share. */
  weight?: number;
}

export interface RequeueInput {
  jobId: string;
  tenantId: string;
  modelKey: string;
}

export interface TakeOptions {
  /** Models the worker already has in memory; a waiting job using one of them may be taken before the head. */
  heldModels?: readonly string[];
  /** How far past the head's tag a held-model job may be (tag units, default 2). 0 still allows ties. */
  affinityWindow?: number;
  /** How many jobs from the head are looked at (default 16, at most 256). */
  lookahead?: number;
}

export interface TakenJob {
  jobId: string;
  tenantId: string;
  modelKey: string;
  /** The job's start tag. */
  tag: number;
}

export interface QueuePosition {
  /** 1 = next to be taken. */
  rank: number;
  /** Waiting jobs in the pool. */
  length: number;
}

export interface WaitingJob extends TakenJob {
  rank: number;
}
