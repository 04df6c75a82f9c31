// Create-job throughput and latency at 50 connections, against two baselines measured in the same run:
// a bare Fastify POST handler (the machine's HTTP ceiling) and raw BullMQ queue.add with 50 in flight.
// POST /v1/jobs runs twice: spread over BENCH_TENANTS tenants (default 50; how a platform is loaded, since each
// tenant's plan caps its own rate) and with all requests from ONE tenant (the worst case: one tenant's creates
// serialize on its row lock).
// Run: node -r @swc-node/register bench/create-job.bench.ts   (needs local Postgres and Redis)
// Env: BENCH_SECONDS (10), BENCH_CONNECTIONS (50), BENCH_TENANTS (50), BENCH_PROFILE_DIR (write a V8 CPU profile of
// the API process there).
import { fork, ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import autocannon from 'autocannon';
import { Queue } from 'bullmq';
import { grantCredits } from '@darkroom/credits';
import { createMigratedDatabase, TEST_REDIS_URL } from '@darkroom/testing';
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
  return { rps: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, non2xx: result.non2xx, errors: result.errors };
}

async function main(): Promise<void> {
  // 1. Baseline: bare Fastify.
  const barePort = await freePort();
  const bare = await start('bench/bare-fastify.server.ts', { PORT: String(barePort) });
  const bareResult = await load(`http://127.0.0.1:${barePort}/v1/jobs`, () => ({}), () => '{}');
  bare.kill();

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
  const manyResult = await load(url, (i) => ({ authorization: `Bearer ${keys[i % keys.length]}` }), body);
  const oneResult = await load(url, () => ({ authorization: `Bearer ${keys[0]}` }), (i) => body(2e9 + i));
  const created = await db.prisma.job.count();
  api.kill('SIGTERM');
  await new Promise((r) => {
    api.once('exit', r);
    setTimeout(() => api.kill('SIGKILL'), 20_000).unref();
  });
  await db.drop();

  const fmt = (n: number) => n.toFixed(0).padStart(7);
  console.log(`\ncreate-job benchmark: ${CONNECTIONS} connections, ${DURATION} s each, ${require('os').cpus().length} cores\n`);
  console.log('                           req/s      p50 ms   p99 ms   non-2xx');
  console.log(`bare Fastify (baseline)  ${fmt(bareResult.rps)}   ${fmt(bareResult.p50)}  ${fmt(bareResult.p99)}   ${bareResult.non2xx}`);
  console.log(`raw BullMQ add (baseline)${fmt(bullRps)}`);
  console.log(`POST /v1/jobs, ${String(keys.length).padStart(3)} tenants${fmt(manyResult.rps)}   ${fmt(manyResult.p50)}  ${fmt(manyResult.p99)}   ${manyResult.non2xx}`);
  console.log(`POST /v1/jobs, 1 tenant    ${fmt(oneResult.rps)}   ${fmt(oneResult.p50)}  ${fmt(oneResult.p99)}   ${oneResult.non2xx}  (${created} jobs in Postgres)`);
  for (const [label, r] of [[`${keys.length} tenants`, manyResult], ['1 tenant', oneResult]] as const) {
    console.log(`\n${label}: ${(r.rps / bareResult.rps).toFixed(3)}× bare Fastify (target ≥ 0.2×), ${(r.rps / bullRps).toFixed(3)}× raw BullMQ add, p99 ${r.p99} ms (target < 25 ms)`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
