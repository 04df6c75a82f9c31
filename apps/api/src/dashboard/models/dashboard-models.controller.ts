import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Put, Query, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { DashboardModelsService } from './dashboard-models.service';

/**
 * GET    /models                        items and access keys
 * POST   /models                        register an item already on the model store ({storagePath} under the tenant's folder)
 * POST   /models/uploads                declare an upload → dashboard-relative signed PUT paths
 * POST   /models/:id/complete           check the uploaded files; READY
 * POST   /models/:id/settings           name, description, visibility
 * POST   /models/access-keys            mint (the key is shown once) · DELETE /models/access-keys/:id  revoke
 */
@Controller('dashboard-api/models')
@UseGuards(SessionGuard)
export class DashboardModelsController {
  constructor(@Inject(DashboardModelsService) private readonly models: DashboardModelsService) {}

  @Get()
  list(@CurrentSession() s: DashboardSession) {
    return this.models.list(s.user);
  }

  @Post()
  @HttpCode(200)
  async register(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return { model: await this.models.register(s.user, body) };
  }

  @Post('uploads')
  @HttpCode(200)
  startUpload(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.models.startUpload(s.user, body);
  }

  @Post('access-keys')
  @HttpCode(200)
  mintKey(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.models.mintKey(s.user, body);
  }

  @Delete('access-keys/:keyId')
  async revokeKey(@CurrentSession() s: DashboardSession, @Param('keyId') keyId: string) {
    return { accessKey: await this.models.revokeKey(s.user, keyId) };
  }

  @Post(':modelId/complete')
  @HttpCode(200)
  async complete(@CurrentSession() s: DashboardSession, @Param('modelId') modelId: string) {
    return { model: await this.models.complete(s.user, modelId) };
  }

  @Post(':modelId/settings')
  @HttpCode(200)
  async update(@CurrentSession() s: DashboardSession, @Param('modelId') modelId: string, @Body() body: unknown) {
    return { model: await this.models.update(s.user, modelId, body) };
  }
}

/** The file PUTs of a dashboard upload: the signed URL is the credential (as for /v1/catalogue/uploads). */
@Controller('dashboard-api/models/uploads')
export class DashboardModelFilesController {
  constructor(@Inject(DashboardModelsService) private readonly models: DashboardModelsService) {}

  @Put('*')
  @HttpCode(200)
  receive(@Req() req: FastifyRequest, @Query('exp') exp: string | undefined, @Query('sig') sig: string | undefined, @Body() body: unknown) {
    return this.models.receive(decodeURIComponent(req.url.split('?')[0]), exp, sig, body);
  }
}
