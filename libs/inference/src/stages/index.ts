export * from './stage-executor';
export * from './stage-chain';
export * from './stage-registry';
export * from './stage-helpers';
export * from './job-stage-services';
export { inputInitializeStage } from './input-initialize.stage';
export { diffusionStage } from './diffusion.stage';
export { upscalerStage } from './upscaler.stage';
export { inpaintStage } from './inpaint.stage';
