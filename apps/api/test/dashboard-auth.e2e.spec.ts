import { ApiHarness } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe('dashboard API: accounts and sessions', () => {
  let h: ApiHarness;

  beforeAll(async () => {
    h = await ApiHarness.start();
  });
  afterAll(() => h.stop());

  it('signs up a tenant on the free plan with its owner, a webhook secret and the welcome credits', async () => {
    const c = new DashboardClient(h);
    const email = uniqueEmail('owner');
    const res = await c.signUp(email.toUpperCase(), 'Acme Pictures');
    expect(res.status).toBe(200);
    expect(res.json.user).toMatchObject({ email, role: 'TENANT_OWNER' });
    expect(res.json.tenant).toMatchObject({ name: 'Acme Pictures', planId: 'free', status: 'ACTIVE', balance: 10 });
    const user = await h.prisma.user.findUniqueOrThrow({ where: { email }, include: { tenant: true } });
    expect(user.passwordHash).toMatch(/^\$argon2id\$/);
    expect(user.passwordHash).not.toContain('correct horse');
    expect(user.tenant.webhookSecret).toMatch(/^whsec_/);
    const ledger = await h.prisma.ledgerEntry.findMany({ where: { tenantId: user.tenantId } });
    expect(ledger.map((l) => [l.kind, l.amount.toString()])).toEqual([['GRANT', '10']]);
  });

  it('sets an HTTP-only SameSite=Lax session cookie and a readable CSRF cookie, Secure behind HTTPS', async () => {
    const res = await new DashboardClient(h).signUp(uniqueEmail('cookie'));
    const cookies = res.headers.getSetCookie();
    const session = cookies.find((c) => c.startsWith('dr_session='))!;
    const csrf = cookies.find((c) => c.startsWith('dr_csrf='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).toMatch(/Path=\//);
    expect(session).not.toMatch(/Secure/);
    expect(csrf).not.toMatch(/HttpOnly/);
    expect(res.json.csrfToken).toBe(decodeURIComponent(csrf.split(';')[0].slice('dr_csrf='.length)));

    const https = await new DashboardClient(h).call('POST', '/auth/signup', { email: uniqueEmail('tls'), password: 'correct horse battery', tenantName: 'tls' }, { headers: { 'x-forwarded-proto': 'https' } });
    expect(https.headers.getSetCookie().every((c) => /; Secure/.test(c))).toBe(true);
  });

  it('refuses a second account with the same email, and bad input with field issues', async () => {
    const email = uniqueEmail('dup');
    await new DashboardClient(h).signUp(email);
    const again = await new DashboardClient(h).signUp(email);
    expect(again.status).toBe(409);
    expect(again.json.details[0]).toMatchObject({ field: 'email', rule: 'already_exists' });

    const bad = await new DashboardClient(h).call('POST', '/auth/signup', { email: 'not-an-email', password: 'short', tenantName: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.details.map((d: { field: string }) => d.field).sort()).toEqual(['email', 'password', 'tenantName']);
  });

  it('accepts sign-up and sign-in as JSON only (a cross-site form cannot post them)', async () => {
    const res = await h.call('POST', '/dashboard-api/auth/signin', { rawBody: 'email=a@b.c&password=x', headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(res.json.details[0]).toMatchObject({ field: 'content-type', rule: 'content_type' });
  });

  it('signs in with the right password only, and me answers who is signed in', async () => {
    const email = uniqueEmail('signin');
    await new DashboardClient(h).signUp(email);
    const c = new DashboardClient(h);
    const wrong = await c.signIn(email, 'wrong password!!');
    expect(wrong.status).toBe(401);
    expect(wrong.headers.getSetCookie()).toEqual([]);
    const unknown = await c.signIn(uniqueEmail('nobody'));
    expect(unknown.status).toBe(401);
    expect(unknown.json.message).toBe(wrong.json.message);

    expect((await c.call('GET', '/me')).status).toBe(401);
    const ok = await c.signIn(email);
    expect(ok.status).toBe(200);
    const me = await c.call('GET', '/me');
    expect(me.status).toBe(200);
    expect(me.json.user.email).toBe(email);
    const row = await h.prisma.user.findUniqueOrThrow({ where: { email } });
    expect(row.lastLoginAt).not.toBeNull();
  });

  it('locks an email after repeated wrong passwords', async () => {
    const email = uniqueEmail('brute');
    await new DashboardClient(h).signUp(email);
    const c = new DashboardClient(h);
    for (let i = 0; i < 10; i++) expect((await c.signIn(email, `wrong-password-${i}`)).status).toBe(401);
    const locked = await c.signIn(email);
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get('retry-after'))).toBeGreaterThan(0);
  });

  it('refuses forged, tampered and signed-out sessions', async () => {
    const c = new DashboardClient(h);
    await c.signUp(uniqueEmail('forge'));
    const value = c.cookies.get('dr_session')!;
    const parts = value.split('.');

    const tampered = new DashboardClient(h);
    tampered.cookies.set('dr_session', [parts[0], '00000000-0000-4000-8000-000000000000', ...parts.slice(2)].join('.'));
    expect((await tampered.call('GET', '/me')).status).toBe(401);

    const copy = new DashboardClient(h);
    copy.cookies.set('dr_session', value);
    expect((await copy.call('GET', '/me')).status).toBe(200);

    const out = await c.call('POST', '/auth/signout');
    expect(out.status).toBe(200);
    expect(c.cookies.has('dr_session')).toBe(false);
    // The old cookie value stops working everywhere, not just in the browser that signed out.
    expect((await copy.call('GET', '/me')).status).toBe(401);
  });

  it('requires the session CSRF token on every mutation', async () => {
    const c = new DashboardClient(h);
    await c.signUp(uniqueEmail('csrf'));
    const other = new DashboardClient(h);
    await other.signUp(uniqueEmail('csrf-other'));

    const none = await c.call('POST', '/api-keys', { name: 'k' }, { csrf: null });
    expect(none.status).toBe(403);
    expect(none.json.details[0]).toMatchObject({ field: 'x-csrf-token', rule: 'csrf' });
    // Another session's token does not fit this session.
    expect((await c.call('POST', '/api-keys', { name: 'k' }, { csrf: other.csrf! })).status).toBe(403);
    expect((await c.call('POST', '/api-keys', { name: 'k' })).status).toBe(200);
    expect(await h.prisma.apiKey.count({ where: { name: 'k', tenant: { users: { some: { email: { startsWith: 'csrf-' } } } } } })).toBe(1);
  });
});
