import type { AdetailerArg, DiffusionParams } from '@darkroom/contracts';
import { promptText } from '../engine/infotext';
import { FatalRunError } from '../runner/job-runner';

/** ADetailer's mask blur (its "Inpaint mask blur" default; the TAMS arg has no field for it). */
export const AD_MASK_BLUR = 4;

/** Prompt items with text; an arg whose prompt list has none uses the job's prompts (ADetailer: empty = main prompt). */
function ownPrompts(items: AdetailerArg['adPrompt']): AdetailerArg['adPrompt'] | undefined {
  const withText = items.filter((p) => p.text.trim() !== '');
  return withText.length ? withText : undefined;
}

const SEP = /\s*\[SEP\]\s*/i;
const PROMPT = /\[PROMPT\]/gi;

/** How many detections' prompts the items spell out with "[SEP]" (1 without it). */
export function regionCount(items: AdetailerArg['adPrompt']): number {
  return Math.max(1, ...items.map((i) => i.text.split(SEP).length));
}

/**
 * ADetailer's prompt syntax, item by item: "[SEP]" separates the prompts of successive detections (the last part
 * serves every detection after it) and "[PROMPT]" stands for the job's prompt. The items of detection `region`,
 * or undefined when none of them has text (the job's prompts apply).
 */
export function regionPrompts(items: AdetailerArg['adPrompt'], job: AdetailerArg['adPrompt'], region: number): AdetailerArg['adPrompt'] | undefined {
  const jobText = promptText(job);
  return ownPrompts(
    items.map((item) => {
      const parts = item.text.split(SEP);
      return { ...item, text: parts[Math.min(region, parts.length - 1)].replace(PROMPT, () => jobText) };
    }),
  );
}

/** The prompts of detection `region` of an arg: its own (see regionPrompts), else the job's. */
export function adetailerRegionPrompts(job: DiffusionParams, arg: AdetailerArg, region: number): Pick<DiffusionParams, 'prompts' | 'negativePrompts'> {
  return {
    prompts: regionPrompts(arg.adPrompt, job.prompts, region) ?? job.prompts,
    negativePrompts: regionPrompts(arg.adNegativePrompt, job.negativePrompts, region) ?? job.negativePrompts,
  };
}

/** A checkpoint / sampler override, or undefined for ADetailer's "Use same …" (absent, empty or that label). */
function own(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v && !/^use same /i.test(v) ? v : undefined;
}

/**
 * The diffusion parameters of one ADetailer arg's inpaint passes: the job's, with the arg's prompts when it has
 * some (those of the first detection; adetailerRegionPrompts gives the others), and each setting whose `adUse…` switch is on (steps, CFG scale, checkpoint, sampler, clip skip) taken from
 * the arg (a checkpoint or sampler switch without a name keeps the job's). The arg's LoRA list, when it has items,
 * replaces the job's (ADetailer puts LoRAs in its own prompt); ControlNet and AnimateDiff stay with the main pass.
 * width × height is the processing size of the crops.
 */
export function adetailerDiffusion(job: DiffusionParams, arg: AdetailerArg, size: { width: number; height: number }): DiffusionParams {
  return {
    ...job,
    width: size.width,
    height: size.height,
    ...adetailerRegionPrompts(job, arg, 0),
    steps: arg.adUseSteps ? arg.adSteps : job.steps,
    cfgScale: arg.adUseCfgScale ? arg.adCfgScale : job.cfgScale,
    sdModel: arg.adUseCheckpoint ? (own(arg.adCheckpoint) ?? job.sdModel) : job.sdModel,
    sampler: arg.adUseSampler ? (own(arg.adSampler) ?? job.sampler) : job.sampler,
    clipSkip: arg.adUseClipSkip ? arg.adClipSkip : job.clipSkip,
    lora: arg.lora?.items.length ? arg.lora : job.lora,
    denoisingStrength: arg.adDenoisingStrength,
    controlnet: undefined,
    animateDiff: undefined,
  };
}

