import { protoEnum } from '../normalize/proto-fields';

/** Stage types in proto order (DEFAULT = 0 ... IMAGE_TO_ANIMATE_DIFF = 6). */
export const STAGE_TYPES = [
  'DEFAULT',
  'INPUT_INITIALIZE',
  'DIFFUSION',
  'IMAGE_TO_UPSCALER',
  'IMAGE_TO_ADETAILER',
  'IMAGE_TO_INPAINT',
  'IMAGE_TO_ANIMATE_DIFF',
] as const;
export type StageType = (typeof STAGE_TYPES)[number];
/** What a parsed stage's type can be: DEFAULT is either inferred away or refused. */
export type JobStageType = Exclude<StageType, 'DEFAULT'>;

export const CONTROLNET_RESIZE_MODES = ['DEFAULT', 'JUST_RESIZE', 'CROP_AND_RESIZE', 'RESIZE_AND_FILL'] as const;
export const CONTROL_MODES = ['DEFAULT', 'BALANCED', 'MY_PROMPT_IS_MORE_IMPORTANT', 'CONTROLNET_IS_MORE_IMPORTANT'] as const;
export const INPAINT_RESIZE_MODES = ['DEFAULT', 'JUST_RESIZE', 'CROP_AND_RESIZE', 'RESIZE_AND_FILL', 'JUST_RESIZE_LATENT_UPSCALE'] as const;
/** A1111's masked-content modes; DEFAULT reads as ORIGINAL. */
export const INPAINTING_FILLS = ['DEFAULT', 'FILL', 'ORIGINAL', 'LATENT_NOISE', 'LATENT_NOTHING'] as const;
export const AD_MASK_MERGE_MODES = ['None', 'Merge', 'Merge and Invert'] as const;

export type ControlnetResizeMode = (typeof CONTROLNET_RESIZE_MODES)[number];
export type ControlMode = (typeof CONTROL_MODES)[number];
export type InpaintResizeMode = (typeof INPAINT_RESIZE_MODES)[number];
export type InpaintingFill = (typeof INPAINTING_FILLS)[number];
export type AdMaskMergeMode = (typeof AD_MASK_MERGE_MODES)[number];

export const stageTypeSchema = protoEnum(STAGE_TYPES);
export const controlnetResizeModeSchema = protoEnum(CONTROLNET_RESIZE_MODES);
export const controlModeSchema = protoEnum(CONTROL_MODES);
export const inpaintResizeModeSchema = protoEnum(INPAINT_RESIZE_MODES);
export const inpaintingFillSchema = protoEnum(INPAINTING_FILLS);
