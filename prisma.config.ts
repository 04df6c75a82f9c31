// Prisma CLI configuration: migrations run on the WebAssembly schema engine through the pg driver adapter,
// so that no native engine is ever downloaded (see docs/prisma-offline.md).
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/darkroom';

type Adapter = Awaited<ReturnType<PrismaPg['connect']>>;
type PgField = { dataTypeID: number };

// The wasm engine's introspection reads catalog columns of types `name`/`char` (and arrays of them), which the
// adapter cannot deserialize; report them as text / text[] instead. Only this CLI process is patched.
const OID_REWRITE: Record<number, number> = { 18: 25, 19: 25, 1002: 1009, 1003: 1009 };
let patched = false;
function patchResultTypes(adapter: Adapter): Adapter {
  if (patched) return adapter;
  const queryable = Object.getPrototypeOf(Object.getPrototypeOf(adapter)) as {
    performIO: (q: unknown) => Promise<{ fields: PgField[] }>;
  };
  const performIO = queryable.performIO;
  queryable.performIO = async function (this: unknown, query: unknown) {
    const result = await performIO.call(this, query);
    for (const field of result?.fields ?? []) field.dataTypeID = OID_REWRITE[field.dataTypeID] ?? field.dataTypeID;
    return result;
  };
  // The adapter runs a migration script by splitting it on every ";", which breaks function bodies
  // (prisma/migrations/*_create_job_function). Send the script whole instead: Postgres runs a multi-statement
  // simple query as one implicit transaction.
  const scripted = Object.getPrototypeOf(adapter) as { executeScript: (script: string) => Promise<void> };
  scripted.executeScript = async function (this: { client: pg.Pool; onError(e: unknown): never }, script: string) {
    try {
      await this.client.query(script);
    } catch (error) {
      this.onError(error);
    }
  };
  patched = true;
  return adapter;
}

function poolConfig(url: string, database?: string): pg.PoolConfig {
  // Separate fields, not a connection string: with a string, pg ignores an overridden database name.
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 5432),
    user: decodeURIComponent(u.username || 'postgres'),
    password: u.password ? decodeURIComponent(u.password) : undefined,
    database: database ?? u.pathname.slice(1),
  };
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client(poolConfig(url, 'postgres'));
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

class OfflineMigrationAdapterFactory {
  readonly provider = 'postgres' as const;
  readonly adapterName = '@prisma/adapter-pg';
  constructor(private readonly url: string) {}

  async connect() {
    return patchResultTypes(await new PrismaPg(poolConfig(this.url)).connect());
  }

  async connectToShadowDb() {
    const name = `darkroom_shadow_${randomUUID().replace(/-/g, '')}`;
    await adminQuery(this.url, `CREATE DATABASE "${name}"`);
    const adapter = patchResultTypes(await new PrismaPg(poolConfig(this.url, name)).connect());
    const dispose = adapter.dispose.bind(adapter);
    adapter.dispose = async () => {
      await dispose();
      await adminQuery(this.url, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    };
    return adapter;
  }
}

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema.prisma'),
  migrations: { path: path.join('prisma', 'migrations') },
  adapter: async () => new OfflineMigrationAdapterFactory(process.env.DATABASE_URL as string),
});
