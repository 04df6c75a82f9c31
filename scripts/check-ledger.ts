// Proves the ledger invariant for every tenant (or one): the sum of its ledger rows equals its balance, the
// running balances chain, and expiring lots fit in the balance. Exit code 0 = all good, 1 = a tenant failed.
//   DATABASE_URL=... node -r @swc-node/register scripts/check-ledger.ts [tenantId]
import { checkAllLedgers, checkLedger, LedgerCheck } from '@darkroom/credits';
import { createPrismaClient } from '@darkroom/db';

const row = (c: LedgerCheck) =>
  `${c.ok ? 'ok  ' : 'FAIL'} ${c.tenantId} balance=${c.balance} ledger=${c.ledgerSum} expiring=${c.lotsRemaining} chainBreaks=${c.chainBreaks}`;

async function main(): Promise<number> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    console.error('DATABASE_URL is required');
    return 2;
  }
  const prisma = createPrismaClient(url, 2);
  try {
    const tenantId = process.argv[2];
    if (tenantId) {
      const check = await checkLedger(prisma, tenantId);
      console.log(row(check));
      return check.ok ? 0 : 1;
    }
    const { tenants, failures } = await checkAllLedgers(prisma);
    for (const f of failures) console.log(row(f));
    console.log(`${tenants} tenants checked, ${failures.length} failed`);
    return failures.length ? 1 : 0;
  } finally {
    await prisma.$disconnect();
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(e);
    process.exit(2);
  },
);
