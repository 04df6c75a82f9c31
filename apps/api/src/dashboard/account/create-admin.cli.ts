// Creates or promotes a dashboard admin: DATABASE_URL=… node -r @swc-node/register apps/api/src/dashboard/account/create-admin.cli.ts EMAIL
// The password is read from DASHBOARD_ADMIN_PASSWORD (kept out of the shell history and process list).
import { createPrismaClient } from '@darkroom/db';
import { createAdminUser } from './create-admin';

async function main(): Promise<void> {
  const email = process.argv[2];
  const password = process.env.DASHBOARD_ADMIN_PASSWORD ?? '';
  if (!email || !process.env.DATABASE_URL) {
    console.error('usage: DATABASE_URL=… DASHBOARD_ADMIN_PASSWORD=… create-admin.cli.ts EMAIL');
    process.exit(2);
  }
  const prisma = createPrismaClient(process.env.DATABASE_URL, 1);
  try {
    const { created } = await createAdminUser(prisma, { email, password });
    console.log(created ? `admin ${email} created` : `${email} is now an admin`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
