import { generateWebhookSecret } from '@darkroom/webhooks';
import type { PrismaClient } from '@darkroom/db';
import { signUpRequestSchema } from '@darkroom/contracts';
import { hashPassword } from '../session/password';
import { SIGNUP_PLAN } from './account.service';

export const ADMIN_TENANT_NAME = 'darkroom operators';

/**
 * Makes `email` a platform admin: an existing user is promoted (password unchanged), otherwise a user is created
 * in the operators' tenant with this password. Admins are never made through the public sign-up.
 */
export async function createAdminUser(prisma: PrismaClient, input: { email: string; password: string }): Promise<{ userId: string; created: boolean }> {
  const { email, password } = signUpRequestSchema.parse({ ...input, tenantName: ADMIN_TENANT_NAME });
  const existing = await prisma.user.findUnique({ where: { email } });
  if (existing) {
    await prisma.user.update({ where: { id: existing.id }, data: { role: 'ADMIN' } });
    return { userId: existing.id, created: false };
  }
  const passwordHash = await hashPassword(password);
  const user = await prisma.$transaction(async (tx) => {
    const tenant =
      (await tx.tenant.findFirst({ where: { name: ADMIN_TENANT_NAME }, orderBy: { createdAt: 'asc' } })) ??
      (await tx.tenant.create({ data: { name: ADMIN_TENANT_NAME, planId: SIGNUP_PLAN, webhookSecret: generateWebhookSecret() } }));
    return tx.user.create({ data: { email, passwordHash, role: 'ADMIN', tenantId: tenant.id } });
  });
  return { userId: user.id, created: true };
}
