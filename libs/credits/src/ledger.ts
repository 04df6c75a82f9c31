import type { Prisma, PrismaClient } from '@darkroom/db';

export type Tx = Prisma.TransactionClient;
export type LedgerKind = 'GRANT' | 'PURCHASE' | 'RESERVE' | 'SETTLE' | 'REFUND' | 'ADJUSTMENT' | 'EXPIRY';

export class InsufficientCreditsError extends Error {
  constructor(
    readonly needed: string,
    readonly available: string,
  ) {
    super(`insufficient credits: the job costs ${needed}, the balance is ${available}`);
  }
}

export class UnknownTenantError extends Error {
  constructor(readonly tenantId: string) {
    super(`unknown tenant ${tenantId}`);
  }
}

export interface LedgerChange {
  tenantId: string;
  kind: LedgerKind;
  /** Signed change of the available balance, in credits (4 decimal places kept). */
  amount: number;
  idempotencyKey: string;
  jobId?: bigint;
  paymentRef?: string;
  actorUserId?: string;
  reason?: string;
}

export interface LedgerResult {
  /** false when a change with the same idempotency key was already applied (nothing changed this time). */
  applied: boolean;
  balanceAfter: string;
}

const toNumeric = (amount: number) => amount.toFixed(4);

/**
 * Applies one balance change and its ledger row, exactly once per idempotency key, inside the caller's
 * transaction. The balance never goes negative: a debit larger than the balance throws
 * InsufficientCreditsError (and the caller's transaction rolls back).
 */
export async function applyLedgerChange(tx: Tx, change: LedgerChange): Promise<LedgerResult> {
  const amount = toNumeric(change.amount);
  const inserted = await tx.$queryRaw<Array<{ id: bigint }>>`
    INSERT INTO "LedgerEntry" ("tenantId", kind, amount, "balanceAfter", "jobId", "paymentRef", "actorUserId", reason, "idempotencyKey")
    VALUES (${change.tenantId}::uuid, ${change.kind}::"LedgerKind", ${amount}::numeric, 0, ${change.jobId ?? null}::bigint,
            ${change.paymentRef ?? null}, ${change.actorUserId ?? null}::uuid, ${change.reason ?? ''}, ${change.idempotencyKey})
    ON CONFLICT ("idempotencyKey") DO NOTHING
    RETURNING id`;
  if (inserted.length === 0) {
    const current = await tx.$queryRaw<Array<{ balance: string }>>`SELECT balance::text AS balance FROM "Tenant" WHERE id = ${change.tenantId}::uuid`;
    return { applied: false, balanceAfter: current[0]?.balance ?? '0' };
  }
  const updated = await tx.$queryRaw<Array<{ balance: string }>>`
    UPDATE "Tenant" SET balance = balance + ${amount}::numeric, "updatedAt" = now()
    WHERE id = ${change.tenantId}::uuid AND balance + ${amount}::numeric >= 0
    RETURNING balance::text AS balance`;
  if (updated.length === 0) {
    const current = await tx.$queryRaw<Array<{ balance: string }>>`SELECT balance::text AS balance FROM "Tenant" WHERE id = ${change.tenantId}::uuid`;
    if (current.length === 0) throw new UnknownTenantError(change.tenantId);
    throw new InsufficientCreditsError(toNumeric(-change.amount), current[0].balance);
  }
  await tx.$executeRaw`UPDATE "LedgerEntry" SET "balanceAfter" = ${updated[0].balance}::numeric WHERE id = ${inserted[0].id}`;
  return { applied: true, balanceAfter: updated[0].balance };
}

/** Takes a job's price from the balance when the job is created. */
export function reserveForJob(tx: Tx, tenantId: string, jobId: bigint, credits: number): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, jobId, kind: 'RESERVE', amount: -credits, idempotencyKey: `job:${jobId}:reserve` });
}

/** Marks a reservation as spent (SUCCESS). The balance already excludes it, so the row's amount is 0. */
export function settleForJob(tx: Tx, tenantId: string, jobId: bigint): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, jobId, kind: 'SETTLE', amount: 0, idempotencyKey: `job:${jobId}:settle` });
}

/** Gives a reservation back (FAILED, CANCELED). Exactly once per job whatever the race. */
export function refundForJob(tx: Tx, tenantId: string, jobId: bigint, credits: number, reason: string): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, jobId, kind: 'REFUND', amount: credits, reason, idempotencyKey: `job:${jobId}:refund` });
}

export function grantCredits(tx: Tx, tenantId: string, credits: number, reason: string, idempotencyKey: string, actorUserId?: string): Promise<LedgerResult> {
  return applyLedgerChange(tx, { tenantId, kind: 'GRANT', amount: credits, reason, idempotencyKey, actorUserId });
}

/** The invariant admins can check: the sum of a tenant's ledger equals its balance. */
export async function checkLedger(prisma: PrismaClient, tenantId: string): Promise<{ balance: string; ledgerSum: string; ok: boolean }> {
  const rows = await prisma.$queryRaw<Array<{ balance: string; sum: string }>>`
    SELECT t.balance::text AS balance, COALESCE((SELECT SUM(amount) FROM "LedgerEntry" l WHERE l."tenantId" = t.id), 0)::text AS sum
    FROM "Tenant" t WHERE t.id = ${tenantId}::uuid`;
  if (!rows.length) throw new UnknownTenantError(tenantId);
  const { balance, sum } = rows[0];
  return { balance, ledgerSum: sum, ok: Number(balance) === Number(sum) };
}
