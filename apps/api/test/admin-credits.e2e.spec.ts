import { randomBytes } from 'node:crypto';
import { checkLedger } from '@darkroom/credits';
import { ApiHarness, TestTenant } from './api-harness';

const TOKEN = randomBytes(24).toString('hex');
const admin = { authorization: `Bearer ${TOKEN}` };

describe('admin API: credits, plans, prices, ledger check', () => {
  let h: ApiHarness;
  let off: ApiHarness;
  let tenant: TestTenant;
  beforeAll(async () => {
    h = await ApiHarness.start({ ADMIN_API_TOKEN: TOKEN });
    off = await ApiHarness.start();
    tenant = await h.createTenant({ credits: 0, plan: 'free' });
  });
  afterAll(async () => {
    await h.stop();
    await off.stop();
  });

  it('needs the admin token, and is off without ADMIN_API_TOKEN', async () => {
    expect((await h.call('GET', '/admin/plans')).status).toBe(401);
    expect((await h.call('GET', '/admin/plans', { headers: { authorization: `Bearer ${TOKEN}x` } })).status).toBe(401);
    // A tenant's API key is not an admin credential.
    expect((await h.call('GET', '/admin/plans', { headers: tenant.auth })).status).toBe(401);
    const disabled = await off.call('GET', '/admin/plans', { headers: admin });
    expect([disabled.status, disabled.json.code]).toEqual([400, 9]);
  });

  it('grants and adjusts credits with a reason and the admin actor, once per idempotency key, never below 0', async () => {
    const grant = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: 25, reason: 'support ticket 42', idempotencyKey: 't42' }, headers: admin });
    expect(grant.json).toMatchObject({ applied: true, balance: 25, entry: { kind: 'GRANT', amount: 25, actor: 'admin-token', reason: 'support ticket 42' } });
    const again = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: 25, reason: 'support ticket 42', idempotencyKey: 't42' }, headers: admin });
    expect(again.json).toMatchObject({ applied: false, balance: 25 });
    const take = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: -5, reason: 'correction' }, headers: admin });
    expect(take.json.entry).toMatchObject({ kind: 'ADJUSTMENT', amount: -5 });
    const over = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: -500, reason: 'too much' }, headers: admin });
    expect([over.status, over.json.code, over.json.details[0].field]).toEqual([400, 9, 'amount']);
    const expiring = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: 3, reason: 'trial', expiresAt: new Date(Date.now() + 86_400_000).toISOString() }, headers: admin });
    expect(expiring.status).toBe(200);
    const bad = await h.call('POST', `/admin/tenants/${tenant.id}/credits`, { body: { amount: 0, reason: '' }, headers: admin });
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['amount', 'reason']);
    expect((await h.call('POST', '/admin/tenants/00000000-0000-0000-0000-000000000000/credits', { body: { amount: 1, reason: 'x' }, headers: admin })).status).toBe(404);

    const ledger = await h.call('GET', `/admin/tenants/${tenant.id}/ledger?limit=2`, { headers: admin });
    expect(ledger.json.entries.map((e: { kind: string; amount: number }) => `${e.kind}:${e.amount}`)).toEqual(['GRANT:3', 'ADJUSTMENT:-5']);
    expect(ledger.json.nextBefore).toEqual(expect.any(String));
    const check = await h.call('GET', `/admin/tenants/${tenant.id}/ledger/check`, { headers: admin });
    expect(check.json).toMatchObject({ balance: '23.0000', ledgerSum: '23.0000', lotsRemaining: '3.0000', ok: true });
    // The tenant sees the same, with what expires when.
    const mine = await h.call('GET', '/v1/billing/balance', { headers: tenant.auth });
    expect(mine.json).toMatchObject({ balance: 23, expiring: [{ credits: 3 }], plan: { id: 'free' } });
    expect((await h.call('GET', '/v1/billing/ledger?limit=10', { headers: tenant.auth })).json.entries).toHaveLength(3);
  });

  it('changes plans and a tenant plan; new limits apply at once', async () => {
    const plan = await h.call('PUT', '/admin/plans/studio', { body: { name: 'Studio', monthlyCredits: 500, rateLimitPerSec: 50, maxConcurrentJobs: 16, queueWeight: 3 }, headers: admin });
    expect(plan.json.plan).toEqual({ id: 'studio', name: 'Studio', monthlyCredits: 500, rateLimitPerSec: 50, maxConcurrentJobs: 16, queueWeight: 3 });
    const moved = await h.call('PUT', `/admin/tenants/${tenant.id}/plan`, { body: { planId: 'studio' }, headers: admin });
    expect(moved.json).toMatchObject({ plan: { id: 'studio' }, maxConcurrentJobs: null });
    expect((await h.call('GET', '/v1/billing/balance', { headers: tenant.auth })).json.plan).toMatchObject({ id: 'studio', maxConcurrentJobs: 16, queueWeight: 3 });
    expect((await h.call('PUT', `/admin/tenants/${tenant.id}/plan`, { body: { planId: 'nope' }, headers: admin })).status).toBe(404);
    expect((await h.call('GET', '/admin/plans', { headers: admin })).json.plans.map((p: { id: string }) => p.id)).toEqual(expect.arrayContaining(['free', 'pro', 'enterprise', 'studio']));
  });

  it('grants monthly plan credits once per tenant and month', async () => {
    const first = await h.call('POST', '/admin/credits/monthly-grants', { headers: admin });
    const second = await h.call('POST', '/admin/credits/monthly-grants', { headers: admin });
    expect(first.json.granted).toBeGreaterThanOrEqual(1);
    expect(second.json).toMatchObject({ granted: 0, alreadyGranted: first.json.granted + first.json.alreadyGranted });
    const rows = await h.prisma.ledgerEntry.findMany({ where: { tenantId: tenant.id, actor: 'system:monthly-grant' } });
    expect(rows.map((r) => r.amount.toString())).toEqual(['500']);
    expect((await h.call('POST', '/admin/credits/expire', { headers: admin })).json).toEqual({ tenants: 0 });
    expect((await checkLedger(h.prisma, tenant.id)).ok).toBe(true);
  });

  it('validates price versions and lists them', async () => {
    const bad = await h.call('POST', '/admin/prices', { body: { reason: 'x', rates: { basePer512Image20Steps: -1 } }, headers: admin });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field)).toContain('rates.basePer512Image20Steps');
    const list = await h.call('GET', '/admin/prices', { headers: admin });
    expect(list.json).toMatchObject({ current: 'v1', versions: [{ version: 'v1', current: true, actor: 'migration' }] });
    expect((await h.call('GET', '/admin/payments/flagged', { headers: admin })).json).toEqual({ payments: [] });
    expect((await h.call('GET', '/admin/ledger/check', { headers: admin })).json).toMatchObject({ ok: true, failures: [] });
  });
});
