import type { CreateJobRequest } from '@darkroom/contracts';
import type { ImageFailure, RunOutput } from '@darkroom/inference';

/**
 * The images a run was asked for and what became of them. Runners report images they could not make through
 * `hooks.onImageFailed`; the worker keeps the outputs of the others and finishes the job as partly successful
 * (refunding the missing share, see completeJobPartially), or as failed when none was made.
 */
export class ImageFailures {
  private readonly failed = new Map<number, string>();

  constructor(readonly requested: number) {}

  /** How many images a job asks for (INPUT_INITIALIZE count; 1 without one, as pricing counts). */
  static of(request: CreateJobRequest): ImageFailures {
    return new ImageFailures(request.stages.find((s) => s.inputInitialize)?.inputInitialize?.count || 1);
  }

  /** The hook the runner calls; reports outside 0…requested−1 are ignored (they name no image of the job). */
  readonly report = (failure: ImageFailure): void => {
    if (Number.isInteger(failure.index) && failure.index >= 0 && failure.index < this.requested && !this.failed.has(failure.index)) {
      this.failed.set(failure.index, failure.reason);
    }
  };

  get any(): boolean {
    return this.failed.size > 0;
  }

  get succeeded(): number {
    return this.requested - this.failed.size;
  }

  /** The outputs of images that were made (a runner that reported an image and still returned it is overruled). */
  keepMade(outputs: RunOutput[]): RunOutput[] {
    return outputs.filter((o) => !this.failed.has(o.index));
  }

  /** "image 1: reason; image 3: reason" */
  describe(): string {
    return [...this.failed.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, reason]) => `image ${index}: ${reason}`)
      .join('; ');
  }
}
