import { randomBytes } from 'node:crypto';
import { adminQuery, databaseUrl, migrateDatabase } from './test-database';

/**
 * Migrates a template database once per test run; each test file clones it. The name is unique to the run, so
 * that concurrent runs on one machine do not collide; test workers inherit it through the environment.
 */
export default async function globalSetup(): Promise<void> {
  const name = `darkroom_tpl_${randomBytes(4).toString('hex')}`;
  process.env.DARKROOM_TEST_TEMPLATE_DB = name;
  await adminQuery(`CREATE DATABASE "${name}"`);
  migrateDatabase(databaseUrl(name));
}
