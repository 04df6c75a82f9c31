import { creditsNumber, unitsOf } from './credit-units';
import { applyLedgerChange } from './ledger';
import type { SqlTx, Tx } from './ledger-types';

/**
 * Access-key fees (revenue share). A key can carry a fee per job: a job that uses another tenant's private
 * item through that key pays it once per key, as part of its reservation; the owner is credited
 * (REVENUE_SHARE) when the job settles. A job that fails or is canceled refunds the fee with the rest and pays
 * the owner nothing; a partly successful job pays the whole fee (the item was used).
 */
export interface AccessFee {
  keyId: string;
  ownerTenantId: string;
  credits: number;
}

/** Records the fees a new job owes (in the job's creation transaction). */
export async function recordAccessFees(tx: SqlTx, jobId: bigint, fees: AccessFee[]): Promise<void> {
  for (const fee of fees) {
    if (unitsOf(fee.credits) <= 0n) continue;
    await tx.$executeRaw`
      INSERT INTO "JobAccessFee" ("jobId", "keyId", "ownerTenantId", credits)
      VALUES (${jobId}::bigint, ${fee.keyId}::uuid, ${fee.ownerTenantId}::uuid, ${fee.credits.toFixed(4)}::numeric)`;
  }
}

/** The fees a job owes, in credits. */
export async function accessFeeTotal(tx: Tx, jobId: bigint): Promise<number> {
  const rows = await tx.$queryRaw<Array<{ total: string }>>`SELECT COALESCE(SUM(credits), 0)::text AS total FROM "JobAccessFee" WHERE "jobId" = ${jobId}`;
  return creditsNumber(unitsOf(rows[0].total));
}

/** Locks the job's tenant and the owners of its fees, in id order. */
export async function lockFeeOwners(tx: Tx, tenantId: string, jobId: bigint): Promise<void> {
  await tx.$queryRaw`
    SELECT id FROM "Tenant"
    WHERE id = ${tenantId}::uuid OR id IN (SELECT "ownerTenantId" FROM "JobAccessFee" WHERE "jobId" = ${jobId})
    ORDER BY id FOR UPDATE`;
}

/** Credits each owner its fee for this job, once (keyed by job and access key). */
export async function payAccessFees(tx: Tx, jobId: bigint): Promise<number> {
  const fees = await tx.jobAccessFee.findMany({ where: { jobId }, orderBy: { ownerTenantId: 'asc' } });
  let paid = 0;
  for (const fee of fees) {
    const r = await applyLedgerChange(tx, {
      tenantId: fee.ownerTenantId,
      kind: 'REVENUE_SHARE',
      amount: Number(fee.credits),
      jobId,
      reason: `access-key fee for job ${jobId}`,
      actor: 'system:revenue-share',
      idempotencyKey: `job:${jobId}:share:${fee.keyId}`,
    });
    if (r.applied) paid++;
  }
  return paid;
}
