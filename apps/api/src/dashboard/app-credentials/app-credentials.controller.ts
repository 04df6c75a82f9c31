import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { AppCredentialsService } from './app-credentials.service';

@Controller('dashboard-api/app-credentials')
@UseGuards(SessionGuard)
export class AppCredentialsController {
  constructor(@Inject(AppCredentialsService) private readonly credentials: AppCredentialsService) {}

  @Get()
  list(@CurrentSession() s: DashboardSession) {
    return this.credentials.list(s.user);
  }

  @Post()
  @HttpCode(200)
  create(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.credentials.create(s.user, body);
  }

  @Delete(':credentialId')
  revoke(@CurrentSession() s: DashboardSession, @Param('credentialId') credentialId: string) {
    return this.credentials.revoke(s.user, credentialId);
  }
}
