import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
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

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A fresh requestId for "run again": the original's (shortened) with a time and random suffix. */
export function runAgainRequestId(original: string, now = Date.now()): string {
  return `${original.slice(0, 80)}.again-${now.toString(36)}-${randomBytes(4).toString('hex')}`;
}

export interface OutputDownload {
  stream: Readable;
  contentType: string;
  size: number;
  fileName: string;
}

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
    const { prisma, sql, config, queue, rateLimiter, metrics, log } = this.platform;
    const tenant = await prisma.tenant.findUniqueOrThrow({ where: { id: user.tenantId }, include: { plan: true } });
    if (tenant.status !== 'ACTIVE') throw DomainError.permissionDenied('this tenant is suspended');
    await rateLimiter.consume(tenant.id, tenant.rateLimitPerSec ?? tenant.plan.rateLimitPerSec);
    this.models ??= new ModelResolver(prisma);
    const { job, created } = await createJob(
      {
        prisma,
        sql,
        queue,
        models: this.models,
        pools: config.POOLS,
        maxAttempts: config.JOB_MAX_ATTEMPTS,
        webhookPolicy: { allowLoopback: config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: config.WEBHOOK_ALLOW_PRIVATE },
        log: (msg, extra) => log.warn(extra, msg),
      },
      { id: tenant.id, queueWeight: tenant.plan.queueWeight, planId: tenant.planId },
      body,
    );
    if (created) metrics.jobsCreated.inc({ pool: job.pool });
    return { job: (await this.view(job)) as JobView };
  }

  /** The same request once more as a new job (a new requestId; the seed stays, so a fixed seed gives the same images). */
  async runAgain(user: DashboardUser, jobId: string): Promise<{ job: JobView }> {
    const job = await findTenantJob(this.platform.prisma, user.tenantId, jobId);
    const request = job.request as Record<string, unknown> | null;
    if (!request || typeof request !== 'object' || !Array.isArray(request.stages)) throw DomainError.failedPrecondition(`job ${jobId} has no stored request to run again`);
    return this.create(user, { ...request, requestId: runAgainRequestId(job.requestId) });
  }

  /** One output of the tenant's job as a file download (same origin as the dashboard, so the browser saves it). */
  async download(user: DashboardUser, jobId: string, outputId: string): Promise<OutputDownload> {
    const job = await findTenantJob(this.platform.prisma, user.tenantId, jobId);
    const output = UUID.test(outputId) ? await this.platform.prisma.jobOutput.findFirst({ where: { id: outputId, jobId: job.id, tenantId: user.tenantId } }) : null;
    if (!output) throw DomainError.notFound(`output ${outputId} of job ${jobId}`, 'outputId');
    const info = await this.platform.blobs.stat(output.storageKey);
    if (!info) throw DomainError.notFound(`the file of output ${outputId} (it may have expired)`, 'outputId');
    return {
      stream: await this.platform.blobs.stream(output.storageKey),
      contentType: info.contentType ?? 'application/octet-stream',
      size: info.size,
      fileName: `darkroom-${job.id}-${output.stageIndex}-${output.index}-seed${output.seed}.${output.format}`,
    };
  }

  /** The price the job would have (the same function POST /v1/jobs/credits answers with). */
  estimate(user: DashboardUser, body: unknown): Promise<{ credits: number }> {
    return estimateJob(this.platform.prisma, user.tenantId, body);
  }

  /** What the playground offers: samplers, the checkpoints this tenant may use, and the bounds of the form. */
  async playgroundOptions(user: DashboardUser): Promise<PlaygroundOptionsResponse> {
    const models = await this.platform.prisma.model.findMany({
      where: { modelType: 'CHECKPOINT', status: 'READY', OR: [{ visibility: 'PUBLIC' }, { ownerTenantId: user.tenantId }] },
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
