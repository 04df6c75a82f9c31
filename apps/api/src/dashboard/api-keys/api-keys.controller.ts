import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { ApiKeysService } from './api-keys.service';

@Controller('dashboard-api/api-keys')
@UseGuards(SessionGuard)
export class ApiKeysController {
  constructor(@Inject(ApiKeysService) private readonly keys: ApiKeysService) {}

  @Get()
  list(@CurrentSession() s: DashboardSession) {
    return this.keys.list(s.user);
  }

  @Post()
  @HttpCode(200)
  create(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.keys.create(s.user, body);
  }

  @Delete(':keyId')
  revoke(@CurrentSession() s: DashboardSession, @Param('keyId') keyId: string) {
    return this.keys.revoke(s.user, keyId);
  }
}
