import type { JobSummary } from '@darkroom/contracts';

/** The stored job row, as much of it as a summary needs. */
export interface JobRow {
  id: bigint;
  requestId: string;
  status: string;
  pool: string;
  credits: { toString(): string };
  request: unknown;
  failureReason: string | null;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const numOrNull = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The diffusion parameters of the first stage that has any (DIFFUSION, or an IMAGE_TO_* stage's own). */
function firstDiffusion(stages: Obj[]): Obj | null {
  for (const s of stages) {
    for (const holder of [s, s.imageToUpscaler, s.imageToAdetailer, s.imageToInpaint]) {
      if (isObj(holder) && isObj(holder.diffusion)) return holder.diffusion;
    }
  }
  return null;
}

/**
 * What a person looks for in a job list: the first prompt, size, steps, sampler, seed and count, read from the
 * validated request the job stored (so a field the request left out shows its default, not a guess).
 */
export function summarizeJob(job: JobRow): JobSummary {
  const request = isObj(job.request) ? job.request : {};
  const stages = Array.isArray(request.stages) ? request.stages.filter(isObj) : [];
  const diffusion = firstDiffusion(stages);
  const init = stages.map((s) => s.inputInitialize).find(isObj);
  const prompts = diffusion && Array.isArray(diffusion.prompts) ? diffusion.prompts.filter(isObj) : [];
  const prompt = prompts.map((p) => (typeof p.text === 'string' ? p.text : '')).filter(Boolean).join(' | ');
  const seed = init ? numOrNull(init.seed) : null;
  return {
    id: job.id.toString(),
    requestId: job.requestId,
    status: job.status,
    pool: job.pool,
    credits: Number(job.credits.toString()),
    prompt,
    width: diffusion ? numOrNull(diffusion.width) : null,
    height: diffusion ? numOrNull(diffusion.height) : null,
    steps: diffusion ? numOrNull(diffusion.steps) : null,
    sampler: diffusion && typeof diffusion.sampler === 'string' && diffusion.sampler ? diffusion.sampler : null,
    seed: seed && seed > 0 ? String(seed) : null,
    count: (init && numOrNull(init.count)) || 1,
    stageTypes: stages.map((s) => (typeof s.type === 'string' ? s.type : 'UNKNOWN')),
    failureReason: job.failureReason,
    createdAt: job.createdAt.toISOString(),
    startedAt: job.startedAt?.toISOString() ?? null,
    finishedAt: job.finishedAt?.toISOString() ?? null,
  };
}
