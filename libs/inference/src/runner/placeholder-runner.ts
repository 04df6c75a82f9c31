import sharp from 'sharp';
import type { CreateJobRequest } from '@darkroom/contracts';
import { CanceledRunError, FatalRunError, JobRunner, RunHooks, RunInput, RunOutput } from './job-runner';
import { resolveSeeds } from './seeds';

/** Final image size of a job: the last stage that sets one (upscaler target, else the diffusion size). */
export function outputSize(req: CreateJobRequest): { width: number; height: number } {
  let size: { width: number; height: number } | null = null;
  for (const stage of req.stages) {
    const d = stage.diffusion ?? stage.imageToUpscaler?.diffusion ?? stage.imageToInpaint?.diffusion ?? stage.imageToAdetailer?.diffusion;
    if (d && (stage.type === 'DIFFUSION' || size === null)) size = { width: d.width, height: d.height };
    const u = stage.imageToUpscaler;
    if (u) {
      const base: { width: number; height: number } = size ?? { width: 512, height: 512 };
      size = u.hrScale
        ? { width: Math.round((base.width * u.hrScale) / 8) * 8, height: Math.round((base.height * u.hrScale) / 8) * 8 }
        : { width: u.hrResizeX ?? base.width, height: u.hrResizeY ?? base.height };
    }
  }
  return size ?? { width: 512, height: 512 };
}

export interface PlaceholderOptions {
  /**
   * Images this runner fails to make, reported through `hooks.onImageFailed`: how tests exercise partly
   * successful jobs. Indices (the same for every job), or a predicate per job and image.
   */
  failImages?: Iterable<number> | ((index: number, input: RunInput) => boolean);
}

/**
 * Stands in for the diffusion engine: walks the job's stages step by step (progress, cancellation, timing like
 * a real run) and returns, per requested image, a PNG gradient determined by its seed at the requested size.
 */
export class PlaceholderRunner implements JobRunner {
  readonly name = 'placeholder';
  private readonly fails: (index: number, input: RunInput) => boolean;
  constructor(
    private readonly stepDelayMs = 20,
    options: PlaceholderOptions = {},
  ) {
    const { failImages } = options;
    if (typeof failImages === 'function') this.fails = failImages;
    else {
      const indices = new Set(failImages ?? []);
      this.fails = (index) => indices.has(index);
    }
  }

  heldModels(): string[] {
    return [];
  }

  async run(input: RunInput, hooks: RunHooks): Promise<RunOutput[]> {
    const req = input.request;
    const count = req.stages.find((s) => s.inputInitialize)?.inputInitialize?.count ?? 1;
    const seeds = resolveSeeds(req.stages.find((s) => s.inputInitialize)?.inputInitialize?.seed, count);
    const stageCount = req.stages.length;
    for (let s = 0; s < stageCount; s++) {
      const d = req.stages[s].diffusion ?? req.stages.find((x) => x.type === 'DIFFUSION')?.diffusion;
      const steps = d?.steps ?? 20;
      for (let step = 1; step <= steps; step++) {
        if (await hooks.isCancelled()) throw new CanceledRunError();
        if (this.stepDelayMs) await new Promise((r) => setTimeout(r, this.stepDelayMs));
        const progress = Math.round(((s + step / steps) / stageCount) * 100);
        await hooks.onProgress({ stageIndex: s, stageCount, step, totalSteps: steps, images: seeds.map((_, index) => ({ index, progress })) });
      }
    }
    const { width, height } = outputSize(req);
    const lastStage = stageCount - 1;
    const failed = new Set(seeds.map((_, index) => index).filter((index) => this.fails(index, input)));
    for (const index of failed) {
      const reason = `placeholder: image ${index} was set to fail`;
      // A caller that cannot take per-image failures gets the whole job failed instead of fewer images.
      if (!hooks.onImageFailed) throw new FatalRunError(reason);
      await hooks.onImageFailed({ index, reason });
    }
    const made = seeds.map((seed, index) => ({ seed, index })).filter(({ index }) => !failed.has(index));
    return Promise.all(
      made.map(async ({ seed, index }) => ({
        kind: 'IMAGE' as const,
        stageIndex: lastStage,
        index,
        data: await gradientPng(seed, width, height),
        format: 'png',
        contentType: 'image/png',
        width,
        height,
        seed,
      })),
    );
  }
}

async function gradientPng(seed: bigint, width: number, height: number): Promise<Buffer> {
  const s = Number(seed % 16777216n);
  const [r, g, b] = [s & 255, (s >> 8) & 255, (s >> 16) & 255];
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1">
    <stop offset="0" stop-color="rgb(${r},${g},${b})"/><stop offset="1" stop-color="rgb(${255 - r},${255 - g},${255 - b})"/></linearGradient></defs>
    <rect width="100%" height="100%" fill="url(#g)"/></svg>`;
  return sharp(Buffer.from(svg)).png().toBuffer();
}
