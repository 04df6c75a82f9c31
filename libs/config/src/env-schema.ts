import { z } from 'zod';

/** Reads "true"/"false"/"1"/"0" from the environment. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', ''])
    .optional()
    .transform((v) => (v === undefined || v === '' ? fallback : v === 'true' || v === '1'));

const port = (fallback: number) => z.coerce.number().int().min(1).max(65535).default(fallback);

export const ENGINE_FAMILIES = ['SD1', 'SD2', 'SDXL'] as const;
export type PoolFamilies = Record<string, Array<(typeof ENGINE_FAMILIES)[number]>>;

/** "cpu=SD1,SD2,SDXL;a100=SDXL" → { cpu: [...], a100: [...] } */
export const poolsSpec = z
  .string()
  .default('cpu=SD1,SD2,SDXL')
  .transform((text, ctx): PoolFamilies => {
    const pools: PoolFamilies = {};
    for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
      const [name, families = ''] = part.split('=');
      if (!/^[a-z0-9-]{1,32}$/.test(name)) {
        ctx.addIssue({ code: 'custom', message: `pool name "${name}" must match [a-z0-9-]{1,32}` });
        return z.NEVER;
      }
      const list = families.split(',').map((f) => f.trim().toUpperCase()).filter(Boolean);
      for (const f of list) {
        if (!(ENGINE_FAMILIES as readonly string[]).includes(f)) {
          ctx.addIssue({ code: 'custom', message: `pool "${name}": unknown family "${f}" (use ${ENGINE_FAMILIES.join(', ')})` });
          return z.NEVER;
        }
      }
      pools[name] = list as PoolFamilies[string];
    }
    if (!Object.keys(pools).length) {
      ctx.addIssue({ code: 'custom', message: 'at least one pool is required' });
      return z.NEVER;
    }
    return pools;
  });

/** An optional value where an empty string means "not set" (as `KEY=` in an env file). */
const optionalText = (schema: z.ZodString = z.string()) =>
  z
    .string()
    .optional()
    .transform((v) => (v ? v : undefined))
    .pipe(schema.optional());

export interface CreditPack {
  /** The Stripe Price the pack is sold at. */
  priceId: string;
  credits: number;
}

/** "small=price_123:100;large=price_456:1200" → { small: { priceId: 'price_123', credits: 100 }, ... } */
export const creditPacksSpec = z
  .string()
  .default('')
  .transform((text, ctx): Record<string, CreditPack> => {
    const packs: Record<string, CreditPack> = {};
    for (const part of text.split(';').map((p) => p.trim()).filter(Boolean)) {
      const m = /^([a-z0-9_-]{1,32})=([A-Za-z0-9_]{1,255}):(\d+(?:\.\d{1,4})?)$/.exec(part);
      if (!m || Number(m[3]) <= 0) {
        ctx.addIssue({ code: 'custom', message: `credit pack "${part}" must be name=price_id:credits (e.g. small=price_123:100)` });
        return z.NEVER;
      }
      packs[m[1]] = { priceId: m[2], credits: Number(m[3]) };
    }
    return packs;
  });

const secret = (name: string) =>
  z
    .string({ error: `${name} is required (at least 32 characters; e.g. \`openssl rand -hex 32\`)` })
    .min(32, `${name} must be at least 32 characters`);

/** What every process of the platform reads. */
export const commonEnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  DATABASE_URL: z.string().url('DATABASE_URL must be a postgresql:// URL').startsWith('postgres', 'DATABASE_URL must be a postgresql:// URL'),
  REDIS_URL: z.string().url('REDIS_URL must be a redis:// URL').default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]{1,32}$/).default('dr'),
  STORAGE_DIR: z.string().min(1).default('.data/storage'),
  MODELS_DIR: z.string().min(1).default('.data/models'),
  PUBLIC_BASE_URL: z.string().url('PUBLIC_BASE_URL must be an absolute URL').default('http://127.0.0.1:8080'),
  URL_SIGNING_SECRET: secret('URL_SIGNING_SECRET'),
  POOLS: poolsSpec,
  WEBHOOK_ALLOW_LOOPBACK: envBoolean(false),
  WEBHOOK_ALLOW_PRIVATE: envBoolean(false),
  JOB_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(3),
  LEASE_TTL_MS: z.coerce.number().int().min(1000).max(600_000).default(30_000),
  OUTPUT_URL_TTL_SEC: z.coerce.number().int().min(60).max(7 * 86400).default(3600),
  /** Waits between webhook attempts, comma-separated milliseconds; empty = the default 9 attempts over ~8 h. */
  WEBHOOK_RETRY_DELAYS_MS: z
    .string()
    .regex(/^(\d+(,\d+)*)?$/, 'comma-separated milliseconds, e.g. 10000,60000,300000')
    .default('')
    .transform((v) => (v ? v.split(',').map(Number) : undefined)),
});

