// Create-job throughput and latency at 50 connections, against two baselines measured in the same run:
// a bare Fastify POST handler (the machine's HTTP ceiling) and raw BullMQ queue.add with 50 in flight.
// POST /v1/jobs runs twice: spread over BENCH_TENANTS tenants (default 50; how a platform is loaded, since each
// tenant's plan caps its own rate) and with all requests from ONE tenant (the worst case: one tenant's creates
// serialize on its row lock).
// Run: node -r @swc-node/register bench/create-job.bench.ts   (needs local Postgres and Redis)
// The bare handler runs before and after the darkroom runs and their mean is the baseline: this machine's speed
// drifts by a fifth over minutes, which a baseline measured once would fold into the ratio. Where the time goes:
// the CPU time (user + system, from /proc) that the API process, the Postgres backends, Redis and the load
// generator spent per created job during each run.
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_TENANTS (50), BENCH_PROFILE_DIR (write a V8 CPU profile of
// the API process there).
import { fork, ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import Redis from 'ioredis';
import { grantCredits } from '@darkroom/credits';
import { createMigratedDatabase, deleteKeysWithPrefix, TEST_REDIS_URL } from '@darkroom/testing';
import { generateApiKey } from '../apps/api/src/auth/api-keys';
import { registerDemoModel, seedPlans } from '../scripts/seed-catalogue';
import { freePort } from '../apps/api/test/api-harness';

const ROOT = path.resolve(__dirname, '..');
const DURATION = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 50);
const TENANTS = Number(process.env.BENCH_TENANTS ?? 50);

// Child servers die with the benchmark, whatever way it ends.
const children = new Set<ChildProcess>();
process.on('exit', () => children.forEach((c) => c.kill('SIGKILL')));

function start(script: string, env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(ROOT, script), [], { execArgv: ['-r', '@swc-node/register'], env: { ...process.env, ...env }, stdio: 'inherit' });
    children.add(child);
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
    child.once('message', () => resolve(child));
  });
}

async function waitForHttp(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/** CPU time (user + system, ms) each process used so far; processes that ended are left out. */
function cpuByPid(pids: number[]): Map<number, number> {
  const ms = new Map<number, number>();
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ms.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / 100); // clock ticks of 10 ms
    } catch {
      /* gone */
    }
  }
  return ms;
}

/**
 * CPU ms the processes spent between two readings: a process that started meanwhile counts from zero, one that
 * ended meanwhile counts nothing (its last moments are lost, rather than its whole history subtracted).
 */
function cpuSpent(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, t] of after) ms += t - (before.get(pid) ?? 0);
  return ms;
}

/** Processes whose command name is `name` (postgres backends, redis-server). */
function pidsNamed(name: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === name;
      } catch {
        return false;
      }
    });
}

interface CpuShare {
  api: number;
  postgres: number;
  redis: number;
  loadGenerator: number;
}

/** Runs `work` and answers the CPU µs per created job each party spent meanwhile. */
async function cpuPerCreate<T extends { rps: number }>(apiPid: number, work: () => Promise<T>): Promise<T & { cpu: CpuShare }> {
  const read = () => ({ api: cpuByPid([apiPid]), postgres: cpuByPid(pidsNamed('postgres')), redis: cpuByPid(pidsNamed('redis-server')), self: cpuByPid([process.pid]) });
  const before = read();
  const result = await work();
  // Backends that started during the run count from zero: list them again.
  const after = read();
  const perCreate = (ms: number) => (ms * 1000) / Math.max(1, result.rps * DURATION);
  return {
    ...result,
    cpu: {
      api: perCreate(cpuSpent(before.api, after.api)),
      postgres: perCreate(cpuSpent(before.postgres, after.postgres)),
      redis: perCreate(cpuSpent(before.redis, after.redis)),
      loadGenerator: perCreate(cpuSpent(before.self, after.self)),
    },
  };
}

async function load(url: string, headers: (i: number) => Record<string, string>, body: (i: number) => string) {
  let i = 0;
  const result = await autocannon({
    url,
    method: 'POST',
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => {
          const n = i++;
          return { ...req, headers: { ...req.headers, ...headers(n) }, body: body(n) };
        },
      },
    ],
  });
  const l = result.latency;
  return { rps: result.requests.average, p50: l.p50, p99: l.p99, mean: l.mean, p90: l.p90, p97: l.p97_5, max: l.max, non2xx: result.non2xx, errors: result.errors };
}

