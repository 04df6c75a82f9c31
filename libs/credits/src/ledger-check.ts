import type { PrismaClient } from '@darkroom/db';
import { creditsText, unitsOf } from './credit-units';
import { UnknownTenantError } from './ledger-types';

export interface LedgerCheck {
  tenantId: string;
  balance: string;
  /** Σ amount of the tenant's ledger rows; must equal the balance. */
  ledgerSum: string;
  /** Σ remaining of the tenant's expiring lots; never more than the balance. */
  lotsRemaining: string;
  /** Rows whose balanceAfter is not the running sum of the rows before them (in id order). */
  chainBreaks: number;
  ok: boolean;
}

interface CheckRow {
  tenantId: string;
  balance: string;
  ledgerSum: string;
  lotsRemaining: string;
  chainBreaks: bigint;
}

// One statement, so one consistent snapshot however busy the ledger is.
const checkRows = (prisma: PrismaClient, tenantId: string | null) => prisma.$queryRaw<CheckRow[]>`
  SELECT t.id::text AS "tenantId", t.balance::text AS balance,
         COALESCE(s.total, 0)::text AS "ledgerSum",
         COALESCE(l.remaining, 0)::text AS "lotsRemaining",
         COALESCE(c.breaks, 0) AS "chainBreaks"
  FROM "Tenant" t
  LEFT JOIN (SELECT "tenantId", SUM(amount) AS total FROM "LedgerEntry" GROUP BY "tenantId") s ON s."tenantId" = t.id
  LEFT JOIN (SELECT "tenantId", SUM(remaining) AS remaining FROM "CreditLot" GROUP BY "tenantId") l ON l."tenantId" = t.id
  LEFT JOIN (
    SELECT "tenantId", COUNT(*) FILTER (WHERE "balanceAfter" <> running) AS breaks
    FROM (SELECT "tenantId", "balanceAfter", SUM(amount) OVER (PARTITION BY "tenantId" ORDER BY id) AS running FROM "LedgerEntry") r
    GROUP BY "tenantId"
  ) c ON c."tenantId" = t.id
  WHERE ${tenantId}::uuid IS NULL OR t.id = ${tenantId}::uuid
  ORDER BY t.id`;

const toCheck = (r: CheckRow): LedgerCheck => {
  const [balance, ledgerSum, lots] = [unitsOf(r.balance), unitsOf(r.ledgerSum), unitsOf(r.lotsRemaining)];
  const chainBreaks = Number(r.chainBreaks);
  const ok = balance === ledgerSum && lots <= balance && chainBreaks === 0;
  return { tenantId: r.tenantId, balance: creditsText(balance), ledgerSum: creditsText(ledgerSum), lotsRemaining: creditsText(lots), chainBreaks, ok };
};

/** The invariant admins can check: the sum of a tenant's ledger equals its balance (and lots fit in it). */
export async function checkLedger(prisma: PrismaClient, tenantId: string): Promise<LedgerCheck> {
  const rows = await checkRows(prisma, tenantId);
  if (!rows.length) throw new UnknownTenantError(tenantId);
  return toCheck(rows[0]);
}

/** Every tenant's check; `failures` lists the tenants whose ledger does not add up. */
export async function checkAllLedgers(prisma: PrismaClient): Promise<{ tenants: number; failures: LedgerCheck[] }> {
  const checks = (await checkRows(prisma, null)).map(toCheck);
  return { tenants: checks.length, failures: checks.filter((c) => !c.ok) };
}
