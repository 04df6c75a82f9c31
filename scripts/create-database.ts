// Creates DATABASE_URL's database when it does not exist yet (Prisma's migrate deploy does not).
import pg from 'pg';

async function main(): Promise<void> {
  const url = new URL(process.env.DATABASE_URL as string);
  const name = decodeURIComponent(url.pathname.slice(1));
  const admin = new URL(url.toString());
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (!exists.rowCount) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      console.log(`› created database ${name}`);
    }
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  console.error(`could not create the database: ${(e as Error).message}`);
  process.exit(1);
});
