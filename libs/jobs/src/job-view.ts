import type { UrlSigner } from '@darkroom/storage';

/** A stored job and its outputs, as the view needs them. */
export interface JobRecord {
  id: bigint;
  status: string;
  credits: { toString(): string };
  progress: unknown;
  failureCode: string | null;
  failureReason: string | null;
  outputs?: OutputRecord[];
}

export interface OutputRecord {
  id: string;
  kind: 'IMAGE' | 'VIDEO';
  stageIndex: number;
  index: number;
  storageKey: string;
  format: string;
  width: number;
  height: number;
  frames: number | null;
  seed: bigint;
}

/** What the worker writes into Job.progress while it runs. */
export interface JobProgress {
  stageIndex: number;
  stageCount: number;
  step: number;
  totalSteps: number;
  images: Array<{ index: number; progress: number; previewKey?: string; width?: number; height?: number }>;
}

export interface ResourceImageView {
  id: string;
  url: string;
  expiredIn: string;
  meta: { image: { format: string; width: number; height: number; frames?: number }; seed?: string };
}

export interface JobView {
  id: string;
  status: string;
  credits: number;
  waitingInfo?: { queueRank: string; queueLen: string };
  runningInfo?: {
    processingImages: Array<{ resourceImage?: ResourceImageView; progress: number }>;
    stages: Array<{ stageIndex: number; processingImages: Array<{ resourceImage?: ResourceImageView; progress: number }> }>;
  };
  successInfo?: {
    images: ResourceImageView[];
    videos: ResourceImageView[];
    stages: Array<{ stageIndex: number; images: ResourceImageView[]; videos: ResourceImageView[] }>;
  };
  failedInfo?: { reason: string; code: string };
}

/** Blob keys are served at /v1/files/<key> with a signed, expiring query. */
export const filePath = (storageKey: string) => `/v1/files/${storageKey}`;

export function signedResource(signer: UrlSigner, ttlSec: number, id: string, key: string, meta: ResourceImageView['meta']): ResourceImageView {
  const { url, expiresAt } = signer.sign('GET', filePath(key), ttlSec);
  return { id, url, expiredIn: String(expiresAt), meta };
}

/** The TAMS job object. Each status shows only its own info block. */
export function toJobView(
  job: JobRecord,
  opts: { signer: UrlSigner; urlTtlSec: number; position?: { rank: number; length: number } | null },
): JobView {
  const view: JobView = { id: job.id.toString(), status: job.status, credits: Number(job.credits.toString()) };
  switch (job.status) {
    case 'WAITING':
    case 'PENDING':
    case 'CREATED': {
      // A job that just left the wait list but is not yet claimed by a worker is next: rank 1.
      const p = opts.position;
      view.waitingInfo = { queueRank: String(p?.rank ?? 1), queueLen: String(p?.length ?? 1) };
      break;
    }
    case 'RUNNING': {
      const progress = job.progress as JobProgress | null;
      const images = (progress?.images ?? []).map((img) => ({
        progress: img.progress,
        ...(img.previewKey
          ? {
              resourceImage: signedResource(opts.signer, opts.urlTtlSec, `${job.id}-preview-${img.index}`, img.previewKey, {
                image: { format: 'webp', width: img.width ?? 0, height: img.height ?? 0 },
              }),
            }
          : {}),
      }));
      view.runningInfo = { processingImages: images, stages: [{ stageIndex: progress?.stageIndex ?? 0, processingImages: images }] };
      break;
    }
    case 'SUCCESS': {
      const outputs = [...(job.outputs ?? [])].sort((a, b) => a.stageIndex - b.stageIndex || a.index - b.index);
      // Each output is signed once and listed both flat and under its stage.
      const signed = new Map(
        outputs.map((o) => [
          o,
          signedResource(opts.signer, opts.urlTtlSec, o.id, o.storageKey, {
            image: { format: o.format, width: o.width, height: o.height, ...(o.frames ? { frames: o.frames } : {}) },
            seed: o.seed.toString(),
          }),
        ]),
      );
      const asView = (o: OutputRecord) => signed.get(o) as ResourceImageView;
      const images = outputs.filter((o) => o.kind === 'IMAGE').map(asView);
      const videos = outputs.filter((o) => o.kind === 'VIDEO').map(asView);
      const stageIndexes = [...new Set(outputs.map((o) => o.stageIndex))];
      view.successInfo = {
        images,
        videos,
        stages: stageIndexes.map((stageIndex) => ({
          stageIndex,
          images: outputs.filter((o) => o.stageIndex === stageIndex && o.kind === 'IMAGE').map(asView),
          videos: outputs.filter((o) => o.stageIndex === stageIndex && o.kind === 'VIDEO').map(asView),
        })),
      };
      break;
    }
    case 'FAILED':
      view.failedInfo = { reason: job.failureReason ?? '', code: job.failureCode ?? 'FATAL_ERROR' };
      break;
    default:
      break;
  }
  return view;
}
