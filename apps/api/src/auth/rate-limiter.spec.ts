import Redis from 'ioredis';
import { DomainError } from '@darkroom/contracts';
import { createTestRedis, type TestRedis } from '@darkroom/testing';
import { TenantRateLimiter } from './rate-limiter';

/** Consumes n requests at once; how many were admitted, and the refusals. */
async function burst(limiter: TenantRateLimiter, tenant: string, perSec: number, n: number) {
  const results = await Promise.allSettled(Array.from({ length: n }, () => limiter.consume(tenant, perSec)));
  const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected').map((r) => r.reason as DomainError);
  return { admitted: n - refused.length, refused };
}

/** Runs `work` right after a window boundary of the local clock, so that the burst falls in one Redis window. */
async function atWindowStart<T>(work: () => Promise<T>): Promise<T> {
  await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
  return work();
}

describe('TenantRateLimiter (leases from a Redis window counter)', () => {
  let t: TestRedis;
  let second: Redis;

  beforeAll(async () => {
    t = await createTestRedis();
    second = new Redis(t.url);
  });

  afterAll(async () => {
    second.disconnect();
    await t.cleanup();
  });

  it('admits exactly the limit in a window and refuses the rest with RESOURCE_EXHAUSTED and Retry-After', async () => {
    const limiter = new TenantRateLimiter(t.redis, t.prefix, 5);
    const { admitted, refused } = await atWindowStart(() => burst(limiter, 'small', 5, 12));
    expect(admitted).toBe(5);
    expect(refused).toHaveLength(7);
    for (const e of refused) {
      expect(e).toBeInstanceOf(DomainError);
      expect(e.message).toMatch(/rate limit of 5 requests per second exceeded; retry after 1 s/);
      expect(e.headers).toEqual({ 'retry-after': '1' });
    }
  });

  it('starts a new window once the last one ended', async () => {
    const limiter = new TenantRateLimiter(t.redis, t.prefix, 5);
    expect((await burst(limiter, 'again', 3, 4)).admitted).toBe(3);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await burst(limiter, 'again', 3, 4)).admitted).toBe(3);
  });

  it('holds across replicas: two limiters on separate connections never admit more than the limit together', async () => {
    const a = new TenantRateLimiter(t.redis, t.prefix, 5);
    const b = new TenantRateLimiter(second, t.prefix, 5);
    const [ra, rb] = await atWindowStart(() => Promise.all([burst(a, 'shared', 200, 150), burst(b, 'shared', 200, 150)]));
    const total = ra.admitted + rb.admitted;
    // A replica leases a tenth of the limit at a time: at most one unused lease (20) is lost to the other.
    expect(total).toBeLessThanOrEqual(200);
    expect(total).toBeGreaterThanOrEqual(180);
    expect(ra.admitted).toBeGreaterThan(0);
    expect(rb.admitted).toBeGreaterThan(0);
  });

  it('asks Redis once per lease, not once per request', async () => {
    // The limiter gets a connection of its own, and the commands it writes to that socket are counted there.
    // (MONITOR would see every suite's traffic on the shared server, and ioredis' monitor mode can lose
    // track of its replies when lines arrive while it is switching into it.)
    const own = new Redis(t.url);
    const sent: string[] = [];
    const sendCommand = own.sendCommand.bind(own);
    own.sendCommand = ((command: Parameters<typeof sendCommand>[0], stream?: Parameters<typeof sendCommand>[1]) => {
      sent.push(`${command.name} ${command.args.map(String).join(' ')}`);
      return sendCommand(command, stream);
    }) as typeof own.sendCommand;
    try {
      const limiter = new TenantRateLimiter(own, t.prefix, 5);
      const { admitted } = await atWindowStart(() => burst(limiter, 'busy', 1000, 300));
      expect(admitted).toBe(300);
      const leases = sent.filter((c) => c.includes(`${t.prefix}:rl:1000:busy`));
      expect(leases).toHaveLength(3);
      expect(sent.filter((c) => !/^(evalsha|eval|script|info|select|client)\b/i.test(c))).toEqual([]);
    } finally {
      own.disconnect();
    }
  });

  it('keeps the count per limit: a tenant whose limit changes starts a fresh count', async () => {
    const limiter = new TenantRateLimiter(t.redis, t.prefix, 5);
    const [first, raised] = await atWindowStart(async () => [await burst(limiter, 'plan', 2, 3), await burst(limiter, 'plan', 4, 5)]);
    expect(first.admitted).toBe(2);
    expect(raised.admitted).toBe(4);
  });

  it('uses the default limit for a tenant without its own', async () => {
    const limiter = new TenantRateLimiter(t.redis, t.prefix, 3);
    expect((await atWindowStart(() => Promise.allSettled(Array.from({ length: 5 }, () => limiter.consume('default', null))))).filter((r) => r.status === 'fulfilled')).toHaveLength(3);
  });
});
