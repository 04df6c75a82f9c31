import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import type { ApiEnv } from '@darkroom/config';
import type { PrismaClient, SqlPool } from '@darkroom/db';
import {
  CancelSignal,
  cancelJob,
  createJob,
  CreateJobBatcher,
  estimateJob,
  findTenantJob,
  JobView,
  ModelResolver,
  StatusNotifier,
  toJobView,
  WaitQueue,
} from '@darkroom/jobs';
import type { UrlSigner } from '@darkroom/storage';
import type { AuthenticatedTenant } from '../auth/tenant-context';
import { ApiMetrics } from '../metrics/api-metrics';
import { CANCEL_SIGNAL, CONFIG, LOGGER, NOTIFIER, PRISMA, SQL_POOL, URL_SIGNER, WAIT_QUEUE } from '../platform/tokens';

/** Glue between the /v1/jobs routes and the job lifecycle of @darkroom/jobs. */
@Injectable()
export class JobsService {
  private readonly models: ModelResolver;
  /** Concurrent creates of this process share statements (a group commit; see libs/jobs create-batcher.ts). */
  private readonly batcher: CreateJobBatcher;

  constructor(
    @Inject(CONFIG) private readonly config: ApiEnv,
    @Inject(PRISMA) private readonly prisma: PrismaClient,
    @Inject(SQL_POOL) private readonly sql: SqlPool,
    @Inject(WAIT_QUEUE) private readonly queue: WaitQueue,
    @Inject(URL_SIGNER) private readonly signer: UrlSigner,
    @Inject(NOTIFIER) private readonly notifier: StatusNotifier,
    @Inject(CANCEL_SIGNAL) private readonly cancelSignal: CancelSignal,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(ApiMetrics) private readonly metrics: ApiMetrics,
  ) {
    this.models = new ModelResolver(prisma);
    this.batcher = new CreateJobBatcher(sql);
  }

  async create(tenant: AuthenticatedTenant, body: unknown): Promise<{ job: JobView }> {
    const { job, created, position } = await createJob(
      {
        prisma: this.prisma,
        sql: this.sql,
        batcher: this.batcher,
        queue: this.queue,
        models: this.models,
        pools: this.config.POOLS,
        maxAttempts: this.config.JOB_MAX_ATTEMPTS,
        webhookPolicy: { allowLoopback: this.config.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: this.config.WEBHOOK_ALLOW_PRIVATE },
        log: (msg, extra) => this.log.warn(extra, msg),
      },
      { id: tenant.tenantId, queueWeight: tenant.queueWeight, planId: tenant.planId },
      body,
    );
    if (created) this.metrics.jobsCreated.inc({ pool: job.pool });
    return { job: await this.view(job, position) };
  }

  async get(tenant: AuthenticatedTenant, jobId: string): Promise<{ job: JobView }> {
    const job = await findTenantJob(this.prisma, tenant.tenantId, jobId, true);
    return { job: await this.view(job) };
  }

  async cancel(tenant: AuthenticatedTenant, jobId: string): Promise<{ jobId: string }> {
    const { jobId: id } = await cancelJob({ prisma: this.prisma, queue: this.queue, cancel: this.cancelSignal, notifier: this.notifier }, tenant.tenantId, jobId);
    return { jobId: id };
  }

  estimate(tenant: AuthenticatedTenant, body: unknown): Promise<{ credits: number }> {
    return estimateJob(this.prisma, tenant.tenantId, body);
  }

  /** The job as the API shows it; `known` is a queue position already read (by the creation). */
  private async view(job: Parameters<typeof toJobView>[0] & { pool: string }, known?: { rank: number; length: number } | null): Promise<JobView> {
    const waiting = job.status === 'WAITING';
    const position = !waiting ? null : known !== undefined && known !== null ? known : await this.queue.position(job.pool, job.id.toString()).catch(() => null);
    return toJobView(job, { signer: this.signer, urlTtlSec: this.config.OUTPUT_URL_TTL_SEC, position });
  }
}
