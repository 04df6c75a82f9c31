// Seeds what `npm start` needs: plans, the tiny demo model in the catalogue, and a demo tenant with credits and an
// API key. Idempotent: a second run keeps what exists and prints the same key (kept in .data/demo-api-key).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createPrismaClient } from '@darkroom/db';
import { grantCredits } from '@darkroom/credits';
import { generateApiKey, hashApiKey } from '../apps/api/src/auth/api-keys';
import { createAdminUser } from '../apps/api/src/dashboard/account/create-admin';
import { hashPassword } from '../apps/api/src/dashboard/session/password';
import { seedPlans, DEMO_MODEL_ID, registerDemoModel } from './seed-catalogue';

const KEY_FILE = '.data/demo-api-key';
const PASSWORD_FILE = '.data/demo-password';
const DEMO_EMAIL = 'demo@darkroom.local';
const ADMIN_EMAIL = 'admin@darkroom.local';

/** The demo logins' password: generated once, kept in .data (local demo only). */
function demoPassword(): string {
  if (existsSync(PASSWORD_FILE)) return readFileSync(PASSWORD_FILE, 'utf8').trim();
  const password = Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString('base64url');
  writeFileSync(PASSWORD_FILE, password + '\n', { mode: 0o600 });
  return password;
}

async function main(): Promise<void> {
  const prisma = createPrismaClient(process.env.DATABASE_URL as string, 2);
  try {
    await seedPlans(prisma);
    await registerDemoModel(prisma, process.env.MODELS_DIR ?? '.data/models');

    const tenant =
      (await prisma.tenant.findFirst({ where: { name: 'demo' } })) ??
      (await prisma.tenant.create({ data: { name: 'demo', planId: 'pro', webhookSecret: `whsec_${Buffer.from(crypto.getRandomValues(new Uint8Array(32))).toString('base64')}` } }));
    await prisma.$transaction((tx) => grantCredits(tx, tenant.id, 1000, 'demo credits', 'demo:welcome'));

    let key = existsSync(KEY_FILE) ? readFileSync(KEY_FILE, 'utf8').trim() : '';
    const stored = key ? await prisma.apiKey.findUnique({ where: { hash: hashApiKey(key) } }) : null;
    if (!stored || stored.revokedAt) {
      const fresh = generateApiKey();
      await prisma.apiKey.create({ data: { tenantId: tenant.id, name: 'demo key', prefix: fresh.prefix, hash: fresh.hash, scopes: ['jobs', 'models', 'resources'] } });
      key = fresh.key;
      mkdirSync(path.dirname(KEY_FILE), { recursive: true });
      writeFileSync(KEY_FILE, key + '\n', { mode: 0o600 });
    }
    const password = demoPassword();
    if (!(await prisma.user.findUnique({ where: { email: DEMO_EMAIL } }))) {
      await prisma.user.create({ data: { email: DEMO_EMAIL, passwordHash: await hashPassword(password), role: 'TENANT_OWNER', tenantId: tenant.id } });
    }
    await createAdminUser(prisma, { email: ADMIN_EMAIL, password });

    const balance = (await prisma.tenant.findUniqueOrThrow({ where: { id: tenant.id } })).balance.toString();
    const api = process.env.PUBLIC_BASE_URL ?? 'http://127.0.0.1:8080';
    console.log(`
  ┌──────────────────────────────────────────────────────────────────────────
  │ darkroom demo tenant "demo" — balance ${balance} credits
  │ API key:  ${key}
  │ API:      ${api}   (OpenAPI: ${api}/openapi.json, docs: ${api}/docs)
  │ Dashboard: http://127.0.0.1:${process.env.DASHBOARD_PORT ?? 3000}
  │   tenant login: ${DEMO_EMAIL} / ${password}
  │   admin login:  ${ADMIN_EMAIL} / ${password}
  │ Demo model id: ${DEMO_MODEL_ID} (tiny SD1.5-shaped, the catalogue default)
  │
  │ Try it:
  │   curl -s -X POST ${api}/v1/jobs -H "Authorization: Bearer ${key}" -H 'content-type: application/json' \\
  │     -d '{"requestId":"hello-1","stages":[{"type":"DIFFUSION","diffusion":{"width":512,"height":512,"prompts":[{"text":"a photo of a cat"}],"steps":20}}]}'
  │   curl -s ${api}/v1/jobs/<id> -H "Authorization: Bearer ${key}"
  └──────────────────────────────────────────────────────────────────────────
`);
  } finally {
    await prisma.$disconnect();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
