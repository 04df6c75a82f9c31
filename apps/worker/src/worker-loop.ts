import path from 'node:path';
import type { Logger } from 'pino';
import type { CreateJobRequest } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';
import { CanceledRunError, FatalRunError, JobRunner, RunOutput, RunProgress } from '@darkroom/inference';
import {
  CancelSignal,
  claimJob,
  completeJob,
  completeJobPartially,
  failJob,
  heartbeat,
  JobProgress,
  Lease,
  NewOutput,
  releaseJob,
  StatusNotifier,
  WaitQueue,
} from '@darkroom/jobs';
import type { FairQueue } from '@darkroom/queue';
import type { BlobStore } from '@darkroom/storage';
import { ImageFailures } from './image-failures';
import type { WorkerMetrics } from './worker-metrics';

export interface WorkerLoopDeps {
  prisma: PrismaClient;
  fair: FairQueue;
  waitQueue: WaitQueue;
  blobs: BlobStore;
  runner: JobRunner;
  cancel: CancelSignal;
  notifier: StatusNotifier;
  log: Logger;
  pool: string;
  workerId: string;
  modelsDir: string;
  leaseTtlMs: number;
  concurrency: number;
  /** Queue weight of a tenant, for requeues after a transient failure. */
  weightOf(tenantId: string): Promise<number>;
  metrics?: WorkerMetrics;
}

const PREVIEW_EVERY_MS = 1000;
const PROGRESS_EVERY_MS = 500;

/**
 * A worker of one GPU pool: takes jobs from the fair queue, claims them in Postgres (lease + heartbeat), runs
 * their stages, stores the outputs and finishes each job in one transaction with the ledger.
 */
export class WorkerLoop {
  private stopping = false;
  private aborting = false;
  private readonly slots: Promise<void>[] = [];
  private readonly running = new Set<string>();

  constructor(private readonly deps: WorkerLoopDeps) {}

  start(): void {
    for (let i = 0; i < this.deps.concurrency; i++) this.slots.push(this.slot());
    this.deps.log.info({ pool: this.deps.pool, workerId: this.deps.workerId, runner: this.deps.runner.name }, 'worker started');
  }

