import { PrismaPg } from '@prisma/adapter-pg';
import { Prisma, PrismaClient } from './generated/client';

export { Prisma, PrismaClient };
export type {
  ApiKey,
  AppCredential,
  Job,
  JobOutput,
  LedgerEntry,
  Model,
  ModelAccessKey,
  Plan,
  Resource,
  Tenant,
  User,
  WebhookAttempt,
  WebhookDelivery,
} from './generated/client';

/** A Prisma client on the pg driver adapter (no native engine). */
export function createPrismaClient(databaseUrl: string, poolSize = 10): PrismaClient {
  const adapter = new PrismaPg({ connectionString: databaseUrl, max: poolSize });
  return new PrismaClient({ adapter });
}
