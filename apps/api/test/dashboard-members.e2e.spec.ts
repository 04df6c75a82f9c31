import { ApiHarness } from './api-harness';
import { DashboardClient, uniqueEmail } from './dashboard-client';

describe('dashboard API: members and invitations', () => {
  let h: ApiHarness;
  let owner: DashboardClient;
  let other: DashboardClient;
  let tenantId: string;

  beforeAll(async () => {
    h = await ApiHarness.start();
    owner = new DashboardClient(h);
    other = new DashboardClient(h);
    tenantId = (await owner.signUp(uniqueEmail('owner'), 'Owl Studio')).json.tenant.id;
    await other.signUp(uniqueEmail('other'), 'Other Co');
  });
  afterAll(() => h.stop());

  it('invites by link; accepting creates a member of that tenant, signed in, and the link works once', async () => {
    const email = uniqueEmail('Member').toUpperCase();
    const created = await owner.call('POST', '/members/invites', { email });
    expect(created.status).toBe(200);
    const { token, path, invite } = created.json;
    expect(token).toMatch(/^dri_[A-Za-z0-9_-]{43}$/);
    expect(path).toBe(`/invite/${token}`);
    expect(invite).toMatchObject({ email: email.toLowerCase(), role: 'TENANT_MEMBER', status: 'PENDING' });
    // Only the token's hash is stored.
    const row = await h.prisma.memberInvite.findUniqueOrThrow({ where: { id: invite.id } });
    expect(JSON.stringify(row)).not.toContain(token);

    const visitor = new DashboardClient(h);
    expect((await visitor.call('GET', `/invites/${token}`)).json).toMatchObject({ email: email.toLowerCase(), tenantName: 'Owl Studio' });
    const short = await visitor.call('POST', `/invites/${token}/accept`, { password: 'short' });
    expect([short.status, short.json.details[0].field]).toEqual([400, 'password']);
    const accepted = await visitor.call('POST', `/invites/${token}/accept`, { password: 'member password 1' });
    expect(accepted.status).toBe(200);
    expect(accepted.json).toMatchObject({ user: { email: email.toLowerCase(), role: 'TENANT_MEMBER' }, tenant: { id: tenantId } });
    expect((await visitor.call('GET', '/me')).json.tenant.id).toBe(tenantId);

    const again = await new DashboardClient(h).call('POST', `/invites/${token}/accept`, { password: 'member password 2' });
    expect([again.status, again.json.details[0].rule]).toEqual([400, 'accepted']);
    const list = await owner.call('GET', '/members');
    expect(list.json.members.map((m: { email: string; role: string }) => [m.email, m.role])).toEqual([
      [expect.stringMatching(/^owner-/), 'TENANT_OWNER'],
      [email.toLowerCase(), 'TENANT_MEMBER'],
    ]);
    expect(list.json.invites).toEqual([]);
  });

  it('lets members read but not invite or remove; refuses emails that already have an account', async () => {
    const email = uniqueEmail('reader');
    const { token } = (await owner.call('POST', '/members/invites', { email })).json;
    const member = new DashboardClient(h);
    await member.call('POST', `/invites/${token}/accept`, { password: 'member password 1' });
    expect((await member.call('GET', '/members')).status).toBe(200);
    expect((await member.call('POST', '/members/invites', { email: uniqueEmail('x') })).status).toBe(403);
    const ownerId = (await owner.call('GET', '/me')).json.user.id;
    expect((await member.call('DELETE', `/members/${ownerId}`)).status).toBe(403);

    const taken = await owner.call('POST', '/members/invites', { email });
    expect([taken.status, taken.json.details[0]]).toEqual([409, expect.objectContaining({ field: 'email', rule: 'already_exists' })]);
    const bad = await owner.call('POST', '/members/invites', { email: 'not-an-email' });
    expect([bad.status, bad.json.details[0].field]).toEqual([400, 'email']);
    // CSRF applies to invitations like to every other change.
    expect((await owner.call('POST', '/members/invites', { email: uniqueEmail('y') }, { csrf: null })).status).toBe(403);
  });

  it('replaces an open invitation for the same email, revokes, and removes members (their session ends)', async () => {
    const email = uniqueEmail('twice');
    const first = (await owner.call('POST', '/members/invites', { email })).json;
    const second = (await owner.call('POST', '/members/invites', { email })).json;
    expect((await new DashboardClient(h).call('GET', `/invites/${first.token}`)).json.details[0].rule).toBe('revoked');
    expect((await owner.call('GET', '/members')).json.invites.map((i: { id: string }) => i.id)).toEqual([second.invite.id]);
    // Another tenant cannot revoke it; the owner can.
    expect((await other.call('DELETE', `/members/invites/${second.invite.id}`)).status).toBe(404);
    expect((await owner.call('DELETE', `/members/invites/${second.invite.id}`)).json.invite.status).toBe('REVOKED');
    expect((await new DashboardClient(h).call('POST', `/invites/${second.token}/accept`, { password: 'member password 1' })).status).toBe(400);
    expect((await new DashboardClient(h).call('GET', '/invites/dri_nonsense')).status).toBe(404);

    const { token } = (await owner.call('POST', '/members/invites', { email: uniqueEmail('leaver') })).json;
    const leaver = new DashboardClient(h);
    const leaverId = (await leaver.call('POST', `/invites/${token}/accept`, { password: 'member password 1' })).json.user.id;
    expect((await other.call('DELETE', `/members/${leaverId}`)).status).toBe(404);
    const ownerId = (await owner.call('GET', '/me')).json.user.id;
    expect((await owner.call('DELETE', `/members/${ownerId}`)).json.details[0].rule).toBe('self');
    expect((await owner.call('DELETE', `/members/${leaverId}`)).json).toEqual({ removed: leaverId });
    expect((await leaver.call('GET', '/me')).status).toBe(401);
  });
});
