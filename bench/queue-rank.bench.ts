/*
 * Queue rank lookups: how long FairQueue.position() takes with 100,000 waiting jobs from 100 tenants, against a raw
 * ZRANK round trip on the same zset measured in the same run (the floor: one round trip, one O(log n) lookup).
 * Run: node -r @swc-node/register bench/queue-rank.bench.ts   (REDIS_URL, default redis://127.0.0.1:6379)
 */
import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { FairQueue, poolKeys, type EnqueueInput } from '@darkroom/queue';

const JOBS = 100_000;
const TENANTS = 100;
const LOOKUPS = 10_000;
const WARMUP = 1_000;
const BATCH = 1_000;
const POOL = 'bench';

interface Stats {
  mean: number;
  p50: number;
  p99: number;
}

function stats(samplesUs: number[]): Stats {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  return { mean: sorted.reduce((s, x) => s + x, 0) / sorted.length, p50: at(0.5), p99: at(0.99) };
}

const us = (start: bigint) => Number(process.hrtime.bigint() - start) / 1000;
const fmt = (x: number) => x.toFixed(1).padStart(8);

async function deleteKeys(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
}

async function main(): Promise<void> {
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const prefix = `bench-rank-${randomBytes(4).toString('hex')}`;
  const queue = new FairQueue({ redis, prefix });
  const waitKey = poolKeys(prefix, POOL).wait;
  try {
    // Fill: tenants submit in bursts of uneven size, so tags spread like a real backlog.
    const fillStart = process.hrtime.bigint();
    const ids: string[] = [];
    for (let b = 0; b < JOBS / BATCH; b++) {
      const batch: EnqueueInput[] = [];
      for (let i = 0; i < BATCH; i++) {
        const n = b * BATCH + i;
        const tenant = Math.floor(Math.abs(Math.sin(n * 12.9898) * 43758.5453) % TENANTS);
        const jobId = `job-${n}`;
        ids.push(jobId);
        batch.push({ jobId, tenantId: `tenant-${tenant}`, modelKey: `model-${n % 7}`, weight: 1 + (tenant % 3) });
      }
      await queue.enqueueMany(POOL, batch);
    }
    const fillMs = us(fillStart) / 1000;
    const length = await queue.length(POOL);
    if (length !== JOBS) throw new Error(`expected ${JOBS} waiting jobs, found ${length}`);

    const pick = () => ids[Math.floor(Math.random() * ids.length)];
    for (let i = 0; i < WARMUP; i++) {
      await queue.position(POOL, pick());
      await redis.zrank(waitKey, pick());
    }

    // Interleave the two so drift on the machine affects both alike.
    const positionUs: number[] = [];
    const zrankUs: number[] = [];
    let mismatches = 0;
    for (let i = 0; i < LOOKUPS; i++) {
      const id = pick();
      let t = process.hrtime.bigint();
      const pos = await queue.position(POOL, id);
      positionUs.push(us(t));
      t = process.hrtime.bigint();
      const rank = await redis.zrank(waitKey, id);
      zrankUs.push(us(t));
      if (!pos || rank === null || pos.rank !== rank + 1 || pos.length !== JOBS) mismatches++;
    }

    const p = stats(positionUs);
    const z = stats(zrankUs);
    console.log(`queue-rank: ${JOBS} waiting jobs, ${TENANTS} tenants, ${LOOKUPS} random lookups`);
    console.log(`fill (pipelined enqueue script): ${fillMs.toFixed(0)} ms = ${((JOBS / fillMs) * 1000).toFixed(0)} jobs/s`);
    console.log(`                         mean µs   p50 µs   p99 µs`);
    console.log(`position() (rank+length) ${fmt(p.mean)} ${fmt(p.p50)} ${fmt(p.p99)}`);
    console.log(`raw ZRANK (baseline)     ${fmt(z.mean)} ${fmt(z.p50)} ${fmt(z.p99)}`);
    console.log(`ratio position/ZRANK: mean ${(p.mean / z.mean).toFixed(2)}x, p99 ${(p.p99 / z.p99).toFixed(2)}x`);
    console.log(`target < 1000 µs per lookup: ${p.p99 < 1000 ? 'met' : 'NOT met'} (p99 ${p.p99.toFixed(0)} µs)`);
    console.log(`rank mismatches against ZRANK: ${mismatches}`);
  } finally {
    await queue.closeBlockingConnections();
    await deleteKeys(redis, prefix);
    redis.disconnect();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
