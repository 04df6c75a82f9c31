import { creditsText, maxUnits, minUnits, Units, unitsOf } from './credit-units';
import { utcTimestamp } from '@darkroom/db';
import type { SqlTx } from './ledger-types';

/**
 * Expiring credits. A grant with an expiry becomes a lot; the part of the balance in no lot never expires.
 * Rules (all under the tenant row's lock, which every ledger change takes first):
 * - a debit spends the soonest-expiring lots first (payment reversals spend non-expiring credits first);
 * - each debit records what it took from which lot, so that refunding it (a canceled or failed job) gives the
 *   same lots back; a partial refund gives back non-expiring credits first, as if only the charged part had
 *   been taken, which is the tenant's best case;
 * - when a lot's time comes its remaining credits leave the balance as an EXPIRY row; this happens before any
 *   debit of the tenant (so expired credits are never spent) and in the sweep (`expireDueCredits`).
 */
export type SpendOrder = 'expiring-first' | 'non-expiring-first';

export async function createLot(tx: SqlTx, tenantId: string, ledgerEntryId: bigint, amount: Units, expiresAt: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "CreditLot" ("tenantId", "ledgerEntryId", amount, remaining, "expiresAt")
    VALUES (${tenantId}::uuid, ${ledgerEntryId}, ${creditsText(amount)}::numeric, ${creditsText(amount)}::numeric, ${expiresAt})`;
}

/**
 * Writes EXPIRY rows for the tenant's lots that are due and returns the balance after them. The caller holds
 * the tenant row's lock and passes the balance it read under it. (SQL function `darkroom_expire_due_lots`,
 * shared with job creation: migration 20261126140000_create_job_function.)
 */
export async function expireDueLots(tx: SqlTx, tenantId: string, balance: Units, asOf: Date): Promise<Units> {
  const [row] = await tx.$queryRaw<Array<{ balance: string }>>`
    SELECT darkroom_expire_due_lots(${tenantId}::uuid, ${creditsText(balance)}::numeric, ${utcTimestamp(asOf)}::timestamp)::text AS balance`;
  return unitsOf(row.balance);
}

/**
 * Takes `amount` for ledger row `ledgerEntryId` from the lots (and the non-expiring rest), recording the uses.
 * (SQL function `darkroom_spend_from_lots`, shared with job creation.)
 */
export async function spendFromLots(tx: SqlTx, tenantId: string, ledgerEntryId: bigint, amount: Units, balanceBefore: Units, order: SpendOrder): Promise<void> {
  await tx.$executeRaw`
    SELECT darkroom_spend_from_lots(${tenantId}::uuid, ${ledgerEntryId}::bigint, ${creditsText(amount)}::numeric,
                                    ${creditsText(balanceBefore)}::numeric, ${order === 'expiring-first'})`;
}

/**
 * Gives a refund back to the lots the reservation `reserveKey` took from: non-expiring credits first, then the
 * latest-expiring lots. Returns whether a restored lot is already past its expiry (the caller expires it).
 */
export async function restoreToLots(tx: SqlTx, reserveKey: string, refund: Units, asOf: Date): Promise<boolean> {
  const uses = await tx.$queryRaw<Array<{ lotId: bigint; amount: string; reserved: string; expiresAt: Date }>>`
    SELECT u."lotId", u.amount::text AS amount, (-e.amount)::text AS reserved, l."expiresAt"
    FROM "LedgerEntry" e
    JOIN "CreditLotUse" u ON u."ledgerEntryId" = e.id
    JOIN "CreditLot" l ON l.id = u."lotId"
    WHERE e."idempotencyKey" = ${reserveKey}
    ORDER BY l."expiresAt" DESC, l.id DESC`;
  if (!uses.length) return false;
  const fromLots = uses.reduce((sum, u) => sum + unitsOf(u.amount), 0n);
  const nonExpiring = unitsOf(uses[0].reserved) - fromLots;
  let back = minUnits(maxUnits(0n, refund - nonExpiring), fromLots);
  let expiredBack = false;
  for (const use of uses) {
    if (back === 0n) break;
    const give = minUnits(back, unitsOf(use.amount));
    back -= give;
    await tx.$executeRaw`UPDATE "CreditLot" SET remaining = remaining + ${creditsText(give)}::numeric WHERE id = ${use.lotId}`;
    if (use.expiresAt.getTime() <= asOf.getTime()) expiredBack = true;
  }
  return expiredBack;
}
