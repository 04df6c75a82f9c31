export * from './runner';
export * from './text';
export * from './samplers';
