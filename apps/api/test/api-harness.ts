import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import pino from 'pino';
import { apiEnvSchema, ApiEnv, loadConfig, workerEnvSchema, WorkerEnv } from '@darkroom/config';
import { grantCredits } from '@darkroom/credits';
import type { PrismaClient } from '@darkroom/db';
import { JobRunner, PlaceholderRunner } from '@darkroom/inference';
import { FairWaitQueue, RedisCancelSignal, StatusNotifier } from '@darkroom/jobs';
import { NOTIFIER } from '../src/platform/tokens';
import { FairQueue } from '@darkroom/queue';
import { LocalBlobStore } from '@darkroom/storage';
import { createTestDatabase, createTestRedis, TestDatabase, TestRedis } from '@darkroom/testing';
import { WorkerLoop } from '../../worker/src/worker-loop';
import { generateApiKey } from '../src/auth/api-keys';
import { createApiApp } from '../src/create-api-app';
import { MaintenanceProcessor } from '../src/maintenance/maintenance.processor';
import { registerDemoModel, seedPlans, DEMO_MODEL_ID } from '../../../scripts/seed-catalogue';

export { DEMO_MODEL_ID };
export const quietLog = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export interface TestTenant {
  id: string;
  apiKey: string;
  auth: { authorization: string };
}

/**
 * The real API on 127.0.0.1 (random port) over a database and a Redis prefix of its own. Workers are added with
 * startWorker(): the same WorkerLoop the worker app runs, in this process.
 */
export class ApiHarness {
  app!: NestFastifyApplication;
  baseUrl!: string;
  config!: ApiEnv;
  db!: TestDatabase;
  redis!: TestRedis;
  storageDir!: string;
  private workers: WorkerLoop[] = [];

  get prisma(): PrismaClient {
    return this.db.prisma;
  }

  static async start(env: Record<string, string> = {}, options: { notifier?: StatusNotifier; maintenance?: boolean } = {}): Promise<ApiHarness> {
    const h = new ApiHarness();
    h.db = await createTestDatabase();
    h.redis = await createTestRedis();
    h.storageDir = await mkdtemp(path.join(os.tmpdir(), 'dr-api-'));
    const port = await freePort();
    await seedPlans(h.prisma);
    await registerDemoModel(h.prisma, path.join(h.storageDir, 'models'));
    h.config = loadConfig(apiEnvSchema, {
      DATABASE_URL: h.db.url,
      REDIS_URL: h.redis.url,
      REDIS_PREFIX: h.redis.prefix,
      STORAGE_DIR: path.join(h.storageDir, 'blobs'),
      MODELS_DIR: path.join(h.storageDir, 'models'),
      URL_SIGNING_SECRET: randomBytes(32).toString('hex'),
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      LOG_LEVEL: 'silent',
      MAINTENANCE_INTERVAL_MS: '600000',
      CREDITS_TICK_MS: '0', // tests grant credits themselves; maintenance-credits runs the tick by hand
      ...env,
    });
    h.app = await createApiApp({ config: h.config, logger: quietLog, notifier: options.notifier, maintenance: options.maintenance ?? true });
    await h.app.listen(port, '127.0.0.1');
    h.baseUrl = `http://127.0.0.1:${port}`;
    return h;
  }

  /** A tenant with an API key; on the enterprise plan unless told otherwise, so that plan limits stay out of tests not about them. */
  async createTenant(opts: { credits?: number; plan?: string; rateLimitPerSec?: number; name?: string } = {}): Promise<TestTenant> {
    const tenant = await this.prisma.tenant.create({
      data: { name: opts.name ?? `t-${randomBytes(3).toString('hex')}`, planId: opts.plan ?? 'enterprise', rateLimitPerSec: opts.rateLimitPerSec ?? 1000, webhookSecret: `whsec_${randomBytes(32).toString('base64')}` },
    });
    if (opts.credits !== 0) await this.prisma.$transaction((tx) => grantCredits(tx, tenant.id, opts.credits ?? 100, 'test', `test:${tenant.id}`));
    const key = generateApiKey();
    await this.prisma.apiKey.create({ data: { tenantId: tenant.id, name: 'test', prefix: key.prefix, hash: key.hash, scopes: ['jobs'] } });
    return { id: tenant.id, apiKey: key.key, auth: { authorization: `Bearer ${key.key}` } };
  }

