import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MeResponse } from '@darkroom/contracts';
import { AccountService } from '../account/account.service';
import { DashboardPlatform } from '../dashboard.platform';
import type { DashboardSession } from '../session/dashboard-session';
import { requireJson, startSession } from '../session/session-cookies';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { MembersService } from './members.service';

/** The tenant's members and invitations (owner manages, members read). */
@Controller('dashboard-api/members')
@UseGuards(SessionGuard)
export class MembersController {
  constructor(@Inject(MembersService) private readonly members: MembersService) {}

  @Get()
  list(@CurrentSession() s: DashboardSession) {
    return this.members.list(s.user);
  }

  @Post('invites')
  @HttpCode(200)
  invite(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.members.invite(s.user, body);
  }

  @Delete('invites/:inviteId')
  revokeInvite(@CurrentSession() s: DashboardSession, @Param('inviteId') inviteId: string) {
    return this.members.revokeInvite(s.user, inviteId);
  }

  @Delete(':userId')
  remove(@CurrentSession() s: DashboardSession, @Param('userId') userId: string) {
    return this.members.remove(s.user, userId);
  }
}

/** The invitation link's page: look it up, and accept it (a new account in that tenant, signed in). No session yet. */
@Controller('dashboard-api/invites')
export class InvitesController {
  constructor(
    @Inject(MembersService) private readonly members: MembersService,
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(DashboardPlatform) private readonly platform: DashboardPlatform,
  ) {}

  @Get(':token')
  lookup(@Param('token') token: string) {
    return this.members.lookup(token);
  }

  @Post(':token/accept')
  @HttpCode(200)
  async accept(@Param('token') token: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<MeResponse> {
    requireJson(req);
    const { userId } = await this.members.accept(token, body);
    const cookie = startSession(this.platform.sessionKey, req, reply, userId);
    return this.accounts.me(userId, cookie);
  }
}
