import { Inject, Injectable } from '@nestjs/common';
import type { AdminWorkersResponse, WorkerPresence, WorkerView } from '@darkroom/contracts';
import { WORKER_PRESENCE_INTERVAL_MS, workerIndexKey, workerPresenceKey, workerPresenceSchema } from '@darkroom/contracts';
import { DashboardPlatform } from '../dashboard.platform';

const WORKERS_SHOWN = 200;

/** A report's state: lost after three missed reports, stopping once it no longer takes jobs. */
export function workerState(p: Pick<WorkerPresence, 'takingJobs' | 'seenAt'>, now = Date.now()): WorkerView['state'] {
  if (now - Date.parse(p.seenAt) > 3 * WORKER_PRESENCE_INTERVAL_MS) return 'LOST';
  return p.takingJobs ? 'ONLINE' : 'STOPPING';
}

/** Workers as they report themselves in Redis (see apps/worker worker-presence.ts), and each pool's size. */
@Injectable()
export class AdminWorkersService {
  constructor(@Inject(DashboardPlatform) private readonly platform: DashboardPlatform) {}

  async workers(): Promise<AdminWorkersResponse> {
    const { redis, config, prisma, queue } = this.platform;
    const prefix = config.REDIS_PREFIX;
    const ids = await redis.zrevrange(workerIndexKey(prefix), 0, WORKERS_SHOWN - 1);
    const raw = ids.length ? await redis.mget(...ids.map((id) => workerPresenceKey(prefix, id))) : [];
    const reports: WorkerPresence[] = [];
    for (const text of raw) {
      if (!text) continue; // expired: the worker has not reported for a minute
      try {
        const parsed = workerPresenceSchema.safeParse(JSON.parse(text));
        if (parsed.success) reports.push(parsed.data);
      } catch {
        // a record this version cannot read: skip it
      }
    }
    const jobIds = [...new Set(reports.flatMap((r) => r.runningJobs))].filter((id) => /^\d{1,20}$/.test(id));
    const jobs = jobIds.length
      ? await prisma.job.findMany({ where: { id: { in: jobIds.map((id) => BigInt(id)) } }, select: { id: true, tenantId: true, startedAt: true, progress: true, tenant: { select: { name: true } } } })
      : [];
    const byId = new Map(jobs.map((j) => [j.id.toString(), j]));
    const now = Date.now();
    const workers: WorkerView[] = reports.map((r) => ({
      ...r,
      ageSec: Math.max(0, Math.round((now - Date.parse(r.seenAt)) / 1000)),
      state: workerState(r, now),
      currentJobs: r.runningJobs.map((jobId) => {
        const j = byId.get(jobId);
        const images = (j?.progress as { images?: Array<{ progress?: number }> } | null)?.images ?? [];
        return {
          jobId,
          tenantName: j?.tenant.name ?? '(unknown)',
          startedAt: j?.startedAt?.toISOString() ?? null,
          progress: images.length ? images.reduce((a, i) => a + (i.progress ?? 0), 0) / images.length : null,
        };
      }),
    }));
    workers.sort((a, b) => a.pool.localeCompare(b.pool) || a.workerId.localeCompare(b.workerId));
    const pools = await Promise.all(
      Object.entries(config.POOLS).map(async ([pool, families]) => ({
        pool,
        families: [...families],
        waiting: await queue.fair.length(pool).catch(() => 0),
        running: await prisma.job.count({ where: { pool, status: 'RUNNING' } }),
        workers: workers.filter((w) => w.pool === pool && w.state !== 'LOST').length,
      })),
    );
    return { pools, workers };
  }
}
