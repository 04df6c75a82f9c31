import { Inject, Injectable } from '@nestjs/common';
import { DomainError } from '@darkroom/contracts';
import type { CreateInviteResponse, InviteLookupResponse, InviteView, MembersResponse, MemberView } from '@darkroom/contracts';
import { acceptInviteRequestSchema, inviteMemberRequestSchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';
import { hashPassword } from '../session/password';
import { assertCanManageTenant } from '../session/roles';
import { hashInviteToken, INVITE_TTL_MS, inviteState, isInviteToken, newInviteToken } from './invite-token';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** Open invitations a tenant may have at once. */
export const MAX_PENDING_INVITES = 50;
const INVITES_SHOWN = 50;

const isUniqueViolation = (e: unknown) => (e as { code?: string })?.code === 'P2002';
const emailTaken = () => DomainError.alreadyExists('an account with this email exists already (an account belongs to one tenant)', [{ field: 'email', rule: 'already_exists', message: 'already has a darkroom account' }]);

function inviteView(i: { id: string; email: string; role: string; createdAt: Date; expiresAt: Date; acceptedAt: Date | null; revokedAt: Date | null }): InviteView {
  return { id: i.id, email: i.email, role: i.role as InviteView['role'], status: inviteState(i), createdAt: i.createdAt.toISOString(), expiresAt: i.expiresAt.toISOString() };
}

function memberView(u: { id: string; email: string; role: string; createdAt: Date; lastLoginAt: Date | null }): MemberView {
  return { id: u.id, email: u.email, role: u.role as MemberView['role'], createdAt: u.createdAt.toISOString(), lastLoginAt: u.lastLoginAt?.toISOString() ?? null };
}

/**
 * A tenant's people: its users, invitations by link (no email is sent: the inviter copies the link), accepting
 * an invitation (a new user in that tenant, role member), and removing members.
 */
@Injectable()
export class MembersService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async list(user: DashboardUser): Promise<MembersResponse> {
    const { prisma } = this.platform;
    const [users, invites] = await Promise.all([
      prisma.user.findMany({ where: { tenantId: user.tenantId }, orderBy: { createdAt: 'asc' } }),
      prisma.memberInvite.findMany({ where: { tenantId: user.tenantId, acceptedAt: null, revokedAt: null }, orderBy: { createdAt: 'desc' }, take: INVITES_SHOWN }),
    ]);
    return { members: users.map(memberView), invites: invites.map((i) => inviteView(i)) };
  }

  /** A new invitation for `email`; an open one for the same email is replaced (its link stops working). */
  async invite(user: DashboardUser, body: unknown): Promise<CreateInviteResponse> {
    assertCanManageTenant(user);
    const { email } = parseOrThrow(inviteMemberRequestSchema, body);
    const { prisma } = this.platform;
    if (await prisma.user.findUnique({ where: { email }, select: { id: true } })) throw emailTaken();
    const open = { tenantId: user.tenantId, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } };
    if ((await prisma.memberInvite.count({ where: { ...open, email: { not: email } } })) >= MAX_PENDING_INVITES) {
      throw DomainError.failedPrecondition(`a tenant has at most ${MAX_PENDING_INVITES} open invitations; revoke some first`);
    }
    const { token, hash } = newInviteToken();
    const invite = await prisma.$transaction(async (tx) => {
      await tx.memberInvite.updateMany({ where: { ...open, email }, data: { revokedAt: new Date() } });
      return tx.memberInvite.create({
        data: { tenantId: user.tenantId, email, role: 'TENANT_MEMBER', tokenHash: hash, invitedById: user.id, expiresAt: new Date(Date.now() + INVITE_TTL_MS) },
      });
    });
    return { invite: inviteView(invite), token, path: `/invite/${token}` };
  }

  async revokeInvite(user: DashboardUser, inviteId: string): Promise<{ invite: InviteView }> {
    assertCanManageTenant(user);
    const { prisma } = this.platform;
    const row = UUID.test(inviteId) ? await prisma.memberInvite.findFirst({ where: { id: inviteId, tenantId: user.tenantId } }) : null;
    if (!row) throw DomainError.notFound(`invitation ${inviteId}`, 'inviteId');
    if (row.acceptedAt) throw DomainError.failedPrecondition('this invitation was accepted already; remove the member instead');
    const revoked = row.revokedAt ? row : await prisma.memberInvite.update({ where: { id: row.id }, data: { revokedAt: new Date() } });
    return { invite: inviteView(revoked) };
  }

  /** Removes a member (their sessions stop working at once: every request looks the user up). */
  async remove(user: DashboardUser, userId: string): Promise<{ removed: string }> {
    assertCanManageTenant(user);
    const { prisma } = this.platform;
    const target = UUID.test(userId) ? await prisma.user.findFirst({ where: { id: userId, tenantId: user.tenantId } }) : null;
    if (!target) throw DomainError.notFound(`member ${userId}`, 'userId');
    if (target.id === user.id) throw DomainError.failedPrecondition('you cannot remove yourself', [{ field: 'userId', rule: 'self', message: 'is you' }]);
    if (target.role !== 'TENANT_MEMBER') throw DomainError.failedPrecondition('only members can be removed here (not owners or admins)', [{ field: 'userId', rule: 'role', message: `is ${target.role.toLowerCase()}` }]);
    await prisma.user.delete({ where: { id: target.id } });
    return { removed: target.id };
  }

  /** What the invitation page shows before the person picks a password. */
  async lookup(token: string): Promise<InviteLookupResponse> {
    const invite = await this.openInvite(token);
    return { email: invite.email, tenantName: invite.tenant.name, expiresAt: invite.expiresAt.toISOString() };
  }

  /** Creates the invited user in the inviting tenant; the invitation works once. Returns the new user's id. */
  async accept(token: string, body: unknown): Promise<{ userId: string }> {
    const { password } = parseOrThrow(acceptInviteRequestSchema, body);
    const invite = await this.openInvite(token);
    const passwordHash = await hashPassword(password);
    try {
      return await this.platform.prisma.$transaction(async (tx) => {
        // Claim the invitation first: of two concurrent accepts, one updates the row and the other finds it taken.
        const claimed = await tx.memberInvite.updateMany({ where: { id: invite.id, acceptedAt: null, revokedAt: null, expiresAt: { gt: new Date() } }, data: { acceptedAt: new Date() } });
        if (claimed.count !== 1) throw DomainError.failedPrecondition('this invitation was used or revoked meanwhile');
        const created = await tx.user.create({ data: { email: invite.email, passwordHash, role: invite.role, tenantId: invite.tenantId, lastLoginAt: new Date() } });
        await tx.memberInvite.update({ where: { id: invite.id }, data: { acceptedUserId: created.id } });
        return { userId: created.id };
      });
    } catch (e) {
      if (isUniqueViolation(e)) throw emailTaken();
      throw e;
    }
  }

  private async openInvite(token: string) {
    const row = isInviteToken(token) ? await this.platform.prisma.memberInvite.findUnique({ where: { tokenHash: hashInviteToken(token) }, include: { tenant: { select: { name: true, status: true } } } }) : null;
    if (!row) throw DomainError.notFound('invitation (the link is wrong or was replaced by a newer one)', 'token');
    const state = inviteState(row);
    if (state !== 'PENDING') {
      const why = { ACCEPTED: 'was used already: sign in instead', REVOKED: 'was revoked', EXPIRED: 'has expired: ask for a new one' }[state];
      throw DomainError.failedPrecondition(`this invitation ${why}`, [{ field: 'token', rule: state.toLowerCase(), message: `invitation ${why}` }]);
    }
    return row;
  }
}
