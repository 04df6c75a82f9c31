export * from './upscaler-catalogue';
export * from './latent-resize';
export * from './hires-target';
export * from './esrgan-models';
export * from './tfjs-layers-model';
export * from './tfjs-layers-to-onnx';
export * from './tiled-upscale';
export * from './image-upscaler';
