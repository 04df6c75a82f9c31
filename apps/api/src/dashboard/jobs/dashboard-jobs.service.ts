import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_STEPS, DomainError, JobView } from '@darkroom/contracts';

import type { Prisma } from '@darkroom/db';
import { DEFAULT_SAMPLER_LABEL, SAMPLER_LABELS } from '@darkroom/inference';
import { cancelJob, createJob, estimateJob, findTenantJob, ModelResolver, toJobView } from '@darkroom/jobs';
import type { JobsResponse, JobSummary, PlaygroundOptionsResponse } from '@darkroom/contracts';
import { jobsQuerySchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';
import { parseOrThrow } from '../dashboard.validation';
import type { DashboardUser } from '../session/dashboard-session';
import { summarizeJob } from './job-summary';

/** The list's WAITING filter covers every state before a worker has the job. */
const STATUS_FILTER: Record<string, Array<'CREATED' | 'PENDING' | 'WAITING' | 'RUNNING' | 'SUCCESS' | 'FAILED' | 'CANCELED'>> = {
  WAITING: ['CREATED', 'PENDING', 'WAITING'],
  RUNNING: ['RUNNING'],
  SUCCESS: ['SUCCESS'],
  FAILED: ['FAILED'],
  CANCELED: ['CANCELED'],
};

export interface JobDetailResponse {
  job: JobView;
  summary: JobSummary;
  /** The validated request the job runs (what "run again" starts from). */
  request: unknown;
}

/** The signed-in tenant's jobs: list, detail, cancel, and the playground's create and estimate. Always tenant-scoped. */
@Injectable()
export class DashboardJobsService {
  private models?: ModelResolver;

  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async list(user: DashboardUser, query: unknown): Promise<JobsResponse> {
    const q = parseOrThrow(jobsQuerySchema, query);
    const where: Prisma.JobWhereInput = { tenantId: user.tenantId };
    if (q.status) where.status = { in: STATUS_FILTER[q.status] };
    if (q.cursor) where.id = { lt: BigInt(q.cursor) };
    const rows = await this.platform.prisma.job.findMany({ where, orderBy: { id: 'desc' }, take: q.limit + 1 });
    const page = rows.slice(0, q.limit);
    return { jobs: page.map(summarizeJob), nextCursor: rows.length > q.limit ? page[page.length - 1].id.toString() : null };
  }

  async get(user: DashboardUser, jobId: string): Promise<JobDetailResponse> {
    const job = await findTenantJob(this.platform.prisma, user.tenantId, jobId, true);
    return { job: (await this.view(job)) as JobView, summary: summarizeJob(job), request: job.request };
  }

  async cancel(user: DashboardUser, jobId: string): Promise<{ jobId: string; status: string }> {
    const { prisma, queue, cancel, notifier } = this.platform;
    return cancelJob({ prisma, queue, cancel, notifier }, user.tenantId, jobId);
  }

  /** The playground: the same create as POST /v1/jobs, on behalf of the signed-in tenant. */
  async create(user: DashboardUser, body: unknown): Promise<{ job: JobView }> {
    const { prisma, config, queue, rateLimiter, metrics, log } = this.platform;
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, include: { plan: true } });
    if (tenant.status !== 'ACTIVE') throw DomainError.permissionDenied('this tenant is suspended');
    await rateLimiter.consume(tenant.id, tenant.rateLimitPerSec ?? tenant.plan.rateLimitPerSec);
    this.models ??= new ModelResolver(prisma);
    const { job, created } = await createJob(
      {
        prisma,
        queue,
        models: this.models,
        pools: config.POOLS,
        maxAttempts: config.JOB_MAX_ATTEMPTS,
        webhookPolicy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
        log: (msg, extra) => log.warn(extra, msg),
      },
      { id: tenant.id, queueWeight: tenant.plan.queueWeight },
      body,
    );
    if (created) metrics.jobsCreated.inc({ pool: job.pool });
    return { job: (await this.view(job)) as JobView };
  }

  /** The price the job would have (the same function POST /v1/jobs/credits answers with). */
  estimate(user: DashboardUser, body: unknown): Promise<{ credits: number }> {
    return estimateJob(this.platform.prisma, user.tenantId, body);
  }

  /** What the playground offers: samplers, the checkpoints this tenant may use, and the bounds of the form. */
  async playgroundOptions(user: DashboardUser): Promise<PlaygroundOptionsResponse> {
    const models = await this.platform.prisma.model.findMany({
      where: { modelType: 'CHECKPOINT', OR: [{ visibility: 'PUBLIC' }, { ownerTenantId: user.tenantId }] },
      orderBy: [{ isDefault: 'desc' }, { name: 'asc' }],
      take: 200,
    });
    return {
      samplers: [...SAMPLER_LABELS],
      defaultSampler: DEFAULT_SAMPLER_LABEL,
      models: models.map((m) => ({ id: m.id.toString(), name: m.name, baseModel: m.baseModel, isDefault: m.isDefault })),
      sizes: { min: 512, max: 1536, multipleOf: 64 },
      steps: { min: 1, max: 60, default: DEFAULT_STEPS },
      count: { min: 1, max: 4 },
    };
  }

  private async view(job: Parameters<typeof toJobView>[0] & { pool: string }) {
    const { queue, signer, config } = this.platform;
    const position = job.status === 'WAITING' ? await queue.position(job.pool, job.id.toString()).catch(() => null) : null;
    return toJobView(job, { signer, urlTtlSec: config.OUTPUT_URL_TTL_SEC, position });
  }
}
