import type { JobChangeEvent } from '@darkroom/contracts';
import type { PrismaClient } from '@darkroom/db';
import { summarizeJob } from './job-summary';

const BATCH = 100;

/** Mean progress of a running job's images (what the worker writes into Job.progress), 0-100. */
export function meanProgress(status: string, progress: unknown): number | null {
  if (status !== 'RUNNING') return null;
  const images = (progress as { images?: Array<{ progress?: number }> } | null)?.images ?? [];
  if (!images.length) return 0;
  return images.reduce((a, i) => a + (typeof i.progress === 'number' ? i.progress : 0), 0) / images.length;
}

/**
 * The changes of one tenant's jobs since a point in time, read from Postgres (every transition and every
 * progress heartbeat bumps Job.updatedAt). Each call returns what changed since the previous one; a job whose
 * row did not change since it was last returned is not returned again.
 */
export class JobChangeFeed {
  private since: Date;
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly prisma: PrismaClient,
    private readonly tenantId: string,
    since: Date,
  ) {
    this.since = since;
  }

  /** The cursor: resume from here (sent as the SSE event id). */
  get position(): Date {
    return this.since;
  }

  async next(): Promise<JobChangeEvent[]> {
    // >= and not >: rows written in the same millisecond as the cursor are seen, the `sent` map drops repeats.
    const rows = await this.prisma.job.findMany({ where: { tenantId: this.tenantId, updatedAt: { gte: this.since } }, orderBy: [{ updatedAt: 'asc' }, { id: 'asc' }], take: BATCH });
    const events: JobChangeEvent[] = [];
    for (const row of rows) {
      const id = row.id.toString();
      const at = row.updatedAt.getTime();
      if (this.sent.get(id) === at) continue;
      this.sent.set(id, at);
      events.push({ job: summarizeJob(row), progress: meanProgress(row.status, row.progress), updatedAt: row.updatedAt.toISOString() });
    }
    if (rows.length) {
      const newest = rows[rows.length - 1].updatedAt;
      if (newest.getTime() > this.since.getTime()) {
        // Forget what is older than the new cursor: it can no longer match the query.
        for (const [id, at] of this.sent) if (at < newest.getTime()) this.sent.delete(id);
        this.since = newest;
      }
    }
    return events;
  }
}
