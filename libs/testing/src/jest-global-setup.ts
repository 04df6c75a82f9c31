import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { adminQuery, databaseUrl, TEMPLATE_DB } from './test-database';

/** Migrates the template database once per test run; each test file clones it. */
export default async function globalSetup(): Promise<void> {
  await adminQuery(`DROP DATABASE IF EXISTS "${TEMPLATE_DB}" WITH (FORCE)`);
  await adminQuery(`CREATE DATABASE "${TEMPLATE_DB}"`);
  const root = path.resolve(__dirname, '../../..');
  execFileSync(path.join(root, 'node_modules/.bin/prisma'), ['migrate', 'deploy'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: databaseUrl(TEMPLATE_DB) },
    stdio: 'pipe',
  });
}
