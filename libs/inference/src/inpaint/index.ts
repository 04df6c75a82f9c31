export * from './gray-image';
export * from './inpaint-mask';
export * from './crop-region';
export * from './resize-modes';
export * from './masked-fill';
export * from './inpaint-composite';
export * from './inpaint-geometry';
export * from './inpainting-unet';
