import { TX_OPTIONS, type PrismaClient } from '@darkroom/db';
import { expireDueLots } from './credit-lots';
import { unitsOf } from './credit-units';

/**
 * The expiry sweep: every lot whose time has come leaves its tenant's balance as an EXPIRY row. Debits already
 * expire a tenant's due lots before spending; the sweep makes idle tenants' balances right too. Safe to run
 * concurrently and repeatedly (each tenant is handled under its row lock; an expired lot has nothing left).
 */
export async function expireDueCredits(prisma: PrismaClient, asOf: Date = new Date()): Promise<{ tenants: number }> {
  const due = await prisma.$queryRaw<Array<{ tenantId: string }>>`
    SELECT DISTINCT "tenantId"::text AS "tenantId" FROM "CreditLot" WHERE remaining > 0 AND "expiresAt" <= ${asOf}`;
  for (const { tenantId } of due) {
    await prisma.$transaction(async (tx) => {
      const rows = await tx.$queryRaw<Array<{ balance: string }>>`SELECT balance::text AS balance FROM "Tenant" WHERE id = ${tenantId}::uuid FOR UPDATE`;
      if (rows.length) await expireDueLots(tx, tenantId, unitsOf(rows[0].balance), asOf);
    }, TX_OPTIONS);
  }
  return { tenants: due.length };
}
