import type { PrismaClient } from '@darkroom/db';
import { PRICE_TABLE_V1, PriceRates, priceRatesSchema, PriceTable } from './price-table';
import { Price, PricedStage, priceJob } from './pricing';

export interface PriceTableRecord {
  table: PriceTable;
  seq: number;
  reason: string;
  actor: string;
  createdAt: Date;
}

interface VersionRow {
  version: string;
  seq: number;
  table: unknown;
  reason: string;
  actor: string;
  createdAt: Date;
}

const DEFAULT_TTL_MS = 5_000;

function toRecord(row: VersionRow): PriceTableRecord {
  // Stored tables were validated when written; parsing again keeps a hand-edited row from pricing with NaN.
  const rates = priceRatesSchema.parse(row.table);
  return { table: { version: row.version, ...rates }, seq: row.seq, reason: row.reason, actor: row.actor, createdAt: row.createdAt };
}

/**
 * The price tables in the database. The newest version is in force; it is cached for a few seconds, so a new
 * version reaches every API replica within the TTL (at once in the replica that published it). Versions are
 * never changed: a new price is a new version.
 */
export class PriceBook {
  private cached: { table: PriceTable; seq: number; until: number } | null = null;
  private loading: Promise<PriceTable> | null = null;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly ttlMs = DEFAULT_TTL_MS,
  ) {}

  /** The table in force (the newest version). */
  async current(): Promise<PriceTable> {
    if (this.cached && this.cached.until > Date.now()) return this.cached.table;
    // One query for concurrent callers when the cache runs out.
    this.loading ??= this.load().finally(() => {
      this.loading = null;
    });
    return this.loading;
  }

  /** The price of a job for a tenant on `planId`, with the table in force. */
  async quote(stages: PricedStage[], planId: string): Promise<Price> {
    return priceJob(stages, await this.current(), planId);
  }

  async version(version: string): Promise<PriceTableRecord | null> {
    const rows = await this.prisma.$queryRaw<VersionRow[]>`
      SELECT version, seq, "table", reason, actor, "createdAt" FROM "PriceTableVersion" WHERE version = ${version}`;
    return rows.length ? toRecord(rows[0]) : null;
  }

  /** Every version, newest first. */
  async list(): Promise<PriceTableRecord[]> {
    const rows = await this.prisma.$queryRaw<VersionRow[]>`
      SELECT version, seq, "table", reason, actor, "createdAt" FROM "PriceTableVersion" ORDER BY seq DESC`;
    return rows.map(toRecord);
  }

  /** Stores `rates` as the next version ("v" + its number), which is in force from now on. */
  async publish(rates: PriceRates, by: { actor: string; reason: string }): Promise<PriceTableRecord> {
    const valid = priceRatesSchema.parse(rates);
    const rows = await this.prisma.$queryRaw<VersionRow[]>`
      INSERT INTO "PriceTableVersion" (version, seq, "table", reason, actor)
      SELECT 'v' || n, n, ${JSON.stringify(valid)}::jsonb, ${by.reason}, ${by.actor}
      FROM (SELECT nextval(pg_get_serial_sequence('"PriceTableVersion"', 'seq'))::int AS n) s
      RETURNING version, seq, "table", reason, actor, "createdAt"`;
    const record = toRecord(rows[0]);
    this.cached = { table: record.table, seq: record.seq, until: Date.now() + this.ttlMs };
    return record;
  }

  invalidate(): void {
    this.cached = null;
  }

  private async load(): Promise<PriceTable> {
    const rows = await this.prisma.$queryRaw<VersionRow[]>`
      SELECT version, seq, "table", reason, actor, "createdAt" FROM "PriceTableVersion" ORDER BY seq DESC LIMIT 1`;
    const newest = rows.length ? toRecord(rows[0]) : { table: PRICE_TABLE_V1, seq: 0 };
    // A publish that finished while this query ran has already cached a newer version: keep it.
    if (this.cached && this.cached.seq > newest.seq) return this.cached.table;
    this.cached = { table: newest.table, seq: newest.seq, until: Date.now() + this.ttlMs };
    return newest.table;
  }
}

const books = new WeakMap<PrismaClient, PriceBook>();

/**
 * The process's PriceBook for a database client: callers of one client share one cache (so a version published
 * through it is in force at once for every caller). `ttlMs` applies when the first caller creates it.
 */
export function priceBookFor(prisma: PrismaClient, ttlMs = DEFAULT_TTL_MS): PriceBook {
  let book = books.get(prisma);
  if (!book) {
    book = new PriceBook(prisma, ttlMs);
    books.set(prisma, book);
  }
  return book;
}

/**
 * The price of `stages` for a tenant: the table in force (the shared PriceBook of `prisma`) with the tenant's
 * plan multiplier. What `POST /v1/jobs/credits` answers; job creation prices the same way inside its transaction.
 */
export async function quoteForTenant(prisma: PrismaClient, tenantId: string, stages: PricedStage[]): Promise<Price> {
  const tenant = await prisma.tenant.findUnique({ where: { id: tenantId }, select: { planId: true } });
  return priceJob(stages, await priceBookFor(prisma).current(), tenant?.planId);
}
