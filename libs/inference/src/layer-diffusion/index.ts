export * from './layer-diffusion-plan';
export * from './transparent-decoding';
