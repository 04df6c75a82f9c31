import { randomUUID } from 'node:crypto';
import type { PoolClient } from 'pg';
import { createSqlPool, SqlPool } from '@darkroom/db';
import { createTestDatabase, TestDatabase } from '@darkroom/testing';
import type { CreateCall } from './create-batcher';

// darkroom_create_jobs (migration 20261205120000) inserts the creates of "plain" tenants in one statement and
// sends the others one by one through darkroom_create_job. Whatever the mix, a batch must answer and write exactly
// what the one-by-one function gives for the same creates in the same order: checked here on random batches
// (unknown tenants, changed plans, limits, short balances, credit lots due and not, repeated requestIds), each run
// both ways from the same state in a rolled-back transaction.

type Item = CreateCall;

interface TenantSetup {
  id: string;
  plan: string;
  max: number | null;
  balance: string;
  active: number;
  lot?: { remaining: string; due: boolean };
  /** Finished jobs the tenant already has (their requestIds are taken). */
  taken: Array<{ id: string; requestId: string }>;
}

const SINGLE = `SELECT outcome, active, max_jobs, balance FROM darkroom_create_job(
  $1::bigint, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8::text[], $9::numeric, $10, $11, $12::int, $13::timestamp)`;

describe('darkroom_create_jobs', () => {
  let db: TestDatabase;
  let sql: SqlPool;
  let nextJobId = 1_000_000n;

  beforeAll(async () => {
    db = await createTestDatabase();
    sql = createSqlPool(db.url, 2);
    await sql.query(`INSERT INTO "Plan" (id, name, "maxConcurrentJobs") VALUES ('pro', 'Pro', 5), ('free', 'Free', 2)`);
  });
  afterAll(async () => {
    await sql.end();
    await db.drop();
  });

  async function setUp(client: PoolClient, tenants: TenantSetup[]): Promise<void> {
    for (const t of tenants) {
      await client.query(
        `INSERT INTO "Tenant" (id, name, "planId", balance, "maxConcurrentJobs", "webhookSecret", "updatedAt") VALUES ($1::uuid, $1::text, $2, $3, $4, 'whsec_x', '2026-01-01')`,
        [t.id, t.plan, t.balance, t.max],
      );
      for (const job of t.taken) {
        await client.query(
          `INSERT INTO "Job" (id, "tenantId", "requestId", "requestHash", request, status, pool, credits, "priceVersion", "createdAt", "updatedAt")
           VALUES ($1, $2, $3, 'old', '{}', 'SUCCESS', 'cpu', 1, 'v1', '2026-01-01', '2026-01-01')`,
          [job.id, t.id, job.requestId],
        );
      }
      await client.query(`UPDATE "Tenant" SET "activeJobs" = $2 WHERE id = $1`, [t.id, t.active]);
      if (t.lot) {
        const entry = await client.query<{ id: string }>(
          `INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "idempotencyKey") VALUES ($1, 'GRANT', $2, $3, $4) RETURNING id`,
          [t.id, t.lot.remaining, t.balance, `grant:${t.id}`],
        );
        await client.query(
          `INSERT INTO "CreditLot" ("tenantId", "ledgerEntryId", amount, remaining, "expiresAt") VALUES ($1, $2, $3, $3, $4)`,
          [t.id, entry.rows[0].id, t.lot.remaining, t.lot.due ? '2020-01-01' : '2999-01-01'],
        );
      }
    }
  }

  /** What a run leaves behind, without the ids that sequences hand out (they are not rolled back). */
  async function state(client: PoolClient, tenants: string[]) {
    const q = async (text: string) => (await client.query(text, [tenants])).rows;
    return {
      tenants: await q(`SELECT id, balance::text, "activeJobs" FROM "Tenant" WHERE id = ANY($1::uuid[]) ORDER BY id`),
      jobs: await q(
        `SELECT id::text, "tenantId", "requestId", status, credits::text, request, "modelIds", "notifyUrl", "createdAt", "updatedAt"
         FROM "Job" WHERE "tenantId" = ANY($1::uuid[]) ORDER BY id`,
      ),
      ledger: await q(
        `SELECT "tenantId", kind, amount::text, "balanceAfter"::text, "jobId"::text, regexp_replace("idempotencyKey", '^lot:[0-9]+:', 'lot:#:') AS key FROM "LedgerEntry" WHERE "tenantId" = ANY($1::uuid[]) ORDER BY "tenantId", id`,
      ),
      lots: await q(`SELECT "tenantId", remaining::text, expired::text FROM "CreditLot" WHERE "tenantId" = ANY($1::uuid[]) ORDER BY "tenantId", id`),
      lotUses: await q(
        `SELECT l."tenantId", u.amount::text FROM "CreditLotUse" u JOIN "CreditLot" l ON l.id = u."lotId" WHERE l."tenantId" = ANY($1::uuid[]) ORDER BY l."tenantId", u."ledgerEntryId", u."lotId"`,
      ),
    };
  }

  /** Calls of darkroom_create_job counted by the statistics (track_functions), which is how the one-by-one path shows. */
  async function singleCreateCalls(client: PoolClient): Promise<number> {
    const { rows } = await client.query(`SELECT COALESCE(sum(calls), 0)::int AS calls FROM pg_stat_xact_user_functions WHERE funcname = 'darkroom_create_job'`);
    return rows[0].calls;
  }

  /** Runs the creates in a transaction that is rolled back: as one batch, or one single create after another. */
  async function run(tenants: TenantSetup[], items: Item[], how: 'batch' | 'single') {
    const client = await sql.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL track_functions = 'pl'`);
      await setUp(client, tenants);
      const callsBefore = await singleCreateCalls(client);
      let answers: Array<{ n: number; outcome: string; active: number; max_jobs: number; balance: string | null }>;
      if (how === 'batch') {
        answers = (await client.query(`SELECT n, outcome, active, max_jobs, balance FROM darkroom_create_jobs($1::jsonb) ORDER BY n`, [JSON.stringify(items)])).rows;
      } else {
        answers = [];
        for (const [k, c] of items.entries()) {
          const values = [c.id, c.tenant, c.plan, c.requestId, c.requestHash, JSON.stringify(c.request), c.pool, c.modelIds, c.credits, c.priceVersion, c.notifyUrl, c.maxAttempts, c.createdAt];
          answers.push({ n: k + 1, ...(await client.query(SINGLE, values)).rows[0] });
        }
      }
      const singleCalls = (await singleCreateCalls(client)) - callsBefore;
      const after = await state(
        client,
        tenants.map((t) => t.id),
      );
      return { answers, after, singleCalls };
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  }

  const taken = (requestId: string) => ({ id: String(nextJobId++), requestId });

  function item(tenant: string, requestId: string, credits: string, plan = 'pro'): Item {
    return {
      id: String(nextJobId++),
      tenant,
      plan,
      requestId,
      requestHash: `hash-${requestId}`,
      request: { requestId, stages: [{ type: 'DIFFUSION' }] },
      pool: 'cpu',
      modelIds: ['7'],
      credits,
      priceVersion: 'v1',
      notifyUrl: requestId.endsWith('1') ? 'https://example.com/hook' : null,
      maxAttempts: 3,
      createdAt: '2026-12-05 10:00:00.123',
    };
  }

  it('inserts plain tenants in one statement, without a single create', async () => {
    const tenants: TenantSetup[] = [1, 2, 3].map(() => ({ id: randomUUID(), plan: 'pro', max: null, balance: '10.0000', active: 1, taken: [taken('old')] }));
    const items = [0, 1, 2, 0, 1, 0].map((t, k) => item(tenants[t].id, `r${k}`, '1.2500'));
    const batch = await run(tenants, items, 'batch');
    expect(batch.singleCalls).toBe(0);
    expect(batch.answers.map((a) => [a.n, a.outcome, a.active, a.max_jobs, a.balance])).toEqual([
      [1, 'created', 2, 5, '8.7500'],
      [2, 'created', 2, 5, '8.7500'],
      [3, 'created', 2, 5, '8.7500'],
      [4, 'created', 3, 5, '7.5000'],
      [5, 'created', 3, 5, '7.5000'],
      [6, 'created', 4, 5, '6.2500'],
    ]);
    const single = await run(tenants, items, 'single');
    expect(batch.answers).toEqual(single.answers);
    expect(batch.after).toEqual(single.after);
    const active = new Map(batch.after.tenants.map((t) => [t.id, t.activeJobs]));
    expect(tenants.map((t) => active.get(t.id))).toEqual([4, 3, 2]);
  });

  it('answers and writes what single creates do, on 60 random batches', async () => {
    // mulberry32: a seeded generator whose low bits vary (an LCG modulo 2^31 repeats them with short periods)
    let seed = 11;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let x = Math.imul(seed ^ (seed >>> 15), seed | 1);
      x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
      return Math.floor((((x ^ (x >>> 14)) >>> 0) / 2 ** 32) * n);
    };
    const pick = <T>(list: readonly T[]) => list[random(list.length)];
    let fastItems = 0;
    const outcomes = new Set<string>();
    for (let trial = 0; trial < 60; trial++) {
      // Odd trials mostly plain (the one-statement path), even ones full of obstacles (the one-by-one path).
      const rough = trial % 2 === 0;
      const tenants: TenantSetup[] = Array.from({ length: 1 + random(4) }, () => ({
        id: randomUUID(),
        plan: pick(['pro', 'pro', 'free']),
        max: rough ? pick([null, 0, 1, 3, 6]) : null,
        balance: rough ? pick(['0.0000', '2.5000', '6.0000', '40.0000']) : '40.0000',
        active: random(rough ? 3 : 2),
        lot: rough && random(3) === 0 ? { remaining: '2.0000', due: random(2) === 0 } : undefined,
        taken: random(3) === 0 ? [taken('r1')] : [],
      }));
      const items = Array.from({ length: 1 + random(12) }, () => {
        const t = rough && random(8) === 0 ? { id: randomUUID(), plan: 'pro' } : pick(tenants);
        const requestId = `r${rough ? random(random(2) === 0 ? 4 : 40) : 2 + random(1000)}`;
        return item(t.id, requestId, pick(['0.0000', '0.5000', '1.2500', '3.0000']), rough && random(10) === 0 ? 'free' : t.plan);
      });
      const batch = await run(tenants, items, 'batch');
      const single = await run(tenants, items, 'single');
      expect({ trial, answers: batch.answers }).toEqual({ trial, answers: single.answers });
      expect({ trial, after: batch.after }).toEqual({ trial, after: single.after });
      fastItems += items.length - batch.singleCalls;
      expect(single.singleCalls).toBe(items.length);
      for (const a of batch.answers) outcomes.add(a.outcome);
    }
    // Both paths ran, and every kind of answer came up.
    expect(fastItems).toBeGreaterThan(100);
    expect([...outcomes].sort()).toEqual(['concurrency_limit', 'created', 'general_path', 'insufficient_credits', 'request_id_taken', 'unknown_tenant']);
  });
});
