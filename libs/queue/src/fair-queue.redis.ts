import type { ChainableCommander, Redis } from 'ioredis';
import {
  DEFAULT_AFFINITY_WINDOW,
  DEFAULT_LOOKAHEAD,
  MAX_LOOKAHEAD,
  assertWeight,
} from './fair-tag.util';
import { ENQUEUE_LUA, ENQUEUE_MANY_LUA, LIST_LUA, POSITION_LUA, PROMOTE_LUA, REMOVE_LUA, REQUEUE_LUA, TAKE_LUA } from './fair-queue.lua';
import type {
  EnqueueInput,
  FairQueueOptions,
  QueuePosition,
  RequeueInput,
  TakenJob,
  TakeOptions,
  WaitingJob,
} from './fair-queue.types';
import { assertPoolName } from './pool-name.util';
import { assertPrefix, keyList, poolKeys, type PoolKeys } from './pool-keys.util';
import { QueueError } from './queue.errors';
import { WakeSignal } from './wake-signal.redis';

const DEFAULT_SIGNAL_MAX = 64;
const MAX_LIST_LIMIT = 1000;

type ScriptArg = string | number;

/** The commands defineCommand adds; names are darkroom-specific so they cannot clash with other scripts. */
interface QueueScripts<R> {
  darkroomQueueEnqueue(...args: ScriptArg[]): R;
  darkroomQueueEnqueueMany(...args: ScriptArg[]): R;
  darkroomQueueRequeue(...args: ScriptArg[]): R;
  darkroomQueueTake(...args: ScriptArg[]): R;
  darkroomQueueRemove(...args: ScriptArg[]): R;
  darkroomQueuePosition(...args: ScriptArg[]): R;
  darkroomQueuePromote(...args: ScriptArg[]): R;
  darkroomQueueList(...args: ScriptArg[]): R;
}
type ScriptedRedis = Redis & QueueScripts<Promise<unknown>>;
type ScriptedPipeline = ChainableCommander & QueueScripts<ScriptedPipeline>;

/**
 * darkroom's fair wait queue: per GPU pool, the waiting jobs ranked by start-time weighted fair queuing across
 * tenants. Redis holds only who waits where; job status, attempts and leases live in Postgres.
 */
export class FairQueue {
  private readonly redis: ScriptedRedis;
  private readonly prefix: string;
  private readonly signalMax: number;
  private readonly wake: WakeSignal;

  constructor(options: FairQueueOptions) {
    assertPrefix(options.prefix);
    this.prefix = options.prefix;
    this.signalMax = options.signalMax ?? DEFAULT_SIGNAL_MAX;
    if (!Number.isInteger(this.signalMax) || this.signalMax < 1) {
      throw new QueueError('INVALID_ARGUMENT', `signalMax must be a positive integer`);
    }
    const redis = options.redis;
    // Redefining on a client that already has them is harmless: same name, same script.
    redis.defineCommand('darkroomQueueEnqueue', { numberOfKeys: 6, lua: ENQUEUE_LUA });
    redis.defineCommand('darkroomQueueEnqueueMany', { numberOfKeys: 6, lua: ENQUEUE_MANY_LUA });
    redis.defineCommand('darkroomQueueRequeue', { numberOfKeys: 6, lua: REQUEUE_LUA });
    redis.defineCommand('darkroomQueueTake', { numberOfKeys: 6, lua: TAKE_LUA });
    redis.defineCommand('darkroomQueueRemove', { numberOfKeys: 6, lua: REMOVE_LUA });
    redis.defineCommand('darkroomQueuePosition', { numberOfKeys: 1, lua: POSITION_LUA, readOnly: true });
    redis.defineCommand('darkroomQueuePromote', { numberOfKeys: 1, lua: PROMOTE_LUA });
    redis.defineCommand('darkroomQueueList', { numberOfKeys: 6, lua: LIST_LUA, readOnly: true });
    this.redis = redis as ScriptedRedis;
    this.wake = new WakeSignal(redis);
  }

  /** Adds a waiting job at its fair tag. false if the job is already waiting (nothing changes then). */
  async enqueue(pool: string, job: EnqueueInput): Promise<boolean> {
    const args = this.enqueueArgs(pool, job);
    return (await this.redis.darkroomQueueEnqueue(...args)) === 1;
  }