/** Deletes what the API left in Redis under the run's prefix (queues, rate windows, maintenance schedules). */
async function obliterateRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(TEST_REDIS_URL);
  await deleteKeysWithPrefix(redis, prefix);
  redis.disconnect();
}

async function bareFastify() {
  const port = await freePort();
  const bare = await start('bench/bare-fastify.server.ts', { PORT: String(port) });
  const result = await load(`http://127.0.0.1:${port}/v1/jobs`, () => ({}), () => '{}');
  bare.kill();
  return result;
}

async function main(): Promise<void> {
  // 1. Baseline: bare Fastify (again after the darkroom runs).
  const bareBefore = await bareFastify();

  // 2. Baseline: raw BullMQ add, 50 in flight.
  const prefix = `bench${randomBytes(3).toString('hex')}`;
  const queue = new Queue('bench', { connection: { host: '127.0.0.1', port: 6379 }, prefix });
  let added = 0;
  const until = Date.now() + DURATION * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < until) {
        await queue.add('job', { n: added }, { removeOnComplete: true });
        added++;
      }
    }),
  );
  const bullRps = added / DURATION;
  await queue.obliterate({ force: true });
  await queue.close();

  // 3. darkroom: the real API in its own process, real Postgres and Redis.
  const db = await createMigratedDatabase();
  await seedPlans(db.prisma);
  await registerDemoModel(db.prisma, `/tmp/${prefix}-models`);
  // Tenants without a rate limit or a concurrency cap worth the name: the bench measures the create path itself.
  const keys: string[] = [];
  for (let t = 0; t < Math.max(1, TENANTS); t++) {
    const tenant = await db.prisma.tenant.create({ data: { name: `bench-${t}`, planId: 'enterprise', rateLimitPerSec: 1_000_000, maxConcurrentJobs: 1_000_000, webhookSecret: 'whsec_bench' } });
    await db.prisma.$transaction((tx) => grantCredits(tx, tenant.id, 10_000_000, 'bench', `bench-${t}`));
    const key = generateApiKey();
    await db.prisma.apiKey.create({ data: { tenantId: tenant.id, name: 'bench', prefix: key.prefix, hash: key.hash, scopes: [] } });
    keys.push(key.key);
  }
  // A platform's database has history, and its planner statistics know it: 2,000 finished jobs per tenant, then
  // ANALYZE. (On tables the statistics still call empty, Postgres may look a requestId up through the tenant's
  // status index instead of the unique one, which makes every create scan the tenant's waiting jobs.)
  await db.prisma.$executeRawUnsafe(`
    INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, "modelIds", credits, "priceVersion", "createdAt", "updatedAt", "finishedAt")
    SELECT 1000000000 + row_number() OVER (), t.id, 'history-' || g, md5(g::text), '{"stages":[]}'::jsonb, 'SUCCESS', 'cpu', '{}', 1, 'v1',
           now() - interval '1 day', now() - interval '1 day', now() - interval '1 day'
    FROM "Tenant" t CROSS JOIN generate_series(1, 2000) g`);
  await db.prisma.$executeRawUnsafe('ANALYZE');
  const apiPort = await freePort();
  const apiEnv = {
    DATABASE_URL: db.url,
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    URL_SIGNING_SECRET: randomBytes(32).toString('hex'),
    API_PORT: String(apiPort),
    API_HOST: '127.0.0.1',
    PUBLIC_BASE_URL: `http://127.0.0.1:${apiPort}`,
    LOG_LEVEL: 'warn',
    STORAGE_DIR: `/tmp/${prefix}`,
  };
  const profile = process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : [];
  const api = fork(path.join(ROOT, 'apps/api/src/main.ts'), [], { execArgv: ['-r', '@swc-node/register', ...profile], env: { ...process.env, ...apiEnv }, stdio: 'inherit' });
  children.add(api);
  await waitForHttp(`http://127.0.0.1:${apiPort}/healthz`);
  const run = randomBytes(3).toString('hex');
  const body = (i: number) =>
    JSON.stringify({ requestId: `${run}-${i}`, stages: [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, prompts: [{ text: 'a photo of a cat' }], steps: 20 } }] });
  const url = `http://127.0.0.1:${apiPort}/v1/jobs`;
  // Warm-up (JIT, connection pools, caches), then the two measured runs.
  await autocannon({ url, method: 'POST', connections: 10, amount: 500, headers: { 'content-type': 'application/json', authorization: `Bearer ${keys[0]}` }, requests: [{ setupRequest: (req) => ({ ...req, body: body(1e9 + Math.floor(Math.random() * 1e9)) }) }] });
  const manyResult = await cpuPerCreate(api.pid!, () => load(url, (i) => ({ authorization: `Bearer ${keys[i % keys.length]}` }), body));
  const oneResult = await cpuPerCreate(api.pid!, () => load(url, () => ({ authorization: `Bearer ${keys[0]}` }), (i) => body(2e9 + i)));
  const created = await db.prisma.job.count();
  api.kill('SIGTERM');
  await new Promise((r) => {
    api.once('exit', r);
    setTimeout(() => api.kill('SIGKILL'), 20_000).unref();
  });
  await db.drop();
  await obliterateRedisPrefix(prefix);
  const bareAfter = await bareFastify();
  const bareResult = {
    rps: (bareBefore.rps + bareAfter.rps) / 2,
    p50: Math.max(bareBefore.p50, bareAfter.p50),
    p99: Math.max(bareBefore.p99, bareAfter.p99),
    non2xx: bareBefore.non2xx + bareAfter.non2xx,
  };

  const fmt = (n: number) => n.toFixed(0).padStart(7);
  console.log(`\ncreate-job benchmark: ${CONNECTIONS} connections, ${DURATION} s each, ${require('os').cpus().length} cores\n`);
  console.log('                           req/s      p50 ms   p99 ms   non-2xx');
  console.log(`bare Fastify (baseline)  ${fmt(bareResult.rps)}   ${fmt(bareResult.p50)}  ${fmt(bareResult.p99)}   ${bareResult.non2xx}  (before ${bareBefore.rps.toFixed(0)}, after ${bareAfter.rps.toFixed(0)})`);
  console.log(`raw BullMQ add (baseline)${fmt(bullRps)}`);
  console.log(`POST /v1/jobs, ${String(keys.length).padStart(3)} tenants${fmt(manyResult.rps)}   ${fmt(manyResult.p50)}  ${fmt(manyResult.p99)}   ${manyResult.non2xx}`);
  console.log(`POST /v1/jobs, 1 tenant    ${fmt(oneResult.rps)}   ${fmt(oneResult.p50)}  ${fmt(oneResult.p99)}   ${oneResult.non2xx}  (${created} jobs in Postgres)`);
  for (const [label, r] of [[`${keys.length} tenants`, manyResult], ['1 tenant', oneResult]] as const) {
    console.log(`\n${label}: ${(r.rps / bareResult.rps).toFixed(3)}× bare Fastify (target ≥ 0.2×), ${(r.rps / bullRps).toFixed(3)}× raw BullMQ add, p99 ${r.p99} ms (target < 25 ms)`);
    // With every connection always busy the mean latency is connections ÷ throughput (Little's law); the rest of
    // the distribution shows how far the tail stands from it.
    console.log(`  latency ms: mean ${r.mean.toFixed(1)} (${CONNECTIONS} connections ÷ ${r.rps.toFixed(0)}/s = ${((CONNECTIONS / r.rps) * 1000).toFixed(1)}), p90 ${r.p90}, p97.5 ${r.p97}, p99 ${r.p99}, max ${r.max}`);
    const c = r.cpu;
    console.log(`  CPU µs per created job: API ${c.api.toFixed(0)}, Postgres ${c.postgres.toFixed(0)}, Redis ${c.redis.toFixed(0)}, load generator ${c.loadGenerator.toFixed(0)}`);
    // The load generator does the same work per request in every run, so its CPU per request tracks the machine's
    // speed: costs in its units compare across runs and sessions where raw µs drift.
    console.log(`  in load-generator units: API ${(c.api / c.loadGenerator).toFixed(2)}, Postgres ${(c.postgres / c.loadGenerator).toFixed(2)}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
