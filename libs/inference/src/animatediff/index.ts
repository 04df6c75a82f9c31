export * from './animatediff-args';
export * from './clip-generation';
export * from './frame-noise';
export * from './frame-windows';
export * from './motion-guided-unet';
export * from './motion-unet';
