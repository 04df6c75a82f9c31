export * from './runner';
export * from './text';
export * from './samplers';
export * from './engine';
