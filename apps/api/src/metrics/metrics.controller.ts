import { Controller, Get, Header, Inject } from '@nestjs/common';
import type { ApiEnv } from '@darkroom/config';
import type { PrismaClient } from '@darkroom/db';
import type { WaitQueue } from '@darkroom/jobs';
import { CONFIG, PRISMA, WAIT_QUEUE } from '../platform/tokens';
import { ApiMetrics } from './api-metrics';

type QueueWithLength = WaitQueue & { length?(pool: string): Promise<number> };

@Controller('metrics')
export class MetricsController {
  constructor(
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(WAIT_QUEUE) private readonly queue: QueueWithLength,
    @Inject(CONFIG) private readonly config: ApiEnv,
  ) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  async scrape(): Promise<string> {
    const counts = await this.prisma.job.groupBy({ by: ['status'], _count: { _all: true } });
    this.metrics.jobsByStatus.reset();
    for (const c of counts) this.metrics.jobsByStatus.set({ status: c.status }, c._count._all);
    for (const pool of Object.keys(this.config.POOLS)) {
      if (this.queue.length) this.metrics.queueLength.set({ pool }, await this.queue.length(pool).catch(() => 0));
    }
    const durations = await this.prisma.$queryRaw<Array<{ status: string; avg: number | null }>>`
      SELECT status::text, AVG(EXTRACT(EPOCH FROM ("finishedAt" - "startedAt")))::float8 AS avg
      FROM "Job" WHERE "finishedAt" > now() - interval '15 minutes' AND "startedAt" IS NOT NULL GROUP BY status`;
    this.metrics.jobDuration.reset();
    for (const d of durations) if (d.avg !== null) this.metrics.jobDuration.set({ status: d.status }, d.avg);
    return this.metrics.registry.metrics();
  }
}
