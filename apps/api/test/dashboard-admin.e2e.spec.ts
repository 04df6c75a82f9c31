import { createAdminUser } from '../src/dashboard/account/create-admin';
import { ApiHarness, txt2img } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe('dashboard API: admin pages', () => {
  let h: ApiHarness;
  let admin: DashboardClient;
  let tenant: DashboardClient;
  let tenantId: string;
  let adminId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    const adminEmail = uniqueEmail('admin');
    adminId = (await createAdminUser(h.prisma, { email: adminEmail, password: 'admin password 1' })).userId;
    admin = new DashboardClient(h);
    expect((await admin.signIn(adminEmail, 'admin password 1')).json.user.role).toBe('ADMIN');
    tenant = new DashboardClient(h);
    tenantId = (await tenant.signUp(uniqueEmail('zed'), 'Zed Animation')).json.tenant.id;
    // More requests per second and unfinished jobs than the free plan allows (the queue test makes 3 waiting jobs).
    await h.prisma.tenant.update({ where: { id: tenantId }, data: { rateLimitPerSec: 1000, planId: 'enterprise' } });
  });
  afterAll(() => h.stop());

  it('refuses every admin route to a tenant user (403) and to anonymous callers (401)', async () => {
    const routes: Array<[string, string, unknown?]> = [
      ['GET', '/admin/tenants'],
      ['GET', `/admin/tenants/${tenantId}`],
      ['POST', `/admin/tenants/${tenantId}/credits`, { amount: 1000, reason: 'free money' }],
      ['GET', '/admin/queue'],
    ];
    for (const [method, path, body] of routes) {
      expect((await tenant.call(method, path, body)).status).toBe(403);
      expect((await new DashboardClient(h).call(method, path, body)).status).toBe(401);
    }
    const row = await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(row.balance.toString()).toBe('10');
  });

  it('searches tenants by name, user email and id', async () => {
    const byName = await admin.call('GET', '/admin/tenants?q=zed anim');
    expect(byName.status).toBe(200);
    expect(byName.json.tenants.map((t: { id: string }) => t.id)).toEqual([tenantId]);
    expect(byName.json.tenants[0]).toMatchObject({ name: 'Zed Animation', planName: 'Enterprise', balance: 10, jobCount: 0, users: [expect.objectContaining({ role: 'TENANT_OWNER' })] });
    const byEmail = await admin.call('GET', '/admin/tenants?q=zed-');
    expect(byEmail.json.tenants.map((t: { id: string }) => t.id)).toEqual([tenantId]);
    expect((await admin.call('GET', `/admin/tenants?q=${tenantId}`)).json.tenants).toHaveLength(1);
    expect((await admin.call('GET', '/admin/tenants?q=nobody-by-that-name')).json.tenants).toEqual([]);
    expect((await admin.call('GET', '/admin/tenants')).json.tenants.length).toBeGreaterThanOrEqual(2);
  });

  it('grants credits once per idempotency key, on the ledger with the admin and the reason', async () => {
    const body = { amount: 25.5, reason: 'launch promotion', idempotencyKey: 'grant-form-0001' };
    const first = await admin.call('POST', `/admin/tenants/${tenantId}/credits`, body);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ applied: true, balanceAfter: 35.5, entry: { kind: 'GRANT', amount: 25.5, reason: 'launch promotion', actorUserId: adminId } });
    const again = await admin.call('POST', `/admin/tenants/${tenantId}/credits`, body);
    expect(again.json).toMatchObject({ applied: false, balanceAfter: 35.5 });

    const seen = await tenant.call('GET', '/ledger?limit=1');
    expect(seen.json.entries[0]).toMatchObject({ kind: 'GRANT', amount: 25.5, reason: 'launch promotion' });
    expect(seen.json.balance).toBe(35.5);
    const detail = await admin.call('GET', `/admin/tenants/${tenantId}`);
    expect(detail.json.ledger.map((e: { kind: string; amount: number }) => [e.kind, e.amount])).toEqual([
      ['GRANT', 25.5],
      ['GRANT', 10],
    ]);
  });

  it('takes credits back with a negative adjustment, never below zero', async () => {
    const res = await admin.call('POST', `/admin/tenants/${tenantId}/credits`, { amount: -5.5, reason: 'duplicate promotion' });
    expect(res.json).toMatchObject({ applied: true, balanceAfter: 30, entry: { kind: 'ADJUSTMENT', amount: -5.5 } });
    const tooMuch = await admin.call('POST', `/admin/tenants/${tenantId}/credits`, { amount: -31, reason: 'oops' });
    expect(tooMuch.status).toBe(400);
    expect(tooMuch.json.details[0]).toMatchObject({ field: 'amount', rule: 'min' });
    const bad = await admin.call('POST', `/admin/tenants/${tenantId}/credits`, { amount: 0.00001, reason: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['amount', 'reason']);
    expect((await admin.call('POST', '/admin/tenants/00000000-0000-4000-8000-000000000000/credits', { amount: 1, reason: 'ghost' })).status).toBe(404);
    const row = await h.prisma.tenant.findUniqueOrThrow({ where: { id: tenantId } });
    expect(row.balance.toString()).toBe('30');
  });

  it('shows the live queue per pool: waiting jobs in rank order with their tenant, and counts per tenant', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await tenant.call('POST', '/jobs', txt2img(`q-${i}`))).json.job.id);
    const res = await admin.call('GET', '/admin/queue');
    expect(res.status).toBe(200);
    const cpu = res.json.pools.find((p: { pool: string }) => p.pool === 'cpu');
    expect(cpu).toMatchObject({ length: 3, families: ['SD1', 'SD2', 'SDXL'], byTenant: [{ tenantId, tenantName: 'Zed Animation', waiting: 3 }], running: [] });
    expect(cpu.head.map((j: { jobId: string; rank: number; tenantName: string }) => [j.rank, j.jobId, j.tenantName])).toEqual(ids.map((id, i) => [i + 1, id, 'Zed Animation']));
  });
});
