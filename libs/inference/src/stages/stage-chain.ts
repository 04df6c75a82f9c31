import type { Stage } from '@darkroom/contracts';
import { CONTENT_TYPES, encodeImageOutput, type OutputFormat } from '../engine/image-output';
import { CanceledRunError, FatalRunError, type RunHooks, type RunInput, type RunOutput } from '../runner/job-runner';
import { resolveSeeds } from '../runner/seeds';
import { videoRunOutputs } from '../video/video-output';
import type { PreparedStage, StageExecutor, StageImage, StageProgressReport, StageServices, StageSize } from './stage-executor';

export type StageRegistry = Partial<Record<Stage['type'], StageExecutor>>;

/**
 * Job-wide progress: image i's share of all the steps it takes across the stages. A stage reports steps of its
 * own; a stage that samples one image at a time names it (the images before it have finished that stage).
 */
export class StageChainProgress {
  private readonly before: number[];
  private readonly total: number;

  constructor(
    private readonly hooks: RunHooks,
    private readonly stageSteps: readonly number[],
    private readonly count: number,
  ) {
    let sum = 0;
    this.before = stageSteps.map((s) => {
      const b = sum;
      sum += s;
      return b;
    });
    this.total = Math.max(1, sum);
  }

  async report(stageIndex: number, r: StageProgressReport): Promise<void> {
    const steps = this.stageSteps[stageIndex];
    const images = Array.from({ length: this.count }, (_, index) => {
      const inStage = r.image === undefined || index === r.image ? r.step : index < r.image ? steps : 0;
      const preview = r.previews?.find((p) => p.index === index);
      return {
        index,
        progress: Math.round(((this.before[stageIndex] + Math.min(inStage, steps)) / this.total) * 100),
        ...(preview ? { preview: { data: preview.data, width: preview.width, height: preview.height } } : {}),
      };
    });
    await this.hooks.onProgress({ stageIndex, stageCount: this.stageSteps.length, step: r.step, totalSteps: steps, images });
  }
}

/**
 * Runs a job's stages in order on their registered executors. First every stage is prepared (all checks, models
 * loaded: a FatalRunError before any step, also for a stage type no executor runs yet), each seeing the size of
 * the images the stage before it hands on; then each stage runs on the previous stage's images. The images of
 * the last stage that makes any are the job's outputs (its stage index), encoded with their parameters.
 */
export async function runStageChain(
  input: RunInput,
  hooks: RunHooks,
  services: StageServices,
  registry: StageRegistry,
  outputFormat: OutputFormat = 'png',
): Promise<RunOutput[]> {
  const { stages } = input.request;
  for (const stage of stages) {
    if (!registry[stage.type]) throw new FatalRunError(`stage ${stage.type} is not supported by this engine yet`);
  }
  if (!stages.some((s) => s.type !== 'INPUT_INITIALIZE')) throw new FatalRunError('the job has no stage that makes images');
  const ii = stages.find((s) => s.type === 'INPUT_INITIALIZE')?.inputInitialize;
  const seeds = resolveSeeds(ii?.seed, ii?.count ?? 1);
  const jobDiffusion = stages.find((s) => s.type === 'DIFFUSION')?.diffusion;

  const prepared: PreparedStage[] = [];
  let incoming: StageSize | null = null;
  for (const [index, stage] of stages.entries()) {
    const p = await (registry[stage.type] as StageExecutor).prepare(stage, { input, index, stages, seeds, jobDiffusion, incoming, services });
    prepared.push(p);
    incoming = p.output ?? incoming;
  }

  const progress = new StageChainProgress(
    hooks,
    prepared.map((p) => p.steps),
    seeds.length,
  );
  const isCancelled = async () => Boolean(await hooks.isCancelled());
  let images: StageImage[] | null = null;
  let made = -1;
  for (const [index, stage] of prepared.entries()) {
    if (await isCancelled()) throw new CanceledRunError();
    const out = await stage.run(images, { progress: (r) => progress.report(index, r), isCancelled });
    if (out) {
      images = out;
      made = index;
    }
  }
  if (!images) throw new FatalRunError('the job made no image');
  const result = images;
  const videoOptions = { formats: services.options.videoFormats, onSkipped: (_: string, why: string) => services.notice(why) };
  const outputs = await Promise.all(
    result.map(async (img, index): Promise<RunOutput[]> => {
      // A clip is returned as videos only (one per format).
      if (img.video) return videoRunOutputs(img.video, { stageIndex: made, index, seed: seeds[index] }, videoOptions);
      return [
        {
          kind: 'IMAGE' as const,
          stageIndex: made,
          index,
          data: await encodeImageOutput(img.rgb, outputFormat, img.parameters ?? ''),
          format: outputFormat,
          contentType: CONTENT_TYPES[outputFormat],
          width: img.rgb.width,
          height: img.rgb.height,
          seed: seeds[index],
        },
      ];
    }),
  );
  return outputs.flat();
}
