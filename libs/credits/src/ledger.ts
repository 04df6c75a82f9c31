import { createLot, expireDueLots, restoreToLots, SpendOrder, spendFromLots } from './credit-lots';
import { creditsText, Units, unitsOf } from './credit-units';
import { InsufficientCreditsError, LedgerKind, SqlTx, Tx, UnknownTenantError } from './ledger-types';

export interface LedgerChange {
  tenantId: string;
  kind: LedgerKind;
  /** Signed change of the available balance, in credits (4 decimal places kept). */
  amount: number;
  idempotencyKey: string;
  jobId?: bigint;
  paymentRef?: string;
  actorUserId?: string;
  /** Who made the change outside the job lifecycle: "admin-token", "stripe", "system:monthly-grant", a user id. */
  actor?: string;
  reason?: string;
  /** Credits only: they expire at this time unless spent first (a lot; see credit-lots.ts). */
  expiresAt?: Date;
  /** Debits only: which credits go first. Default: the soonest-expiring. */
  spend?: SpendOrder;
}

export interface LedgerResult {
  /** false when a change with the same idempotency key was already applied (nothing changed this time). */
  applied: boolean;
  balanceAfter: string;
}

export const reserveKey = (jobId: bigint) => `job:${jobId}:reserve`;

/**
 * Applies one balance change and its ledger row, exactly once per idempotency key, inside the caller's
 * transaction. The tenant's row is locked first, so that changes of one tenant are serialized: the balance
 * never goes negative (a debit larger than the balance throws InsufficientCreditsError and the caller's
 * transaction rolls back), each row's balanceAfter is the running sum, and expiring lots stay consistent.
 */
export async function applyLedgerChange(tx: SqlTx, change: LedgerChange): Promise<LedgerResult> {
  const amount = unitsOf(change.amount);
  const now = new Date();
  const locked = await tx.$queryRaw<Array<{ balance: string; lots: boolean }>>`
    SELECT t.balance::text AS balance,
           EXISTS (SELECT 1 FROM "CreditLot" l WHERE l."tenantId" = t.id AND l.remaining > 0) AS lots
    FROM "Tenant" t WHERE t.id = ${change.tenantId}::uuid FOR UPDATE`;
  if (!locked.length) throw new UnknownTenantError(change.tenantId);
  let balance: Units = unitsOf(locked[0].balance);
  // Expired credits leave before anything is spent.
  if (locked[0].lots && amount < 0n) balance = await expireDueLots(tx, change.tenantId, balance, now);

  const after = balance + amount;
  const inserted = await tx.$queryRaw<Array<{ id: bigint }>>`
    INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "jobId", "paymentRef", "actorUserId", actor, reason, "idempotencyKey")
    VALUES (${change.tenantId}::uuid, ${change.kind}::"LedgerKind", ${creditsText(amount)}::numeric, ${creditsText(after)}::numeric,
            ${change.jobId ?? null}::bigint, ${change.paymentRef ?? null}, ${change.actorUserId ?? null}::uuid, ${change.actor ?? ''},
            ${change.reason ?? ''}, ${change.idempotencyKey})
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) return { applied: false, balanceAfter: creditsText(balance) };
  if (after < 0n) throw new InsufficientCreditsError(creditsText(-amount), creditsText(balance));
  if (amount !== 0n) {
    await tx.$executeRaw`UPDATE "Tenant" SET balance = ${creditsText(after)}::numeric, "updatedAt" = now() WHERE id = ${change.tenantId}::uuid`;
  }

  const entryId = inserted[0].id;
  let balanceAfter = after;
  if (amount > 0n && change.expiresAt) {
    await createLot(tx, change.tenantId, entryId, amount, change.expiresAt);
  } else if (amount < 0n && locked[0].lots) {
    await spendFromLots(tx, change.tenantId, entryId, -amount, balance, change.spend ?? 'expiring-first');
  } else if (amount > 0n && change.kind === 'REFUND' && change.jobId !== undefined) {
    // Credits a job took from a lot that has expired meanwhile come back and expire at once.
    if (await restoreToLots(tx, reserveKey(change.jobId), amount, now)) balanceAfter = await expireDueLots(tx, change.tenantId, after, now);
  }
  return { applied: true, balanceAfter: creditsText(balanceAfter) };
}

export function grantCredits(
  tx: Tx,
  tenantId: string,
  credits: number,
  reason: string,
  idempotencyKey: string,
  actorUserId?: string,
  options: { expiresAt?: Date; actor?: string } = {},
): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, kind: 'GRANT', amount: credits, reason, idempotencyKey, actorUserId, ...options });
}
