import { loadJobImage } from '../engine/generation-plan';
import type { StageExecutor } from './stage-executor';

/**
 * INPUT_INITIALIZE: seeds and count are read by the chain; with `imageResourceId` the stage hands the uploaded
 * image (its own size, EXIF-rotated, alpha on white) to the next stage, once per image of the job.
 */
export const inputInitializeStage: StageExecutor = {
  type: 'INPUT_INITIALIZE',
  async prepare(stage, ctx) {
    const id = stage.inputInitialize?.imageResourceId;
    if (!id) return { output: null, steps: 0, run: async () => null };
    const rgb = await loadJobImage(ctx.input, id);
    return {
      output: { width: rgb.width, height: rgb.height },
      steps: 0,
      // The same object for every image: passes encode it once.
      run: async () => ctx.seeds.map(() => ({ rgb })),
    };
  },
};
