import { Pool, PoolClient, types as pgTypes } from 'pg';

/**
 * Plain SQL on node-postgres for the few hot paths where Prisma's client costs more than the database itself
 * (measured: a `$queryRaw` of `SELECT 1` takes ~0.6 ms through the Prisma client and ~0.08 ms on pg; job
 * creation makes ~8 such calls under the tenant's lock — see docs/design-changes.md). Prisma keeps the schema,
 * the migrations and every other query.
 *
 * `SqlTx` is the subset of Prisma's transaction client that the ledger uses (`$queryRaw` / `$executeRaw` as
 * tagged templates), so the same ledger functions run inside a Prisma transaction or on a pg client.
 */
export interface SqlTx {
  $queryRaw<T = unknown>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): Promise<number>;
}

const INT8 = 20;
const TIMESTAMP = 1114;

/** Results typed as Prisma's `$queryRaw` types them: int8 → bigint; `timestamp(3)` columns (UTC by Prisma's convention) → Date. */
const prismaLikeTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    if (oid === INT8) return (text: string) => BigInt(text);
    if (oid === TIMESTAMP) return (text: string) => new Date(`${text.replace(' ', 'T')}Z`);
    return pgTypes.getTypeParser(oid, format);
  },
};

/** A Date as Prisma writes it into a `timestamp without time zone` column: UTC, without an offset. */
export const utcTimestamp = (d: Date) => d.toISOString().replace('T', ' ').replace('Z', '');

function toParam(value: unknown): unknown {
  if (value instanceof Date) return utcTimestamp(value);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** `SELECT … ${a} … ${b}` → `SELECT … $1 … $2` with its parameters. */
export function sqlText(strings: TemplateStringsArray, ...values: unknown[]): { text: string; values: unknown[] } {
  let text = strings[0];
  for (let i = 1; i < strings.length; i++) text += `$${i}${strings[i]}`;
  return { text, values: values.map(toParam) };
}

export function createSqlPool(databaseUrl: string, size = 10): Pool {
  const pool = new Pool({ connectionString: databaseUrl, max: size, types: prismaLikeTypes });
  // An idle client that loses its connection must not crash the process; the next query gets a new one.
  pool.on('error', () => undefined);
  return pool;
}

/** A pg client seen through the `SqlTx` interface. */
export function sqlTxOf(client: PoolClient): SqlTx {
  return {
    async $queryRaw<T>(strings: TemplateStringsArray, ...values: unknown[]): Promise<T> {
      const q = sqlText(strings, ...values);
      return (await client.query(q.text, q.values)).rows as T;
    },
    async $executeRaw(strings: TemplateStringsArray, ...values: unknown[]): Promise<number> {
      const q = sqlText(strings, ...values);
      return (await client.query(q.text, q.values)).rowCount ?? 0;
    },
  };
}

/** Runs `work` in one transaction on a client of `pool`: COMMIT when it resolves, ROLLBACK when it throws. */
export async function withSqlTransaction<T>(pool: Pool, work: (tx: SqlTx) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await work(sqlTxOf(client));
    await client.query('COMMIT');
    return result;
  } catch (e) {
    await client.query('ROLLBACK').catch(() => {
      broken = true;
    });
    throw e;
  } finally {
    // A client whose ROLLBACK failed is in an unknown state: destroy it rather than return it to the pool.
    client.release(broken ? true : undefined);
  }
}

export type { Pool as SqlPool } from 'pg';

/**
 * Ends the pool once no client is checked out or awaited (or at the deadline). At shutdown a request whose
 * client has gone away can still be running after the HTTP server closed; ending the pool under it would turn
 * its last statements into errors.
 */
export async function endSqlPoolWhenIdle(pool: Pool, deadlineMs = 5_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  while ((pool.totalCount > pool.idleCount || pool.waitingCount > 0) && Date.now() < until) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await pool.end();
}
