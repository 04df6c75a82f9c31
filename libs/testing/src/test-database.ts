import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { createPrismaClient, PrismaClient } from '@darkroom/db';

/** The Postgres server the tests use; only its host/port/user matter, databases are made per test file. */
export const TEST_PG_URL = process.env.TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/postgres';
/** The migrated template of this test run (named by the global setup). */
export const templateDatabase = () => process.env.DARKROOM_TEST_TEMPLATE_DB ?? 'darkroom_test_template';

export function databaseUrl(name: string): string {
  const u = new URL(TEST_PG_URL);
  u.pathname = `/${name}`;
  return u.toString();
}

export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl('postgres') });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  prisma: PrismaClient;
  drop(): Promise<void>;
}

/** A fresh, migrated database of its own, cloned from the template that global setup migrated. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `darkroom_t_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}" TEMPLATE "${templateDatabase()}"`);
  const url = databaseUrl(name);
  const prisma = createPrismaClient(url);
  return {
    name,
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}

/** Applies the committed migrations to a database (`prisma migrate deploy`, offline). */
export function migrateDatabase(url: string): void {
  const root = path.resolve(__dirname, '../../..');
  execFileSync(path.join(root, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], { cwd: root, env: { ...process.env, DATABASE_URL: url }, stdio: 'pipe' });
}

/** A fresh database migrated from scratch, for benchmarks and scripts that run outside Jest's global setup. */
export async function createMigratedDatabase(): Promise<TestDatabase> {
  const name = `darkroom_b_${randomBytes(6).toString('hex')}`;
  await adminQuery(`CREATE DATABASE "${name}"`);
  const url = databaseUrl(name);
  migrateDatabase(url);
  const prisma = createPrismaClient(url);
  return {
    name,
    url,
    prisma,
    async drop() {
      await prisma.$disconnect();
      await adminQuery(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    },
  };
}
