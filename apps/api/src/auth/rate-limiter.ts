import type Redis from 'ioredis';
import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { DomainError, GrpcCode } from '@darkroom/contracts';

/** Per-tenant requests per second, counted in Redis so that the limit holds across API replicas. */
export class TenantRateLimiter {
  private readonly limiters = new Map<number, RateLimiterRedis>();

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly defaultPerSec: number,
  ) {}

  private limiter(perSec: number): RateLimiterRedis {
    let l = this.limiters.get(perSec);
    if (!l) {
      l = new RateLimiterRedis({ storeClient: this.redis, keyPrefix: `${this.prefix}:rl:${perSec}`, points: perSec, duration: 1 });
      this.limiters.set(perSec, l);
    }
    return l;
  }

  async consume(tenantId: string, perSec: number | null): Promise<void> {
    const limit = perSec ?? this.defaultPerSec;
    try {
      await this.limiter(limit).consume(tenantId, 1);
    } catch (e) {
      if (!(e instanceof RateLimiterRes)) throw e;
      const retryAfter = Math.max(1, Math.ceil(e.msBeforeNext / 1000));
      throw new DomainError(
        GrpcCode.RESOURCE_EXHAUSTED,
        `rate limit of ${limit} requests per second exceeded; retry after ${retryAfter} s`,
        [{ field: '', rule: 'rate_limit', message: `${limit} requests per second` }],
        { 'retry-after': String(retryAfter) },
      );
    }
  }
}