  /** enqueue() for many jobs in one pipeline (one round trip); each job is still its own atomic script. */
  async enqueueMany(pool: string, jobs: readonly EnqueueInput[]): Promise<boolean[]> {
    if (jobs.length === 0) return [];
    const argLists = jobs.map((job) => this.enqueueArgs(pool, job));
    const pipeline = this.redis.pipeline() as ScriptedPipeline;
    for (const args of argLists) pipeline.darkroomQueueEnqueue(...args);
    const results = (await pipeline.exec()) ?? [];
    return results.map(([err, reply]) => {
      if (err) throw err;
      return reply === 1;
    });
  }

  /**
   * enqueue() for several jobs in one atomic script, answering each job's position as well: whether it was added
   * (false: it was already waiting) and its rank and the pool's length, both read after the last add.
   */
  async enqueueAndRank(pool: string, jobs: readonly EnqueueInput[]): Promise<Array<{ added: boolean; position: QueuePosition | null }>> {
    if (jobs.length === 0) return [];
    const keys = this.keys(pool);
    const args: ScriptArg[] = [this.signalMax];
    for (const job of jobs) args.push(...checkedJob(job));
    const reply = (await this.redis.darkroomQueueEnqueueMany(...keyList(keys), ...args)) as Array<[number, number, number]>;
    return reply.map(([added, rank, length]) => ({ added: added === 1, position: rank > 0 ? { rank, length } : null }));
  }

  /**
   * Puts back a job whose worker lost its lease, at tag V: ahead of everything that arrives later.
   * false if the job is already waiting.
   */
  async requeue(pool: string, job: RequeueInput): Promise<boolean> {
    const keys = this.keys(pool);
    assertId('jobId', job.jobId);
    assertId('tenantId', job.tenantId);
    assertModelKey(job.modelKey);
    const reply = await this.redis.darkroomQueueRequeue(
      ...keyList(keys),
      job.jobId,
      job.tenantId,
      job.modelKey,
      this.signalMax,
    );
    return reply === 1;
  }

  /**
   * Atomically pops the next job: the first of the first `lookahead` jobs whose model the worker holds and whose
   * tag is at most `affinityWindow` past the head's, otherwise the head. null when the pool is empty.
   */
  async take(pool: string, options: TakeOptions = {}): Promise<TakenJob | null> {
    const keys = this.keys(pool);
    const window = options.affinityWindow ?? DEFAULT_AFFINITY_WINDOW;
    const lookahead = options.lookahead ?? DEFAULT_LOOKAHEAD;
    if (!Number.isFinite(window) || window < 0) {
      throw new QueueError('INVALID_ARGUMENT', `affinityWindow must be a finite number >= 0`);
    }
    if (!Number.isInteger(lookahead) || lookahead < 1 || lookahead > MAX_LOOKAHEAD) {
      throw new QueueError('INVALID_ARGUMENT', `lookahead must be an integer in 1..${MAX_LOOKAHEAD}`);
    }
    const held = options.heldModels ?? [];
    held.forEach(assertModelKey);
    const reply = (await this.redis.darkroomQueueTake(...keyList(keys), window, lookahead, ...held)) as
      | [string, string, string, string]
      | null;
    if (!reply) return null;
    const [jobId, tenantId, modelKey, tag] = reply;
    return { jobId, tenantId, modelKey, tag: Number(tag) };
  }

  /** The job's 1-based rank and the pool's length, read together; null if the job is not waiting. O(log n). */
  async position(pool: string, jobId: string): Promise<QueuePosition | null> {
    const keys = this.keys(pool);
    assertId('jobId', jobId);
    const reply = (await this.redis.darkroomQueuePosition(keys.wait, jobId)) as [number, number] | null;
    return reply ? { rank: reply[0], length: reply[1] } : null;
  }

  /** Moves a waiting job to the front of its pool (an operator's override of the fair order). false if not waiting. */
  async promote(pool: string, jobId: string): Promise<boolean> {
    const keys = this.keys(pool);
    assertId('jobId', jobId);
    return (await this.redis.darkroomQueuePromote(keys.wait, jobId)) === 1;
  }

  /** Cancels a waiting job. true if it was waiting. */
  async remove(pool: string, jobId: string): Promise<boolean> {
    const keys = this.keys(pool);
    assertId('jobId', jobId);
    return (await this.redis.darkroomQueueRemove(...keyList(keys), jobId)) === 1;
  }

  /** Which of the jobs are waiting in the pool, in one command (ZMSCORE). */
  async waitingAmong(pool: string, jobIds: readonly string[]): Promise<boolean[]> {
    if (jobIds.length === 0) return [];
    for (const id of jobIds) assertId('jobId', id);
    const scores = await this.redis.zmscore(this.keys(pool).wait, ...jobIds);
    return scores.map((s) => s !== null);
  }

