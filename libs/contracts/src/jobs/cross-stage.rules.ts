import { IssueList } from '../normalize/issue-list';
import type { DiffusionParams } from './diffusion.schema';
import type { Stage } from './stage.schema';

type ImageToKey = 'imageToUpscaler' | 'imageToAdetailer' | 'imageToInpaint';
const IMAGE_TO: Partial<Record<Stage['type'], ImageToKey>> = {
  IMAGE_TO_UPSCALER: 'imageToUpscaler',
  IMAGE_TO_ADETAILER: 'imageToAdetailer',
  IMAGE_TO_INPAINT: 'imageToInpaint',
};
const NEEDS_INPUT_IMAGE = new Set<Stage['type']>(['IMAGE_TO_ADETAILER', 'IMAGE_TO_INPAINT']);

/** The job-wide diffusion parameters: its DIFFUSION stage's (TAMS reads them from there, wherever it is). */
export function jobDiffusion(stages: readonly Stage[]): DiffusionParams | undefined {
  return stages.find((s) => s.type === 'DIFFUSION')?.diffusion;
}

/**
 * Rules across stages, on validated stages:
 * - INPUT_INITIALIZE only as the first stage (`stage_order`); at most one DIFFUSION stage (`stage_count`);
 * - each IMAGE_TO_UPSCALER/ADETAILER/INPAINT has diffusion parameters: its own or the job's DIFFUSION stage's
 *   (`missing_diffusion`), and no animateDiff in its own (`unexpected_field`: video belongs to IMAGE_TO_ANIMATE_DIFF);
 * - ADETAILER and INPAINT work on an image: an earlier stage made one, or INPUT_INITIALIZE brought one
 *   (`missing_input_image`); an UPSCALER without one makes its base image itself (hires fix);
 * - a job makes images: INPUT_INITIALIZE alone is `no_output_stage`.
 */
export function checkStageRules(stages: readonly Stage[], issues: IssueList, base = 'stages'): void {
  const shared = jobDiffusion(stages);
  let diffusionStages = 0;
  let haveImage = false;
  let outputs = 0;
  stages.forEach((stage, i) => {
    const path = `${base}[${i}]`;
    if (stage.type === 'INPUT_INITIALIZE') {
      if (i > 0) issues.add(`${path}.type`, 'stage_order', 'INPUT_INITIALIZE can only be the first stage, once');
      if (stage.inputInitialize?.imageResourceId) haveImage = true;
      return;
    }
    outputs++;
    if (stage.type === 'DIFFUSION' && ++diffusionStages > 1) {
      issues.add(`${path}.type`, 'stage_count', 'a job has at most one DIFFUSION stage');
    }
    const key = IMAGE_TO[stage.type];
    if (key) {
      const own = stage[key]?.diffusion;
      if (!own && !shared) {
        issues.add(`${path}.${key}.diffusion`, 'missing_diffusion', `${stage.type} needs diffusion parameters here or a DIFFUSION stage in the job`);
      }
      if (own?.animateDiff?.args.length) {
        issues.add(`${path}.${key}.diffusion.animateDiff`, 'unexpected_field', 'animateDiff belongs to IMAGE_TO_ANIMATE_DIFF stages');
      }
    }
    if (NEEDS_INPUT_IMAGE.has(stage.type) && !haveImage) {
      issues.add(`${path}.type`, 'missing_input_image', `${stage.type} needs an image: an earlier stage that makes one, or INPUT_INITIALIZE with imageResourceId`);
    }
    haveImage = true;
  });
  if (outputs === 0) issues.add(base, 'no_output_stage', 'a job needs a stage that makes images; INPUT_INITIALIZE alone makes none');
}