export const apiEnvSchema = commonEnvSchema.extend({
  API_HOST: z.string().default('0.0.0.0'),
  API_PORT: port(8080),
  RATE_LIMIT_PER_SEC: z.coerce.number().int().min(1).max(100_000).default(5),
  UPLOAD_MAX_BYTES: z.coerce.number().int().min(1024).max(200 * 1024 * 1024).default(20 * 1024 * 1024),
  MAINTENANCE_INTERVAL_MS: z.coerce.number().int().min(200).max(600_000).default(5000),
  /** The credits' scheduled work (expiry sweep, monthly grants); 0 turns the schedule off (tests, or a CronJob). */
  CREDITS_TICK_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
  /** Deliver webhooks from this API process (BullMQ worker); turn off where a separate process does it. */
  WEBHOOK_DELIVERY_WORKER: envBoolean(true),
  WEBHOOK_DELIVERY_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  /** Signs the dashboard's session cookies; absent = a key derived from URL_SIGNING_SECRET. Changing it signs everyone out. */
  DASHBOARD_SESSION_SECRET: z.string().min(32, 'DASHBOARD_SESSION_SECRET must be at least 32 characters').optional(),
  /** Bearer token of the /admin API; absent = the admin API answers FAILED_PRECONDITION. */
  ADMIN_API_TOKEN: optionalText(z.string().min(32, 'ADMIN_API_TOKEN must be at least 32 characters')),
  /** How long the API keeps the price table in force before reading it again. */
  PRICE_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  /** Stripe: without a secret key the platform runs and checkout answers "payments are not configured". */
  STRIPE_SECRET_KEY: optionalText(),
  STRIPE_WEBHOOK_SECRET: optionalText(),
  STRIPE_CREDIT_PACKS: creditPacksSpec,
  STRIPE_SUCCESS_URL: z.string().url().default('http://127.0.0.1:3000/billing?checkout=success&session_id={CHECKOUT_SESSION_ID}'),
  STRIPE_CANCEL_URL: z.string().url().default('http://127.0.0.1:3000/billing?checkout=canceled'),
  /** Where the Stripe client sends API calls; absent = Stripe's own (tests point it at a local server). */
  STRIPE_API_URL: optionalText(z.string().url()),
});

export const workerEnvSchema = commonEnvSchema.extend({
  WORKER_POOL: z.string().regex(/^[a-z0-9-]{1,32}$/).default('cpu'),
  WORKER_ID: z.string().min(1).max(64).optional(),
  WORKER_CONCURRENCY: z.coerce.number().int().min(1).max(16).default(1),
  EXECUTION_PROVIDER: z.enum(['cpu', 'cuda', 'webgpu']).default('cpu'),
  INTRA_OP_THREADS: z.coerce.number().int().min(0).max(256).default(0),
  /** ONNX Runtime threads spin-wait between runs (its own default) instead of sleeping. */
  ORT_SPIN_WAIT: envBoolean(false),
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  WORKER_HEALTH_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  /** onnx: the diffusion engine; placeholder: seeded gradient images (no model needed), for demos without models. */
  ENGINE: z.enum(['onnx', 'placeholder']).default('onnx'),
  PLACEHOLDER_STEP_MS: z.coerce.number().int().min(0).max(60_000).default(20),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;
export type ApiEnv = z.infer<typeof apiEnvSchema>;
export type WorkerEnv = z.infer<typeof workerEnvSchema>;
