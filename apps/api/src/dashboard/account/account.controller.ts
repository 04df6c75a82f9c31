import { Body, Controller, Get, HttpCode, Inject, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { MeResponse } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import type { DashboardSession } from '../session/dashboard-session';
import { endSession, requireJson, startSession } from '../session/session-cookies';
import { AllowedWhileImpersonating } from '../session/impersonation';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { AccountService } from './account.service';

@Controller('dashboard-api')
export class AccountController {
  constructor(
    @Inject(AccountService) private readonly accounts: AccountService,
    @Inject(DashboardPlatform) private readonly platform: DashboardPlatform,
  ) {}

  @Post('auth/signup')
  @HttpCode(200)
  async signUp(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<MeResponse> {
    requireJson(req);
    const { userId } = await this.accounts.signUp(body);
    const cookie = startSession(this.platform.sessionKey, req, reply, userId);
    return this.accounts.me(userId, cookie);
  }

  @Post('auth/signin')
  @HttpCode(200)
  async signIn(@Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Body() body: unknown): Promise<MeResponse> {
    requireJson(req);
    const { userId } = await this.accounts.signIn(body);
    const cookie = startSession(this.platform.sessionKey, req, reply, userId);
    return this.accounts.me(userId, cookie);
  }

  @Post('auth/signout')
  @HttpCode(200)
  @UseGuards(SessionGuard)
  @AllowedWhileImpersonating()
  async signOut(@CurrentSession() session: DashboardSession, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<{ signedOut: true }> {
    await this.accounts.signOut(session.claims);
    endSession(req, reply);
    return { signedOut: true };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@CurrentSession() session: DashboardSession): Promise<MeResponse> {
    return this.accounts.me(session.user.id, session.cookieValue, session.user.tenantId);
  }
}
