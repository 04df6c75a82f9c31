export * from './runner';
export * from './text';
export * from './samplers';
export * from './engine';
export * from './stages';
export * from './upscale';
export * from './inpaint';
