export * from './job-view.schema';
export * from './model-view.schema';
export * from './resource.schema';
export * from './error.schema';
