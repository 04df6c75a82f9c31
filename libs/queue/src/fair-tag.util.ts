import { QueueError } from './queue.errors';

/*
 * Start-time fair queuing, in tag units. Every waiting job carries a start tag; the queue serves the smallest tag.
 * A tenant's jobs get tags S, S + 1/w, S + 2/w, ... where S is never below the pool's virtual time V (the largest
 * tag taken so far). So a tenant that floods 10,000 jobs owns tags V .. V+10,000, and a tenant that then submits one
 * job gets tag V: it waits behind at most one job of each other tenant that is waiting, not behind the flood.
 * These functions are the reference of what the Lua scripts do; the Lua copies them, the tests check both agree.
 */

/** How far past the head's tag a worker may reach for a job whose model it already holds (tag units). */
export const DEFAULT_AFFINITY_WINDOW = 2;
/** How many jobs from the head a take() looks at for a model match. */
export const DEFAULT_LOOKAHEAD = 16;
/** Upper bound on lookahead, so a take() stays O(log n). */
export const MAX_LOOKAHEAD = 256;

/** S = max(V, F_t); a tenant with no waiting job has no finish tag and starts at V. */
export function startTag(virtualTime: number, tenantFinishTag: number | undefined): number {
  return tenantFinishTag !== undefined && tenantFinishTag > virtualTime ? tenantFinishTag : virtualTime;
}

/** F_t = S + 1/w: a tenant of weight 2 advances half as fast, so it gets twice the share. */
export function finishTag(start: number, weight: number): number {
  return start + 1 / weight;
}

export function assertWeight(weight: number): void {
  if (typeof weight !== 'number' || !Number.isFinite(weight) || weight < 1) {
    throw new QueueError('INVALID_ARGUMENT', `invalid weight ${weight}: a finite number >= 1`);
  }
}

export interface AffinityCandidate {
  modelKey: string;
  tag: number;
}

/**
 * Which of the first entries (in queue order, already cut to the lookahead) a worker holding `heldModels` takes:
 * the first whose tag is within `window` of the head's tag and whose model is held; otherwise the head (0).
 * Returns -1 for an empty list.
 *
 * The window bounds how much affinity bends fairness: a job can be overtaken only by jobs whose tag is at most
 * `window` larger, i.e. by at most `window × w` jobs of each other tenant of weight w.
 */
export function pickAffinityIndex(
  entries: readonly AffinityCandidate[],
  heldModels: ReadonlySet<string>,
  window: number,
): number {
  if (entries.length === 0) return -1;
  if (heldModels.size === 0) return 0;
  const limit = entries[0].tag + window;
  for (let i = 0; i < entries.length; i++) {
    if (entries[i].tag > limit) break;
    if (heldModels.has(entries[i].modelKey)) return i;
  }
  return 0;
}
