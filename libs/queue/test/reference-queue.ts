import { finishTag, pickAffinityIndex, startTag, type TakenJob } from '@darkroom/queue';

interface Waiting {
  tenantId: string;
  modelKey: string;
  tag: number;
}

/** An in-memory copy of one pool's queue, built from the pure tag helpers, that the Lua scripts must agree with. */
export class ReferenceQueue {
  private v = 0;
  private readonly fin = new Map<string, number>();
  private readonly cnt = new Map<string, number>();
  private readonly waiting = new Map<string, Waiting>();

  enqueue(jobId: string, tenantId: string, modelKey: string, weight: number): boolean {
    if (this.waiting.has(jobId)) return false;
    const s = startTag(this.v, this.fin.get(tenantId));
    this.fin.set(tenantId, finishTag(s, weight));
    this.add(jobId, tenantId, modelKey, s);
    return true;
  }

  requeue(jobId: string, tenantId: string, modelKey: string): boolean {
    if (this.waiting.has(jobId)) return false;
    this.add(jobId, tenantId, modelKey, this.v);
    return true;
  }

  take(heldModels: readonly string[], window: number, lookahead: number): TakenJob | null {
    const head = this.order().slice(0, lookahead);
    const index = pickAffinityIndex(head, new Set(heldModels), window);
    if (index < 0) return null;
    const { jobId, tenantId, modelKey, tag } = head[index];
    this.drop(jobId);
    if (tag > this.v) this.v = tag;
    return { jobId, tenantId, modelKey, tag };
  }

  remove(jobId: string): boolean {
    if (!this.waiting.has(jobId)) return false;
    this.drop(jobId);
    return true;
  }

  /** Queue order: by tag, ties by job id (Redis compares members bytewise; the ids here are ASCII). */
  order(): Array<Waiting & { jobId: string }> {
    return [...this.waiting.entries()]
      .map(([jobId, w]) => ({ jobId, ...w }))
      .sort((a, b) => a.tag - b.tag || (a.jobId < b.jobId ? -1 : a.jobId > b.jobId ? 1 : 0));
  }

  counts(): Record<string, number> {
    return Object.fromEntries(this.cnt);
  }

  private add(jobId: string, tenantId: string, modelKey: string, tag: number): void {
    this.waiting.set(jobId, { tenantId, modelKey, tag });
    this.cnt.set(tenantId, (this.cnt.get(tenantId) ?? 0) + 1);
  }

  private drop(jobId: string): void {
    const { tenantId } = this.waiting.get(jobId)!;
    this.waiting.delete(jobId);
    const left = (this.cnt.get(tenantId) ?? 0) - 1;
    if (left > 0) this.cnt.set(tenantId, left);
    else {
      this.cnt.delete(tenantId);
      this.fin.delete(tenantId);
    }
  }
}
