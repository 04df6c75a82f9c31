import { lockFeeOwners, payAccessFees } from './access-fees';
import { applyLedgerChange, LedgerResult, reserveKey } from './ledger';
import type { SqlTx, Tx } from './ledger-types';

/**
 * A job's credits: reserved when it is created, then exactly one of settle (SUCCESS), refund (FAILED, CANCELED)
 * or settle + partial refund (some images made). Each is keyed by the job id, so retries and races apply once.
 */

/** Takes a job's price (with its access-key fees) from the balance when the job is created. */
export function reserveForJob(tx: SqlTx, tenantId: string, jobId: bigint, credits: number): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, jobId, kind: 'RESERVE', amount: -credits, idempotencyKey: reserveKey(jobId) });
}

/**
 * Marks a reservation as spent (SUCCESS). The balance already excludes it, so the row's amount is 0. The job's
 * access-key fees are paid to the items' owners here, once (see access-fees.ts).
 */
export async function settleForJob(tx: Tx, tenantId: string, jobId: bigint): Promise<LedgerResult> {
  // The job's tenant and the owners it pays are locked in one order (by id), so that two settles never deadlock.
  await lockFeeOwners(tx, tenantId, jobId);
  const result = await applyLedgerChange(tx, { tenantId, jobId, kind: 'SETTLE', amount: 0, idempotencyKey: `job:${jobId}:settle` });
  if (result.applied) await payAccessFees(tx, jobId);
  return result;
}

/**
 * Gives a reservation back (FAILED, CANCELED), or part of it (partial success). Exactly once per job whatever
 * the race: every refund of a job shares one idempotency key.
 */
export function refundForJob(tx: SqlTx, tenantId: string, jobId: bigint, credits: number, reason: string): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, jobId, kind: 'REFUND', amount: credits, reason, idempotencyKey: `job:${jobId}:refund` });
}