  /** Stops taking jobs; lets running ones finish for up to graceMs, then gives them back to the queue. */
  async stop(graceMs: number): Promise<void> {
    this.stopping = true;
    const done = Promise.all(this.slots);
    const timer = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), graceMs).unref());
    if ((await Promise.race([done, timer])) === 'timeout') {
      this.deps.log.warn({ jobs: [...this.running] }, 'shutdown grace period over: releasing running jobs');
      this.aborting = true;
      await done;
    }
    await this.deps.fair.closeBlockingConnections();
  }

  get activeJobs(): string[] {
    return [...this.running];
  }

  /** Model keys the engine holds loaded (reported on the admin's workers page). */
  heldModels(): string[] {
    return this.deps.runner.heldModels();
  }

  /** Taking jobs (false once a shutdown began). */
  get isTakingJobs(): boolean {
    return this.slots.length > 0 && !this.stopping;
  }

  private async slot(): Promise<void> {
    while (!this.stopping) {
      try {
        const taken = await this.deps.fair.take(this.deps.pool, { heldModels: this.deps.runner.heldModels() });
        if (!taken) {
          await this.deps.fair.waitForWork(this.deps.pool, 1000);
          continue;
        }
        const lease = await claimJob(this.deps.prisma, BigInt(taken.jobId), this.deps.workerId, this.deps.leaseTtlMs);
        if (lease) await this.runOne(lease);
      } catch (e) {
        this.deps.log.error({ err: e }, 'worker loop error');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async runOne(lease: Lease): Promise<void> {
    const { job } = lease;
    const jobId = job.id.toString();
    const log = this.deps.log.child({ jobId, attempt: job.attempts });
    this.running.add(jobId);
    const metrics = this.deps.metrics;
    metrics?.running.inc({ pool: this.deps.pool });
    const stopTimer = metrics?.jobSeconds.startTimer({ pool: this.deps.pool });
    let outcome = 'lost';
    await this.deps.notifier.jobStatusChanged(job);
    let lost = false;
    let progress: JobProgress | undefined;
    let lastPreview = 0;
    let lastSaved = 0;
    const beat = setInterval(() => {
      heartbeat(this.deps.prisma, lease, this.deps.leaseTtlMs, progress).then(
        (ok) => {
          if (!ok) lost = true;
        },
        (e) => log.warn({ err: e }, 'heartbeat failed'),
      );
    }, Math.max(200, Math.floor(this.deps.leaseTtlMs / 3)));

    // The latest preview of each image, written at most once a second; progress itself goes out with heartbeats.
    const previews = new Map<number, { previewKey: string; width: number; height: number }>();
    const onProgress = async (p: RunProgress) => {
      if (Date.now() - lastPreview >= PREVIEW_EVERY_MS && p.images.some((i) => i.preview)) {
        lastPreview = Date.now();
        for (const img of p.images) {
          if (!img.preview) continue;
          const previewKey = `previews/${job.tenantId}/${jobId}/${img.index}.webp`;
          await this.deps.blobs.put(previewKey, img.preview.data, 'image/webp');
          previews.set(img.index, { previewKey, width: img.preview.width, height: img.preview.height });
        }
      }
      const images = p.images.map((i) => ({ index: i.index, progress: i.progress, ...previews.get(i.index) }));
      progress = { stageIndex: p.stageIndex, stageCount: p.stageCount, step: p.step, totalSteps: p.totalSteps, images };
      if (Date.now() - lastSaved >= PROGRESS_EVERY_MS) {
        lastSaved = Date.now();
        if (!(await heartbeat(this.deps.prisma, lease, this.deps.leaseTtlMs, progress))) lost = true;
      }
    };

    try {
      const request = job.request as unknown as CreateJobRequest;
      const images = ImageFailures.of(request);
      const outputs = await this.deps.runner.run(
        { jobId, request, models: await this.models(job.modelIds), loadResource: (id) => this.loadResource(job.tenantId, id) },
        { onProgress, isCancelled: async () => lost || this.aborting || (await this.deps.cancel.isCancelRequested(jobId)), onImageFailed: images.report },
      );
      const stored = await this.store(job.tenantId, jobId, images.keepMade(outputs));
      // Some images failed: SUCCESS with the others and the missing share refunded (FAILED when none was made).
      const finished = images.any
        ? await completeJobPartially(this.deps.prisma, lease, stored, { requested: images.requested, succeeded: images.succeeded }, images.describe())
        : await completeJob(this.deps.prisma, lease, stored);
      if (finished) {
        outcome = !images.any ? 'success' : images.succeeded > 0 ? 'partial' : 'failed';
        if (images.any) log.warn({ outputs: stored.length, failed: images.describe() }, images.succeeded > 0 ? 'job partly succeeded' : 'job failed: no image made');
        else log.info({ outputs: stored.length }, 'job succeeded');
        await this.deps.notifier.jobStatusChanged(job);
      } else {
        log.warn('finished, but the job was canceled or the lease lost meanwhile: outputs discarded');
      }
    } catch (e) {
      outcome = await this.onFailure(lease, e, log);
    } finally {
      clearInterval(beat);
      this.running.delete(jobId);
      metrics?.running.dec({ pool: this.deps.pool });
      stopTimer?.({ outcome });
      metrics?.jobsFinished.inc({ pool: this.deps.pool, outcome });
    }
  }

  /** Ends a run that threw; returns the outcome for the metrics. */
  private async onFailure(lease: Lease, e: unknown, log: Logger): Promise<string> {
    const { job } = lease;
    if (e instanceof CanceledRunError) {
      if (this.aborting) {
        const status = await releaseJob(this.deps.prisma, lease, 'worker shut down', false);
        if (status === 'WAITING') await this.requeue(lease);
        log.info({ status }, 'released on shutdown');
        return 'released';
      }
      log.info('stopped: canceled');
      return 'canceled';
    }
    if (e instanceof FatalRunError) {
      log.warn({ err: e }, 'job failed');
      if (await failJob(this.deps.prisma, lease, 'FATAL_ERROR', e.message)) await this.deps.notifier.jobStatusChanged(job);
      return 'failed';
    }
    log.error({ err: e }, 'job hit a transient error');
    const status = await releaseJob(this.deps.prisma, lease, (e as Error)?.message ?? String(e));
    if (status === 'WAITING') await this.requeue(lease);
    if (status) await this.deps.notifier.jobStatusChanged(job);
    return status === 'FAILED' ? 'failed' : 'retried';
  }

  private async requeue(lease: Lease): Promise<void> {
    const { job } = lease;
    await this.deps.waitQueue.requeue({ pool: job.pool, jobId: job.id.toString(), tenantId: job.tenantId, weight: await this.deps.weightOf(job.tenantId), modelKey: job.modelIds[0] });
  }

  private async store(tenantId: string, jobId: string, outputs: RunOutput[]): Promise<NewOutput[]> {
    return Promise.all(
      outputs.map(async (o) => {
        const storageKey = `outputs/${tenantId}/${jobId}/${o.stageIndex}-${o.index}${o.kind === 'VIDEO' ? '-video' : ''}.${o.format}`;
        await this.deps.blobs.put(storageKey, o.data, o.contentType);
        return { kind: o.kind, stageIndex: o.stageIndex, index: o.index, storageKey, format: o.format, width: o.width, height: o.height, frames: o.frames, bytes: o.data.length, seed: o.seed };
      }),
    );
  }

  private async models(ids: string[]) {
    const rows = await this.deps.prisma.model.findMany({ where: { id: { in: ids.map((id) => BigInt(id)) } } });
    return rows.map((m) => ({
      id: m.id.toString(),
      kind: m.modelType,
      name: m.name,
      baseModel: m.baseModel,
      path: path.isAbsolute(m.storagePath) ? m.storagePath : path.join(this.deps.modelsDir, m.storagePath),
    }));
  }

  private async loadResource(tenantId: string, resourceId: string): Promise<Buffer> {
    const resource = await this.deps.prisma.resource.findFirst({ where: { id: resourceId, tenantId, status: 'READY' } });
    if (!resource) throw new FatalRunError(`image resource ${resourceId} is not available`);
    return this.deps.blobs.get(resource.storageKey);
  }
}