  async length(pool: string): Promise<number> {
    return this.redis.zcard(this.keys(pool).wait);
  }

  /**
   * A small value kept among the queue's own keys (`<prefix>:q:marker:<name>`), so that it is lost whenever the
   * queues' data is (a flush, a restart without persistence, the keys deleted): the reconciler's progress.
   */
  async marker(name: string): Promise<string | null> {
    return this.redis.get(this.markerKey(name));
  }

  async setMarker(name: string, value: string): Promise<void> {
    await this.redis.set(this.markerKey(name), value);
  }

  private markerKey(name: string): string {
    if (!/^[a-z0-9-]+$/.test(name)) throw new QueueError('INVALID_ARGUMENT', `invalid marker name ${JSON.stringify(name)}`);
    return `${this.prefix}:q:marker:${name}`;
  }

  /** Waiting jobs in queue order from `offset` (0-based), for the admin live-queue page. O(log n + limit). */
  async list(pool: string, offset = 0, limit = 50): Promise<WaitingJob[]> {
    const keys = this.keys(pool);
    if (!Number.isInteger(offset) || offset < 0) throw new QueueError('INVALID_ARGUMENT', `offset must be >= 0`);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
      throw new QueueError('INVALID_ARGUMENT', `limit must be an integer in 1..${MAX_LIST_LIMIT}`);
    }
    const reply = (await this.redis.darkroomQueueList(...keyList(keys), offset, limit)) as Array<
      [string, string, string, string]
    >;
    return reply.map(([jobId, tenantId, modelKey, tag], i) => ({
      jobId,
      tenantId,
      modelKey,
      tag: Number(tag),
      rank: offset + i + 1,
    }));
  }

  /** Waiting jobs per tenant (tenants with none are absent). O(tenants). */
  async countByTenant(pool: string): Promise<Record<string, number>> {
    const raw = await this.redis.hgetall(this.keys(pool).cnt);
    const out: Record<string, number> = {};
    for (const [tenant, count] of Object.entries(raw)) out[tenant] = Number(count);
    return out;
  }

  /** The pool's virtual time V: the largest tag taken so far (0 for a fresh pool). */
  async virtualTime(pool: string): Promise<number> {
    const raw = await this.redis.get(this.keys(pool).vt);
    return raw === null ? 0 : Number(raw);
  }

  /**
   * Blocks until an enqueue/requeue signals the pool or `timeoutMs` passes; true when signalled. A signal means work
   * may be there (another worker may have taken it first), so workers loop: take → if null, waitForWork → take.
   * Signals are kept (up to signalMax), so one sent between a null take and this call is not lost.
   */
  async waitForWork(pool: string, timeoutMs: number): Promise<boolean> {
    const keys = this.keys(pool);
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw new QueueError('INVALID_ARGUMENT', `timeoutMs must be a positive number`);
    }
    return this.wake.wait(keys.signal, timeoutMs);
  }

  /** Closes the duplicated connections waitForWork uses; pending waits resolve false. The main client is not closed. */
  async closeBlockingConnections(): Promise<void> {
    await this.wake.close();
  }

  private keys(pool: string): PoolKeys {
    assertPoolName(pool);
    return poolKeys(this.prefix, pool);
  }

  private enqueueArgs(pool: string, job: EnqueueInput): ScriptArg[] {
    return [...keyList(this.keys(pool)), ...checkedJob(job), this.signalMax];
  }
}

/** An enqueued job's script arguments (jobId, tenantId, weight, modelKey), checked. */
function checkedJob(job: EnqueueInput): [string, string, number, string] {
  assertId('jobId', job.jobId);
  assertId('tenantId', job.tenantId);
  assertModelKey(job.modelKey);
  const weight = job.weight ?? 1;
  assertWeight(weight);
  return [job.jobId, job.tenantId, weight, job.modelKey];
}

function assertId(name: string, value: string): void {
  if (typeof value !== 'string' || value.length === 0 || value.length > 256) {
    throw new QueueError('INVALID_ARGUMENT', `${name} must be a non-empty string of at most 256 characters`);
  }
}

function assertModelKey(value: string): void {
  if (typeof value !== 'string' || value.length > 512) {
    throw new QueueError('INVALID_ARGUMENT', `modelKey must be a string of at most 512 characters`);
  }
}
