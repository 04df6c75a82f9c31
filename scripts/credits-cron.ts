// The credits' scheduled work, safe to run hourly and from several places at once: grants this month's plan
// credits (once per tenant and month) and expires granted credits whose time has come.
//   DATABASE_URL=... node -r @swc-node/register scripts/credits-cron.ts
import { expireDueCredits, grantMonthlyCredits } from '@darkroom/credits';
import { createPrismaClient } from '@darkroom/db';

async function main(): Promise<void> {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is required');
  const prisma = createPrismaClient(url, 2);
  try {
    const now = new Date();
    // Expire first: last month's included credits leave before this month's arrive.
    const expired = await expireDueCredits(prisma, now);
    const granted = await grantMonthlyCredits(prisma, now);
    console.log(JSON.stringify({ expiredTenants: expired.tenants, ...granted }));
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