  async createAppCredential(tenantId: string): Promise<{ appId: string; privateKey: string }> {
    const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const appId = `app_${randomBytes(6).toString('hex')}`;
    await this.prisma.appCredential.create({ data: { appId, tenantId, name: 'test app', publicKeyPem: publicKey } });
    return { appId, privateKey };
  }

  /** fetch against the API with JSON in and out. */
  async call(method: string, urlPath: string, opts: { body?: unknown; rawBody?: string | Buffer; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    let body: string | Buffer | undefined;
    if (opts.rawBody !== undefined) body = opts.rawBody;
    else if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(this.baseUrl + urlPath, { method, headers, body: body as BodyInit | undefined });
    const text = await res.text();
    let json: any;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    return { status: res.status, json, text, headers: res.headers };
  }

  /** The environment a worker process of this test platform runs with. */
  workerEnv(extra: Record<string, string> = {}): Record<string, string> {
    return {
      DATABASE_URL: this.db.url,
      REDIS_URL: this.redis.url,
      REDIS_PREFIX: this.redis.prefix,
      STORAGE_DIR: this.config.STORAGE_DIR,
      MODELS_DIR: this.config.MODELS_DIR,
      URL_SIGNING_SECRET: this.config.URL_SIGNING_SECRET,
      WORKER_POOL: 'cpu',
      ENGINE: 'placeholder',
      LOG_LEVEL: 'silent',
      ...extra,
    };
  }

  workerConfig(extra: Record<string, string> = {}): WorkerEnv {
    return loadConfig(workerEnvSchema, this.workerEnv(extra));
  }

  startWorker(opts: { runner?: JobRunner; leaseTtlMs?: number; notifier?: StatusNotifier } = {}): WorkerLoop {
    const fair = new FairQueue({ redis: this.redis.redis, prefix: this.redis.prefix });
    const loop = new WorkerLoop({
      prisma: this.prisma,
      fair,
      waitQueue: new FairWaitQueue(fair),
      blobs: new LocalBlobStore(this.config.STORAGE_DIR),
      runner: opts.runner ?? new PlaceholderRunner(5),
      cancel: new RedisCancelSignal(this.redis.redis, this.redis.prefix),
      // Same notifier as the API's (webhook deliveries through the platform's dispatcher).
      notifier: opts.notifier ?? this.app.get<StatusNotifier>(NOTIFIER),
      log: quietLog,
      pool: 'cpu',
      workerId: `test-worker-${this.workers.length}`,
      modelsDir: this.config.MODELS_DIR,
      leaseTtlMs: opts.leaseTtlMs ?? 30_000,
      concurrency: 1,
      weightOf: async () => 1,
    });
    loop.start();
    this.workers.push(loop);
    return loop;
  }

  /** One maintenance tick (reap expired leases, restore lost queue entries), now. */
  maintenanceTick() {
    return this.app.get(MaintenanceProcessor).runOnce();
  }

  async waitForStatus(tenant: TestTenant, jobId: string, statuses: string[], timeoutMs = 20_000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    let last: any;
    while (Date.now() < deadline) {
      last = (await this.call('GET', `/v1/jobs/${jobId}`, { headers: tenant.auth })).json?.job;
      if (last && statuses.includes(last.status)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`job ${jobId} did not reach ${statuses.join('/')} (last: ${JSON.stringify(last)})`);
  }

  async stop(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop(2000)));
    await this.app.close();
    await this.redis.cleanup();
    await this.db.drop();
    await rm(this.storageDir, { recursive: true, force: true });
  }
}

/** A port nobody listens on right now (signed URLs need the server's address before it starts). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A minimal valid txt2img body. */
export function txt2img(requestId: string, over: Record<string, unknown> = {}) {
  return { requestId, stages: [{ type: 'DIFFUSION', diffusion: { width: 512, height: 512, prompts: [{ text: 'a photo of a cat' }], steps: 4, ...over } }] };
}
