import type { Prisma } from '@darkroom/db';

export type Tx = Prisma.TransactionClient;

/** What the ledger's raw-SQL functions need: a Prisma transaction, or a pg client on the hot path of job creation. */
export type { SqlTx } from '@darkroom/db';

export type LedgerKind = 'GRANT' | 'PURCHASE' | 'RESERVE' | 'SETTLE' | 'REFUND' | 'ADJUSTMENT' | 'EXPIRY' | 'REVENUE_SHARE' | 'PAYMENT_REVERSAL';

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
