import type Redis from 'ioredis';
import { DomainError, GrpcCode } from '@darkroom/contracts';

const WINDOW_MS = 1_000;

/**
 * Takes up to ARGV[1] requests of the window counter KEYS[1] (limit ARGV[2], window ARGV[3] ms, started by the
 * first take). Returns {granted, ms left in the window}; the counter never passes the limit.
 */
const LEASE_LUA = `
local want, limit = tonumber(ARGV[1]), tonumber(ARGV[2])
local used = redis.call('INCRBY', KEYS[1], want)
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
local granted = want
if used > limit then
  granted = math.max(0, want - (used - limit))
  redis.call('DECRBY', KEYS[1], want - granted)
end
return {granted, ttl}
`;

interface Lease {
  limit: number;
  /** Local clock time at which the Redis window ends. */
  windowEnd: number;
  tokens: number;
  /** The window is spent: Redis granted less than asked. */
  exhausted: boolean;
  /** A lease request in flight; concurrent requests of the tenant wait for it instead of sending their own. */
  refill?: Promise<void>;
}

type LeasingRedis = Redis & { darkroomRateLease(key: string, want: number, limit: number, windowMs: number): Promise<[number, number]> };

/**
 * Per-tenant requests per second in fixed one-second windows counted in Redis, so that the limit holds across API
 * replicas. A replica takes requests from a tenant's window in leases of a tenth of the limit (one at a time for
 * limits under 20) and spends them locally, so that a busy tenant costs one Redis command per lease instead of one
 * per request. The window never admits more than the limit in all; requests leased by a replica and left unused
 * when the window ends are lost, so with R replicas a tenant may be refused up to (R - 1) leases early.
 */
export class TenantRateLimiter {
  private readonly leases = new Map<string, Lease>();
  private readonly redis: LeasingRedis;

  constructor(
    redis: Redis,
    private readonly prefix: string,
    private readonly defaultPerSec: number,
  ) {
    redis.defineCommand('darkroomRateLease', { numberOfKeys: 1, lua: LEASE_LUA });
    this.redis = redis as LeasingRedis;
  }

  async consume(tenantId: string, perSec: number | null): Promise<void> {
    const limit = perSec ?? this.defaultPerSec;
    for (;;) {
      const lease = this.current(tenantId, limit);
      if (lease.tokens > 0) {
        lease.tokens--;
        return;
      }
      if (lease.exhausted) throw rateLimited(limit, lease.windowEnd - Date.now());
      lease.refill ??= this.refill(tenantId, lease).finally(() => (lease.refill = undefined));
      await lease.refill;
    }
  }

  /** The tenant's lease for the window in force, a fresh empty one when the window ended or the limit changed. */
  private current(tenantId: string, limit: number): Lease {
    const now = Date.now();
    let lease = this.leases.get(tenantId);
    if (!lease || lease.limit !== limit || (now >= lease.windowEnd && !lease.refill)) {
      lease = { limit, windowEnd: 0, tokens: 0, exhausted: false };
      this.leases.set(tenantId, lease);
    }
    return lease;
  }

  private async refill(tenantId: string, lease: Lease): Promise<void> {
    const want = Math.max(1, Math.floor(lease.limit / 10));
    // The limit is part of the key, so that a changed limit starts its own count (as a new plan should).
    const [granted, msLeft] = await this.redis.darkroomRateLease(`${this.prefix}:rl:${lease.limit}:${tenantId}`, want, lease.limit, WINDOW_MS);
    lease.windowEnd = Date.now() + Math.max(1, msLeft);
    lease.tokens += granted;
    lease.exhausted = granted < want;
  }
}

function rateLimited(limit: number, msLeft: number): DomainError {
  const retryAfter = Math.max(1, Math.ceil(msLeft / 1000));
  return new DomainError(
    GrpcCode.RESOURCE_EXHAUSTED,
    `rate limit of ${limit} requests per second exceeded; retry after ${retryAfter} s`,
    [{ field: '', rule: 'rate_limit', message: `${limit} requests per second` }],
    { 'retry-after': String(retryAfter) },
  );
}
