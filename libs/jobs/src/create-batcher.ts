import type { SqlPool } from '@darkroom/db';

/** One call of `darkroom_create_job` (migration 20261126140000_create_job_function), with the values already in their SQL text forms. */
export interface CreateCall {
  id: string;
  tenant: string;
  plan: string;
  requestId: string;
  requestHash: string;
  request: unknown;
  pool: string;
  modelIds: string[];
  /** numeric(20, 4) as text */
  credits: string;
  priceVersion: string;
  notifyUrl: string | null;
  maxAttempts: number;
  /** timestamp(3) as text, UTC without an offset */
  createdAt: string;
}

export interface CreateOutcomeRow {
  outcome: string;
  active: number;
  max: number;
  balance: string | null;
}

export interface CreateBatcherOptions {
  /** Most creates sent in one statement. */
  maxBatch?: number;
  /**
   * Statements in flight at once (default 1); calls that arrive while all are busy (or while their tenant has one
   * in flight) wait and go together in the next one. One statement at a time makes the batches largest, and a
   * batch's fixed cost in Postgres (its transaction, commit and function call) is much of a small batch's cost:
   * one create costs about half the Postgres CPU in a batch of 20 that it costs in a batch of 5. The price: a batch
   * that waits for a tenant row another transaction holds (a job being settled) holds up every create meanwhile;
   * such locks last milliseconds.
   */
  maxInFlight?: number;
}

/**
 * Group commit for job creation. While `maxInFlight` statements are running, new creates wait and then go
 * together to `darkroom_create_jobs`: one round trip, one transaction and one WAL flush for the lot. A create
 * that finds a free slot goes at once, so nothing waits on a timer and a lone request pays no extra latency.
 * Under load this divides the per-create cost of the round trip and of the commit, and it lifts the bound on
 * one tenant's rate (its row lock is held until the commit's flush) by the batch size.
 * A batch is one transaction: if it fails as a whole (which no outcome does; outcomes are rows, not errors),
 * its calls are retried one by one so that each gets its own answer.
 */
export class CreateJobBatcher {
  private waiting: Array<{ call: CreateCall; resolve(row: CreateOutcomeRow): void; reject(e: unknown): void }> = [];
  private inFlight = 0;
  private readonly busyTenants = new Set<string>();
  /** What went to the database so far: statements sent and the creates they carried. */
  readonly sent = { statements: 0, creates: 0 };
  private readonly maxBatch: number;
  private readonly maxInFlight: number;

  constructor(
    private readonly sql: SqlPool,
    options: CreateBatcherOptions = {},
  ) {
    this.maxBatch = options.maxBatch ?? 64;
    this.maxInFlight = options.maxInFlight ?? 1;
  }

  create(call: CreateCall): Promise<CreateOutcomeRow> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ call, resolve, reject });
      this.pump();
    });
  }

  /**
   * Starts statements while slots are free. A tenant with a statement in flight waits for it: its next creates
   * would only queue behind that statement's lock on the tenant's row, so they wait here and go together.
   */
  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length) {
      const batch: typeof this.waiting = [];
      const later: typeof this.waiting = [];
      for (const w of this.waiting) (batch.length < this.maxBatch && !this.busyTenants.has(w.call.tenant) ? batch : later).push(w);
      if (!batch.length) return;
      this.waiting = later;
      const tenants = new Set(batch.map((b) => b.call.tenant));
      for (const t of tenants) this.busyTenants.add(t);
      this.inFlight++;
      void this.send(batch).finally(() => {
        this.inFlight--;
        for (const t of tenants) this.busyTenants.delete(t);
        this.pump();
      });
    }
  }

  private async send(batch: CreateJobBatcher['waiting']): Promise<void> {
    this.sent.statements++;
    this.sent.creates += batch.length;
    if (batch.length === 1) {
      await createOne(this.sql, batch[0].call).then(batch[0].resolve, batch[0].reject);
      return;
    }
    let rows: Array<CreateOutcomeRow & { n: number }>;
    try {
      rows = (await this.sql.query(CREATE_MANY, [JSON.stringify(batch.map((b) => b.call))])).rows;
    } catch {
      await Promise.all(batch.map((b) => createOne(this.sql, b.call).then(b.resolve, b.reject)));
      return;
    }
    const byOrdinal = new Map(rows.map((r) => [r.n, r]));
    batch.forEach((b, i) => {
      const row = byOrdinal.get(i + 1);
      if (row) b.resolve(row);
      else b.reject(new Error('darkroom_create_jobs returned no row for a create'));
    });
  }
}

const CREATE_ONE = `
  SELECT outcome, active, max_jobs AS max, balance FROM darkroom_create_job(
    $1::bigint, $2::uuid, $3, $4, $5, $6::jsonb, $7, $8::text[], $9::numeric, $10, $11, $12::int, $13::timestamp)`;

const CREATE_MANY = `SELECT n, outcome, active, max_jobs AS max, balance FROM darkroom_create_jobs($1::jsonb)`;

/** One create in its own statement (no batching). */
export async function createOne(sql: SqlPool, c: CreateCall): Promise<CreateOutcomeRow> {
  const values = [c.id, c.tenant, c.plan, c.requestId, c.requestHash, JSON.stringify(c.request), c.pool, c.modelIds, c.credits, c.priceVersion, c.notifyUrl, c.maxAttempts, c.createdAt];
  return (await sql.query<CreateOutcomeRow>(CREATE_ONE, values)).rows[0];
}
