import type { PrismaClient } from '@darkroom/db';
import { generateWebhookSecret } from '@darkroom/webhooks';

let nextJobId = 1_000n;

export interface SeededTenant {
  tenantId: string;
  jobId: bigint;
  secret: string;
}

/** A tenant on the free plan with one job, enough for deliveries' foreign keys. */
export async function seedTenant(prisma: PrismaClient, name = 'acme'): Promise<SeededTenant> {
  await prisma.plan.upsert({ where: { id: 'free' }, create: { id: 'free', name: 'Free' }, update: {} });
  const secret = generateWebhookSecret();
  const tenant = await prisma.tenant.create({ data: { name, planId: 'free', webhookSecret: secret } });
  const jobId = await seedJob(prisma, tenant.id);
  return { tenantId: tenant.id, jobId, secret };
}

export async function seedJob(prisma: PrismaClient, tenantId: string): Promise<bigint> {
  const id = nextJobId++;
  await prisma.job.create({
    data: {
      id,
      tenantId,
      requestId: `req-${id}`,
      requestHash: `hash-${id}`,
      request: {},
      status: 'WAITING',
      pool: 'cpu',
      credits: 0,
      priceVersion: 'v1',
    },
  });
  return id;
}
