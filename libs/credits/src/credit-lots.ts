import { creditsText, maxUnits, minUnits, Units, unitsOf } from './credit-units';
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

interface LotRow {
  id: bigint;
  remaining: string;
  expired: string;
}

export async function createLot(tx: SqlTx, tenantId: string, ledgerEntryId: bigint, amount: Units, expiresAt: Date): Promise<void> {
  await tx.$executeRaw`
    INSERT INTO "CreditLot" ("tenantId", "ledgerEntryId", amount, remaining, "expiresAt")
    VALUES (${tenantId}::uuid, ${ledgerEntryId}, ${creditsText(amount)}::numeric, ${creditsText(amount)}::numeric, ${expiresAt})`;
}

/**
 * Writes EXPIRY rows for the tenant's lots that are due and returns the balance after them. The caller holds
 * the tenant row's lock and passes the balance it read under it.
 */
export async function expireDueLots(tx: SqlTx, tenantId: string, balance: Units, asOf: Date): Promise<Units> {
  const due = await tx.$queryRaw<LotRow[]>`
    SELECT id, remaining::text AS remaining, expired::text AS expired FROM "CreditLot"
    WHERE "tenantId" = ${tenantId}::uuid AND remaining > 0 AND "expiresAt" <= ${asOf}
    ORDER BY "expiresAt", id FOR UPDATE`;
  if (!due.length) return balance;
  let current = balance;
  for (const lot of due) {
    // The invariant (lots ≤ balance) makes the min a no-op; it keeps a damaged ledger from going negative.
    const amount = minUnits(unitsOf(lot.remaining), current);
    current -= amount;
    await tx.$executeRaw`
      INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", actor, reason, "idempotencyKey")
      VALUES (${tenantId}::uuid, 'EXPIRY'::"LedgerKind", ${creditsText(-amount)}::numeric, ${creditsText(current)}::numeric,
              'system:expiry', 'granted credits expired', ${`lot:${lot.id}:expiry:${lot.expired}`})`;
    await tx.$executeRaw`
      UPDATE "CreditLot" SET remaining = 0, expired = expired + ${creditsText(amount)}::numeric WHERE id = ${lot.id}`;
  }
  await tx.$executeRaw`UPDATE "Tenant" SET balance = ${creditsText(current)}::numeric, "updatedAt" = now() WHERE id = ${tenantId}::uuid`;
  return current;
}

/** Takes `amount` for ledger row `ledgerEntryId` from the lots (and the non-expiring rest), recording the uses. */
export async function spendFromLots(tx: SqlTx, tenantId: string, ledgerEntryId: bigint, amount: Units, balanceBefore: Units, order: SpendOrder): Promise<void> {
  const lots = await tx.$queryRaw<LotRow[]>`
    SELECT id, remaining::text AS remaining, expired::text AS expired FROM "CreditLot"
    WHERE "tenantId" = ${tenantId}::uuid AND remaining > 0
    ORDER BY "expiresAt", id FOR UPDATE`;
  if (!lots.length) return;
  const inLots = lots.reduce((sum, l) => sum + unitsOf(l.remaining), 0n);
  const nonExpiring = maxUnits(0n, balanceBefore - inLots);
  let fromLots = order === 'expiring-first' ? minUnits(amount, inLots) : minUnits(maxUnits(0n, amount - nonExpiring), inLots);
  for (const lot of lots) {
    if (fromLots === 0n) break;
    const take = minUnits(fromLots, unitsOf(lot.remaining));
    fromLots -= take;
    await tx.$executeRaw`UPDATE "CreditLot" SET remaining = remaining - ${creditsText(take)}::numeric WHERE id = ${lot.id}`;
    await tx.$executeRaw`
      INSERT INTO "CreditLotUse" ("ledgerEntryId", "lotId", amount) VALUES (${ledgerEntryId}, ${lot.id}, ${creditsText(take)}::numeric)`;
  }
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
