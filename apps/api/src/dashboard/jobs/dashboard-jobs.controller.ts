import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query, UseGuards } from '@nestjs/common';
import type { DashboardSession } from '../session/dashboard-session';
import { CurrentSession, SessionGuard } from '../session/session.guard';
import { DashboardJobsService } from './dashboard-jobs.service';

@Controller('dashboard-api')
@UseGuards(SessionGuard)
export class DashboardJobsController {
  constructor(@Inject(DashboardJobsService) private readonly jobs: DashboardJobsService) {}

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
