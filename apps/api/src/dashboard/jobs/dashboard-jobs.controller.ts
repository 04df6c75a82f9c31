import { Body, Controller, Delete, Get, HttpCode, Inject, OnModuleDestroy, Param, Post, Query, Req, Res, UseGuards } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { DashboardPlatform } from '../dashboard.platform';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { DashboardJobsService } from './dashboard-jobs.service';
import { JobEventsStream } from './job-events.stream';

@Controller('dashboard-api')
@UseGuards(SessionGuard)
export class DashboardJobsController implements OnModuleDestroy {
  private events?: JobEventsStream;

  constructor(
    @Inject(DashboardJobsService) private readonly jobs: DashboardJobsService,
    @Inject(DashboardPlatform) private readonly platform: DashboardPlatform,
  ) {}

  onModuleDestroy(): void {
    this.events?.closeAll();
  }

  @Get('jobs')
  list(@CurrentSession() s: DashboardSession, @Query() query: Record<string, string>) {
    return this.jobs.list(s.user, query);
  }

  @Post('jobs')
  @HttpCode(200)
  create(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.jobs.create(s.user, body);
  }

  @Post('jobs/estimate')
  @HttpCode(200)
  estimate(@CurrentSession() s: DashboardSession, @Body() body: unknown) {
    return this.jobs.estimate(s.user, body);
  }

  /** Server-sent events: the tenant's job changes as they happen (the pages poll when this is unavailable). */
  @Get('jobs/events')
  async stream(@CurrentSession() s: DashboardSession, @Req() req: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    this.events ??= new JobEventsStream(this.platform.prisma);
    await this.events.serve(s.user.tenantId, req, reply);
  }

  @Post('jobs/:jobId/run-again')
  @HttpCode(200)
  runAgain(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string) {
    return this.jobs.runAgain(s.user, jobId);
  }

  @Get('jobs/:jobId/outputs/:outputId/download')
  async download(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string, @Param('outputId') outputId: string, @Res() reply: FastifyReply): Promise<void> {
    const file = await this.jobs.download(s.user, jobId, outputId);
    await reply
      .header('content-type', file.contentType)
      .header('content-length', String(file.size))
      .header('content-disposition', `attachment; filename="${file.fileName}"`)
      .header('cache-control', 'private, no-store')
      .send(file.stream);
  }

  @Get('jobs/:jobId')
  get(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string) {
    return this.jobs.get(s.user, jobId);
  }

  @Delete('jobs/:jobId')
  cancel(@CurrentSession() s: DashboardSession, @Param('jobId') jobId: string) {
    return this.jobs.cancel(s.user, jobId);
  }

  @Get('playground/options')
  playgroundOptions(@CurrentSession() s: DashboardSession) {
    return this.jobs.playgroundOptions(s.user);
  }
}
