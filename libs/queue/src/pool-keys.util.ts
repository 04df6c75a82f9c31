import { QueueError } from './queue.errors';

/** The Redis keys of one pool's queue. */
export interface PoolKeys {
  /** zset: waiting jobId → start tag */
  wait: string;
  /** string: the pool's virtual time V (largest tag taken so far) */
  vt: string;
  /** hash: tenantId → finish tag of the tenant's last enqueued job */
  fin: string;
  /** hash: tenantId → number of the tenant's waiting jobs */
  cnt: string;
  /** hash: jobId → JSON [tenantId, modelKey] */
  job: string;
  /** list: wake-up tokens for idle workers */
  signal: string;
}

export function assertPrefix(prefix: string): void {
  // A brace in the prefix would become the Redis Cluster hash tag instead of the pool name.
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
    throw new QueueError('INVALID_ARGUMENT', `invalid queue prefix ${JSON.stringify(prefix)}: non-empty, no braces`);
  }
}

/** `{pool}` is a Redis Cluster hash tag: all keys of one pool live in one slot, so the Lua scripts may touch them all. */
export function poolKeys(prefix: string, pool: string): PoolKeys {
  const base = `${prefix}:q:{${pool}}`;
  return {
    wait: `${base}:wait`,
    vt: `${base}:vt`,
    fin: `${base}:fin`,
    cnt: `${base}:cnt`,
    job: `${base}:job`,
    signal: `${base}:signal`,
  };
}

/** Key order every script expects. */
export function keyList(keys: PoolKeys): string[] {
  return [keys.wait, keys.vt, keys.fin, keys.cnt, keys.job, keys.signal];
}