/**
 * Size the crops are processed at: adInpaintWidth × adInpaintHeight when adUseInpaintWidthHeight is on, else the
 * image's own size (ADetailer takes the generation size, which is the image's), rounded down to multiples of 8.
 */
export function adetailerProcessingSize(arg: AdetailerArg, image: { width: number; height: number }): { width: number; height: number } {
  if (arg.adUseInpaintWidthHeight) return { width: arg.adInpaintWidth, height: arg.adInpaintHeight };
  const w = Math.floor(image.width / 8) * 8;
  const h = Math.floor(image.height / 8) * 8;
  if (w < 8 || h < 8) throw new FatalRunError(`IMAGE_TO_ADETAILER needs images of at least 8×8 pixels, got ${image.width}×${image.height}`);
  return { width: w, height: h };
}

/** English ordinal suffix of ADetailer's infotext keys: the first arg has none, then " 2nd", " 3rd", " 4th"… */
function ordinal(index: number): string {
  if (index === 0) return '';
  const n = index + 1;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return ` ${n}${suffix}`;
}


/** ADetailer's infotext pairs for arg `index`. */
export function adetailerInfotext(arg: AdetailerArg, index: number): [string, string | number][] {
  const s = ordinal(index);
  const pairs: [string, string | number][] = [[`ADetailer model${s}`, arg.adModel]];
  const prompt = ownPrompts(arg.adPrompt);
  const negative = ownPrompts(arg.adNegativePrompt);
  if (prompt) pairs.push([`ADetailer prompt${s}`, promptText(prompt)]);
  if (negative) pairs.push([`ADetailer negative prompt${s}`, promptText(negative)]);
  pairs.push(
    [`ADetailer confidence${s}`, arg.adConfidence],
    [`ADetailer dilate erode${s}`, arg.adDilateErode],
    [`ADetailer mask blur${s}`, AD_MASK_BLUR],
    [`ADetailer denoising strength${s}`, arg.adDenoisingStrength],
    [`ADetailer inpaint only masked${s}`, arg.adInpaintOnlyMasked ? 'True' : 'False'],
  );
  if (arg.adInpaintOnlyMasked) pairs.push([`ADetailer inpaint padding${s}`, arg.adInpaintOnlyMaskedPadding]);
  if (arg.adMaskMergeInvert !== 'None') pairs.push([`ADetailer mask merge invert${s}`, arg.adMaskMergeInvert]);
  if (arg.adUseInpaintWidthHeight) pairs.push([`ADetailer inpaint width${s}`, arg.adInpaintWidth], [`ADetailer inpaint height${s}`, arg.adInpaintHeight]);
  if (arg.adUseSteps) pairs.push([`ADetailer steps${s}`, arg.adSteps]);
  if (arg.adUseCfgScale) pairs.push([`ADetailer CFG scale${s}`, arg.adCfgScale]);
  const checkpoint = arg.adUseCheckpoint ? own(arg.adCheckpoint) : undefined;
  const sampler = arg.adUseSampler ? own(arg.adSampler) : undefined;
  if (checkpoint) pairs.push([`ADetailer checkpoint${s}`, checkpoint]);
  if (sampler) pairs.push([`ADetailer sampler${s}`, sampler]);
  if (arg.adUseNoiseMultiplier) pairs.push([`ADetailer noise multiplier${s}`, arg.adNoiseMultiplier]);
  if (arg.adUseClipSkip) pairs.push([`ADetailer CLIP skip${s}`, arg.adClipSkip]);
  return pairs;
}

/** Appends pairs to an A1111 parameters text, before its Version entry when it has one. */
export function appendInfotext(text: string, pairs: readonly (readonly [string, string | number])[]): string {
  // Values that would break the "key: value, …" line are quoted, as A1111 does.
  const add = pairs.map(([k, v]) => `${k}: ${typeof v === 'string' && /[,:"\n]/.test(v) ? JSON.stringify(v) : v}`).join(', ');
  if (!add) return text;
  if (!text) return add;
  const at = text.lastIndexOf(', Version: ');
  return at >= 0 ? `${text.slice(0, at)}, ${add}${text.slice(at)}` : `${text}, ${add}`;
}
